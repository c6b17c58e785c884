//! The L5 stability runner. A soak keeps the load of one stability-config entry going without a
//! break for its whole duration, with inputs drawn anew for each batch, while samplers record
//! the server's process tree (RSS, file descriptors, threads), its GPU memory when there is a
//! GPU, its `/metrics`, and the client's latencies and errors per window. The verdict then asks
//! four questions: did every request complete; does memory grow (a slope with a confidence
//! interval after the warm-up, not a difference of two readings); did latency drift (the last
//! windows against the first, with a significance test); did preemptions grow.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | `baselines/stability/*.json`: cases, entries, random ranges and buckets |
//! | [`settings`] | duration, sampling, warm-up, drain and thresholds |
//! | [`stats`] | least squares with a confidence interval, Mann-Whitney U |

pub mod config;
pub mod settings;
pub mod stats;

pub use config::{SoakEntry, StabilityCase, StabilityConfig};
pub use settings::{SoakSettings, parse_duration};
