//! The load generator: tokio and reqwest on one thread, a precomputed open-loop schedule with
//! an optional concurrency cap, and every response timed as `vllm bench serve` (or vLLM-Omni's
//! backends) time it. It also measures itself: dispatch lag, client queue time, dropped and late
//! arrivals, CPU per event.
//!
//! | module | what |
//! |---|---|
//! | [`spec`] | a sweep step's options, checked before any server starts |
//! | [`api`] | the protocols and their endpoints |
//! | [`dataset`] | prompts: random, random-mm, custom JSON lines, diffusion |
//! | [`mock_scale`] | steps shrunk for the embedded mock |
//! | [`request`] | request bodies, built before the run |
//! | [`sse`] | server-sent events cut out of bytes |
//! | [`send`] | one request sent and timed, per API |
//! | [`slots`] | the concurrency cap |
//! | [`run`] | warm-ups, the dispatcher, the measured run |
//! | [`result`] | the result file |
//! | [`cpu`] | CPU time and peak memory |

pub mod api;
pub mod cpu;
pub mod dataset;
pub mod mock_scale;
pub mod request;
pub mod result;
pub mod run;
pub mod send;
pub mod slots;
pub mod spec;
pub mod sse;

use std::time::Duration;

pub use api::{Api, DiffusionTask};
pub use mock_scale::MockScale;
pub use request::PreparedRequest;
pub use result::{ResultInfo, result_json};
pub use run::{LoadError, LoadRun, RunSettings, TargetSpec, connect, run};
pub use send::RequestRecord;
pub use spec::{DatasetSpec, SpecError, StepSpec};

use crate::bench::schedule::{ScheduleError, arrival_offsets};
use crate::bench::stream::TokenTiming;

/// Why a step's requests could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The dataset could not be made.
    #[error(transparent)]
    Dataset(#[from] dataset::DatasetError),
    /// The schedule could not be made.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// A step's requests, arrival times and target, ready to run.
#[derive(Debug)]
pub struct Prepared {
    /// The requests, in order.
    pub requests: Vec<PreparedRequest>,
    /// When each is due.
    pub offsets: Vec<f64>,
    /// Where they go.
    pub target: TargetSpec,
}

/// Makes `spec`'s dataset, bodies and schedule for the server at `base_url` serving `model`.
pub fn prepare(spec: &StepSpec, base_url: &str, model: &str) -> Result<Prepared, PrepareError> {
    let count = usize::try_from(spec.num_prompts).unwrap_or(usize::MAX);
    let prompts = dataset::prompts(spec, count)?;
    let requests = request::prepare(spec, model, prompts)?;
    let offsets = arrival_offsets(requests.len(), load_rate(spec), spec.burstiness, spec.seed)?;
    let timing = if spec.api == Api::ChatOmni { TokenTiming::PerToken } else { TokenTiming::PerChunk };
    let target = TargetSpec {
        base_url: base_url.to_owned(),
        endpoint: spec.endpoint.clone(),
        api: spec.api,
        timing,
        timeout: spec.request_timeout,
    };
    Ok(Prepared { requests, offsets, target })
}

fn load_rate(spec: &StepSpec) -> crate::bench::schedule::RequestRate {
    match spec.load {
        crate::bench::sweep::Load::Rate(rate) => rate,
        crate::bench::sweep::Load::Concurrency(_) => crate::bench::schedule::RequestRate::Infinite,
    }
}

/// The run settings for `spec` with `offsets`; `late_after` is the lateness tolerance.
pub fn settings(spec: &StepSpec, offsets: Vec<f64>, late_after: Duration, cpu: Option<usize>) -> RunSettings {
    RunSettings {
        offsets,
        max_concurrency: match spec.load {
            crate::bench::sweep::Load::Concurrency(cap) => Some(cap),
            crate::bench::sweep::Load::Rate(_) => None,
        },
        warmups: spec.num_warmups,
        progress: spec.progress,
        late_after,
        cpu,
    }
}
