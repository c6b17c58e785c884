//! The pure core of the L4 performance runner: what a benchmark config asks for, what a run
//! measured, and whether that meets the baseline. Nothing here touches the network; the load
//! generator produces [`RequestOutcome`]s and this module turns them into `vllm bench serve`'s
//! numbers.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | `baselines/perf/*.json`: cases, server parameters, marks, benchmark entries |
//! | [`sweep`] | a benchmark entry expanded into steps (one run each) |
//! | [`baseline`] | a step's baseline thresholds, checked against its result |
//! | [`schedule`] | when each request is sent (gamma arrivals) |
//! | [`datasets`] | the `random` dataset's lengths and prompts |
//! | [`stream`] | a request's TTFT, ITL and E2EL from its SSE messages |
//! | [`request`] | one request's measurements |
//! | [`metrics`] | a run's aggregate metrics, as vLLM's `calculate_metrics` |
//! | [`metric_names`] | `--percentile-metrics`, `--metric-percentiles`, `--goodput` |
//! | [`result_json`] | the result file |
//! | [`health`] | whether the load generator kept up |
//! | [`load`] | the load generator: datasets, requests, the timed run, the result file |
//! | [`options`] | a benchmark entry's free-form options |
//! | [`step`] | one sweep step run against a server, to its verdict |
//! | [`report`] | an entry's Markdown summary and charts |
//! | [`trials`] | `baselines/perf/*.json` as registered trials |
//! | [`stats`] | numpy's mean, median, std and percentile, to the bit |
//! | [`json_path`] | JSON paths for error messages |

pub mod baseline;
pub mod config;
pub mod datasets;
pub mod health;
pub mod json_path;
pub mod load;
pub mod metric_names;
pub mod metrics;
pub mod options;
pub mod report;
pub mod request;
pub mod result_json;
pub mod schedule;
pub mod stats;
pub mod step;
pub mod stream;
pub mod sweep;
#[cfg(test)]
mod testdata;
pub mod trials;

pub use baseline::{BaselineError, BaselineSpec, Bound, Check, StepBaseline, evaluate, render_markdown};
pub use config::{BenchmarkEntry, CaseMarks, PerfCase, PerfConfig, PerfConfigError, ServerParams};
pub use datasets::{DatasetError, LengthRanges, RandomDataset, SyntheticRequest};
pub use health::{ClientHealth, HealthBounds};
pub use metric_names::{MetricNameError, PercentileMetric, Slo, SloMetric};
pub use metrics::{AudioTotals, MetricFamily, Metrics, MetricsOptions, PerRequest};
pub use options::BenchOptions;
pub use request::{AudioOutcome, RequestOutcome};
pub use result_json::ResultMeta;
pub use schedule::{RequestRate, ScheduleError, arrival_offsets};
pub use stream::{AudioChunk, AudioFormat, ChoiceDelta, StreamEvent, TokenTiming, Usage, outcome_from_stream};
pub use sweep::{Load, SweepError, SweepStep, expand_case};
