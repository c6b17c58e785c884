//! The batches of a soak: each draws its ranged options, becomes a benchmark step read by the
//! load generator, and is made into requests while the batch before it is being sent, so that
//! the load never waits for it.

use std::path::PathBuf;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

use super::config::{SoakEntry, StabilityCase};
use crate::bench::PerfCase;
use crate::bench::load::{self, MockScale, PrepareError, PreparedRequest, SpecError, StepSpec, TargetSpec};

/// One batch, ready to send.
#[derive(Debug)]
pub struct Batch {
    /// Its number, from 0.
    pub index: u64,
    /// Its requests, in order.
    pub requests: Vec<PreparedRequest>,
    /// When each is due, in seconds from the batch's start.
    pub offsets: Vec<f64>,
    /// Where the requests go.
    pub target: TargetSpec,
    /// The step as run.
    pub spec: StepSpec,
    /// The ranged options as drawn, `key=value`.
    pub drawn: Vec<String>,
}

/// Why a batch cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Its drawn options are not a step the load generator can run.
    #[error("batch {batch}: {source}")]
    Spec {
        /// The batch.
        batch: u64,
        /// Why.
        source: SpecError,
    },
    /// Its requests could not be made.
    #[error("batch {batch}: cannot prepare the requests: {source}")]
    Prepare {
        /// The batch.
        batch: u64,
        /// Why.
        source: PrepareError,
    },
}

/// The batches of one entry, in order; the same seed draws the same batches.
#[derive(Debug)]
pub struct Batches {
    file: PathBuf,
    case: PerfCase,
    entry: SoakEntry,
    mock_scale: Option<MockScale>,
    url: String,
    model: String,
    rng: StdRng,
    next: u64,
}

impl Batches {
    /// The batches of `entry` of `case` (read from `file`), for the server at `url` serving
    /// `model`, shrunk by `mock_scale` when the mock serves them.
    pub fn new(
        file: PathBuf,
        case: &StabilityCase,
        entry: &SoakEntry,
        mock_scale: Option<MockScale>,
        url: &str,
        model: &str,
    ) -> Batches {
        let seed = entry.options.get("seed").and_then(Value::as_u64).unwrap_or(0);
        Batches {
            file,
            case: case.case.clone(),
            entry: entry.clone(),
            mock_scale,
            url: url.to_owned(),
            model: model.to_owned(),
            rng: StdRng::seed_from_u64(seed ^ 0x50a4_5eed),
            next: 0,
        }
    }

    /// The next batch: its options drawn, its requests made.
    pub fn next_batch(&mut self) -> Result<Batch, BatchError> {
        let index = self.next;
        self.next += 1;
        let drawn = self.entry.draw_options(&mut self.rng);
        let described = drawn.iter().map(|(key, value)| format!("{key}={value}")).collect();
        let step = self.entry.step(&self.file, &self.case, index, drawn);
        let spec =
            StepSpec::from_step(&step, &self.case).map_err(|source| BatchError::Spec { batch: index, source })?;
        let spec = match &self.mock_scale {
            Some(scale) => scale.apply(&spec).0,
            None => spec,
        };
        let prepared = load::prepare(&spec, &self.url, &self.model)
            .map_err(|source| BatchError::Prepare { batch: index, source })?;
        Ok(Batch {
            index,
            requests: prepared.requests,
            offsets: prepared.offsets,
            target: prepared.target,
            spec,
            drawn: described,
        })
    }
}
