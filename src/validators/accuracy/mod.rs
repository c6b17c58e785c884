//! L3 accuracy: a small evaluation set we write ourselves (`baselines/accuracy/*.yaml`), the
//! scoring of a model's answers, and the comparison of the score with a recorded baseline through
//! the score's confidence interval.
//!
//! | module | what |
//! |---|---|
//! | [`set`] | evaluation sets: questions, the media they are about, accepted answers |
//! | [`scene`] | rendering an item's pictures, clips and speech from its description |
//! | [`score`] | answer matching, accuracy and its Wilson confidence interval |
//! | [`baseline`] | recorded scores per set, model and backend, and the verdict against them |

pub mod baseline;
pub mod scene;
pub mod score;
pub mod set;

pub use baseline::{Baseline, Baselines, Verdict};
pub use score::{Score, answer_matches};
pub use set::{EvalItem, EvalSet, SetError};
