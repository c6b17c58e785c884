//! What a soak leaves in its output folder.
//!
//! | module | what |
//! |---|---|
//! | [`csv`] | the time series, one row per sample |

pub mod csv;
