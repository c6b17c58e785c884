//! The pure core of the L4 performance runner: what a run measured, as `vllm bench serve`
//! reports it. Nothing here touches the network; the load generator produces
//! [`RequestOutcome`]s and this module turns them into `vllm bench serve`'s numbers.
//!
//! | module | what |
//! |---|---|
//! | [`schedule`] | when each request is sent (gamma arrivals) |
//! | [`stream`] | a request's TTFT, ITL and E2EL from its SSE messages |
//! | [`request`] | one request's measurements |
//! | [`metrics`] | a run's aggregate metrics, as vLLM's `calculate_metrics` |
//! | [`metric_names`] | `--percentile-metrics`, `--metric-percentiles`, `--goodput` |
//! | [`result_json`] | the result file |
//! | [`health`] | whether the load generator kept up |
//! | [`stats`] | numpy's mean, median, std and percentile, to the bit |

pub mod health;
pub mod metric_names;
pub mod metrics;
pub mod request;
pub mod result_json;
pub mod schedule;
pub mod stats;
pub mod stream;

pub use health::{ClientHealth, HealthBounds};
pub use metric_names::{MetricNameError, PercentileMetric, Slo, SloMetric};
pub use metrics::{AudioTotals, MetricFamily, Metrics, MetricsOptions, PerRequest};
pub use request::{AudioOutcome, RequestOutcome};
pub use result_json::ResultMeta;
pub use schedule::{RequestRate, ScheduleError, arrival_offsets};
pub use stream::{AudioChunk, AudioFormat, ChoiceDelta, StreamEvent, TokenTiming, Usage, outcome_from_stream};
