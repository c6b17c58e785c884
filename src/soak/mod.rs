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
//! | [`batches`] | each batch's options drawn, as a benchmark step, and its requests |
//! | [`drive`] | continuous load across batch boundaries |
//! | [`sample`] | the samplers: process tree, GPU, `/metrics` |
//! | [`window`] | the client's requests per sample window |
//! | [`record`] | the load and the samplers run together |
//! | [`stats`] | least squares with a confidence interval, Mann-Whitney U |
//! | [`verdict`] | the checks |
//! | [`report`] | CSV, charts, Markdown |
//! | [`run`] | one soak, start to verdict |
//! | [`trials`] | the configs as registered trials |

pub mod batches;
pub mod config;
pub mod drive;
pub mod record;
pub mod report;
pub mod run;
pub mod sample;
pub mod settings;
pub mod stats;
pub mod trials;
pub mod verdict;
pub mod window;

pub use config::{SoakEntry, StabilityCase, StabilityConfig};
pub use run::{SoakError, SoakReport, SoakServer, run_soak};
pub use settings::{SoakSettings, parse_duration};
pub use verdict::{CheckKind, LatencyMetric, MemorySeries, Status, Verdict};
