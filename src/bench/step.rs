//! One sweep step run against a server, start to verdict: the requests made, the load run, the
//! result file written, the client's health judged, and the baseline checked. Shared by
//! `omnitest bench CONFIG` and the registered perf trials.
//!
//! The verdict, in order of precedence:
//!
//! 1. **invalid**: the load generator fell behind (dispatch lag, late or dropped arrivals, CPU);
//!    the numbers describe the client, not the server, and are not compared with the baseline
//!    (on the mock, which shares the client's machine, this is reported and does not fail);
//! 2. **requests failed**: every request must complete, as vLLM-Omni's runner asserts;
//! 3. **baseline breached**: a metric is past its bound (unless the step is advisory);
//! 4. otherwise it passes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use super::baseline::{Check, evaluate, render_markdown};
use super::health::HealthBounds;
use super::load::{self, LoadError, MockScale, PrepareError, ResultInfo, StepSpec};
use super::sweep::{Load, SweepStep};

/// What every step of a run shares.
#[derive(Clone, Debug, Default)]
pub struct StepSettings {
    /// The hardware label per-hardware baselines are looked up by (`H100`, `mock`).
    pub hardware: Option<String>,
    /// Print the baseline table without failing on a breach.
    pub advisory: bool,
    /// When the generator's run counts as invalid.
    pub health: HealthBounds,
    /// The CPU to pin the generator to.
    pub cpu: Option<usize>,
    /// Steps are shrunk so, because the embedded mock serves them.
    pub mock_scale: Option<MockScale>,
    /// An invalid run is reported without failing the step: for the mock, which shares the
    /// client's machine, where the client's health says more about the machine than the code.
    pub health_advisory: bool,
}

/// The server a step runs against.
#[derive(Clone, Copy, Debug)]
pub struct ServerRef<'a> {
    /// Its base URL.
    pub url: &'a str,
    /// The model name requests use.
    pub model: &'a str,
}

/// How a step went.
#[derive(Clone, Debug)]
pub struct StepReport {
    /// The step.
    pub step: SweepStep,
    /// Its settings, as run (shrunk on the mock).
    pub spec: StepSpec,
    /// What was shrunk because the mock served the step (`num_prompts 40→8`).
    pub mock_scaled: Vec<String>,
    /// The result file's content.
    pub result: Value,
    /// Where it was written.
    pub result_file: PathBuf,
    /// The baseline checks; empty without a baseline for this hardware.
    pub checks: Vec<Check>,
    /// Why the baseline was not checked, when it was not.
    pub baseline_note: Option<String>,
    /// The generator's health verdict.
    pub health: Result<(), String>,
    /// Failed requests and the first error.
    pub failures: (u64, Option<String>),
    /// Whether a breach is only reported.
    pub advisory: bool,
    /// Whether an invalid run is only reported.
    pub health_advisory: bool,
}

/// The verdict of a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Valid, complete, within the baseline.
    Pass,
    /// The load generator fell behind: nothing was measured of the server.
    Invalid(String),
    /// Some requests failed.
    RequestsFailed(String),
    /// A metric is past its baseline.
    Breach(String),
}

/// Why a step could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Its requests could not be made.
    #[error("{step}: cannot prepare the requests: {source}")]
    Prepare {
        /// Why.
        source: PrepareError,
        /// The step, `test[label]`.
        step: String,
    },
    /// The load run could not be made.
    #[error("{step}: {source}")]
    Load {
        /// Why.
        source: LoadError,
        /// The step, `test[label]`.
        step: String,
    },
    /// The result file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The result file's name for `step`: `result_<test>_e<entry>_s<position>_<load>.json`.
pub fn result_file_name(step: &SweepStep) -> String {
    let load = match step.load {
        Load::Concurrency(cap) => format!("c{cap}"),
        Load::Rate(rate) => format!("qps{rate}"),
    };
    format!("result_{}_e{}_s{}_{load}_n{}.json", step.test_name, step.entry_index, step.position, step.num_prompts)
}

/// Runs `step` (already read as `spec`) against `server` and writes its result file into `dir`.
pub fn run_step(
    step: &SweepStep,
    spec: &StepSpec,
    server: ServerRef<'_>,
    dir: &Path,
    settings: &StepSettings,
) -> Result<StepReport, StepError> {
    let name = format!("{}[{}]", step.test_name, step.label);
    let (spec, mock_scaled) = match &settings.mock_scale {
        Some(scale) => scale.apply(spec),
        None => (spec.clone(), Vec::new()),
    };
    let spec = &spec;
    let prepared = load::prepare(spec, server.url, server.model)
        .map_err(|source| StepError::Prepare { source, step: name.clone() })?;
    let late_after = Duration::from_secs_f64(settings.health.max_dispatch_lag_p99_ms / 1000.0);
    let run_settings = load::settings(spec, prepared.offsets, late_after, settings.cpu);
    let run = load::run(prepared.target, prepared.requests, run_settings)
        .map_err(|source| StepError::Load { source, step: name })?;
    let mut extra = vec![
        ("test_name".to_owned(), json!(step.test_name)),
        ("step".to_owned(), json!(step.label)),
        ("config_file".to_owned(), json!(step.file.display().to_string())),
    ];
    if let Some(hardware) = &settings.hardware {
        extra.push(("Hardware".to_owned(), json!(hardware)));
    }
    if !mock_scaled.is_empty() {
        extra.push(("mock_scaled".to_owned(), json!(mock_scaled)));
    }
    let info = ResultInfo { model: server.model.to_owned(), tokenizer: tokenizer_of(spec), extra };
    let (metrics, mut result) = load::result_json(&run, spec, &info);
    let (checks, baseline_note) = match step.baselines(settings.hardware.as_deref()) {
        Ok(baselines) if baselines.is_empty() => (Vec::new(), Some("no baseline for this step".to_owned())),
        Ok(baselines) => {
            if let Some(object) = result.as_object_mut() {
                let bounds: serde_json::Map<String, Value> =
                    baselines.iter().map(|b| (b.metric.clone(), json!(b.value))).collect();
                object.insert("baseline".to_owned(), Value::Object(bounds));
            }
            (evaluate(&baselines, &result), None)
        }
        Err(error) => (Vec::new(), Some(format!("baseline not checked: {}", error.problem))),
    };
    std::fs::create_dir_all(dir).map_err(|source| StepError::Write { path: dir.to_owned(), source })?;
    let result_file = dir.join(result_file_name(step));
    let text = serde_json::to_string_pretty(&result).unwrap_or_default();
    std::fs::write(&result_file, text).map_err(|source| StepError::Write { path: result_file.clone(), source })?;
    let failed = metrics.failed;
    let first_error = run.records.iter().find(|r| !r.outcome.success).map(|r| r.outcome.error.clone());
    Ok(StepReport {
        step: step.clone(),
        spec: spec.clone(),
        mock_scaled,
        health: run.health.verdict(&settings.health),
        result,
        result_file,
        checks,
        baseline_note,
        failures: (failed, first_error),
        advisory: settings.advisory || spec.advisory,
        health_advisory: settings.health_advisory,
    })
}

fn tokenizer_of(spec: &StepSpec) -> Option<String> {
    match &spec.dataset {
        load::DatasetSpec::Random { tokenizer, .. }
        | load::DatasetSpec::RandomMultiModal { tokenizer, .. }
        | load::DatasetSpec::Custom { tokenizer, .. } => tokenizer.as_ref().map(|t| t.display().to_string()),
        load::DatasetSpec::DiffusionPrompts { .. } => None,
    }
}

impl StepReport {
    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        let name = format!("{}[{}]", self.step.test_name, self.step.label);
        if let (Err(problem), false) = (&self.health, self.health_advisory) {
            return Verdict::Invalid(format!(
                "{name}: {problem}; the numbers measure the load generator, not the server, and are not compared \
                 with the baseline (see client_health in {})",
                self.result_file.display()
            ));
        }
        let (failed, first_error) = &self.failures;
        if *failed > 0 {
            return Verdict::RequestsFailed(format!(
                "{name}: {failed} of {} requests failed; first error: {}",
                self.spec.num_prompts,
                first_error.as_deref().unwrap_or("(none recorded)")
            ));
        }
        let breached: Vec<&Check> = self.checks.iter().filter(|c| !c.passed).collect();
        if !breached.is_empty() && !self.advisory {
            let names = breached.iter().map(|c| c.metric.as_str()).collect::<Vec<_>>().join(", ");
            return Verdict::Breach(format!("{name}: baseline breached ({names})\n{}", render_markdown(&self.checks)));
        }
        Verdict::Pass
    }

    /// What to print for the step: a line about the run, the client's health, and the table.
    pub fn render(&self) -> String {
        let r = &self.result;
        let number = |key: &str| r.get(key).and_then(Value::as_f64);
        let health = &r["client_health"];
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}[{}]: {} of {} completed in {:.2} s ({}, {})",
            self.step.test_name,
            self.step.label,
            r["completed"],
            self.spec.num_prompts,
            number("duration").unwrap_or(0.0),
            self.spec.api,
            self.step.load
        );
        let _ = writeln!(
            out,
            "  client: dispatch lag p50 {} / p99 {} ms, {} late, {} dropped, CPU {}%, {} µs CPU per event",
            fixed(health["dispatch_lag_p50_ms"].as_f64(), 3),
            fixed(health["dispatch_lag_p99_ms"].as_f64(), 3),
            health["late_arrivals"],
            health["dropped_arrivals"],
            fixed(health["client_cpu_percent"].as_f64(), 1),
            fixed(health["client_cpu_us_per_event"].as_f64(), 1),
        );
        if !self.mock_scaled.is_empty() {
            let _ = writeln!(out, "  shrunk for the mock: {}", self.mock_scaled.join(", "));
        }
        match (&self.health, self.health_advisory) {
            (Err(problem), false) => {
                let _ = writeln!(out, "  INVALID RUN: {problem}");
            }
            (Err(problem), true) => {
                let _ = writeln!(out, "  client health (reported, not asserted on the mock): {problem}");
            }
            (Ok(()), _) => {}
        }
        if let Some(note) = &self.baseline_note {
            let _ = writeln!(out, "  {note}");
        }
        if !self.checks.is_empty() {
            if self.advisory {
                let _ = writeln!(out, "  advisory: the baseline is reported, not asserted");
            }
            out.push_str(&render_markdown(&self.checks));
        }
        let _ = writeln!(out, "  result: {}", self.result_file.display());
        out
    }
}

fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.decimals$}"))
}
