//! A benchmark entry expanded into steps, one run each.
//!
//! An entry sweeps either the request rate (QPS mode) or the concurrency cap (concurrency
//! mode, with the rate infinite), never both: giving both or neither is an error. Each of
//! `num_prompts`, `request_rate` and `max_concurrency` is one value or a list; a single
//! `num_prompts` is used at every step, a single rate or cap is used for every `num_prompts`,
//! and lists of different lengths are an error.

use std::fmt;
use std::path::{Path, PathBuf};

use super::baseline::{BaselineError, BaselineSpec, StepBaseline};
use super::config::{BenchmarkEntry, PerfCase, PerfConfig};
use super::json_path::JsonPath;
use super::metric_names::{MetricNameError, PercentileMetric, Slo, parse_percentiles};
use super::metrics::MetricsOptions;
use super::options::BenchOptions;
use super::schedule::RequestRate;

/// What a step varies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    /// Open loop at this rate, no concurrency cap.
    Rate(RequestRate),
    /// Everything at once (rate inf), at most this many requests in flight.
    Concurrency(u32),
}

impl Load {
    /// The short form used in step labels: `c=4` or `qps=0.5`.
    pub fn short(&self) -> String {
        match self {
            Load::Rate(rate) => format!("qps={rate}"),
            Load::Concurrency(cap) => format!("c={cap}"),
        }
    }
}

impl fmt::Display for Load {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Load::Rate(rate) => write!(f, "request rate {rate}"),
            Load::Concurrency(cap) => write!(f, "concurrency {cap}"),
        }
    }
}

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepStep {
    /// `{test_name}-{entry}-{position}`, unique in its file.
    pub id: String,
    /// A readable summary: `c=4,n=16` or `qps=0.5,n=10`.
    pub label: String,
    /// The case's `test_name`.
    pub test_name: String,
    /// The config file.
    pub file: PathBuf,
    /// The entry's position in `benchmark_params`.
    pub entry_index: usize,
    /// Where the entry is in its file.
    pub entry_path: JsonPath,
    /// The step's position in its entry's sweep.
    pub position: usize,
    /// How many steps the entry's sweep has.
    pub steps_in_entry: usize,
    /// Requests in the run.
    pub num_prompts: u64,
    /// The rate or concurrency cap.
    pub load: Load,
    /// The entry's benchmark options.
    pub options: BenchOptions,
    /// The entry's baseline.
    pub baseline: Option<BaselineSpec>,
    /// Whether the entry or its server asks for `--trust-remote-code`.
    pub trust_remote_code: bool,
    /// The entry's `task` (TTS and diffusion: `voice_clone`, `t2i`, …).
    pub task: Option<String>,
    /// The entry's `eval_phase` (`latency`, `throughput`, …).
    pub eval_phase: Option<String>,
}

impl SweepStep {
    /// The request rate: infinite in concurrency mode.
    pub fn request_rate(&self) -> RequestRate {
        match self.load {
            Load::Rate(rate) => rate,
            Load::Concurrency(_) => RequestRate::Infinite,
        }
    }

    /// The concurrency cap, in concurrency mode.
    pub fn max_concurrency(&self) -> Option<u32> {
        match self.load {
            Load::Rate(_) => None,
            Load::Concurrency(cap) => Some(cap),
        }
    }

    /// The bounds this step must meet on `hardware`; empty without a baseline.
    pub fn baselines(&self, hardware: Option<&str>) -> Result<Vec<StepBaseline>, BaselineError> {
        self.baseline.as_ref().map_or(Ok(Vec::new()), |spec| spec.resolve(self, hardware))
    }

    /// What to compute for this step: its `percentile-metrics` (default `ttft,tpot,itl`),
    /// `metric-percentiles` (default 99) and `goodput`, with its rate and cap.
    pub fn metrics_options(&self) -> Result<MetricsOptions, MetricNameError> {
        let defaults = MetricsOptions::default();
        let option_text = |name: &str| -> Result<Option<String>, MetricNameError> {
            let wrong =
                |problem: &str| MetricNameError::OptionValue { option: name.to_owned(), problem: problem.to_owned() };
            match self.options.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
                Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned).ok_or_else(|| wrong("list items must be strings")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|items| Some(items.join(" "))),
                Some(_) => Err(wrong("expected a string")),
            }
        };
        Ok(MetricsOptions {
            percentile_metrics: match option_text("percentile_metrics")? {
                Some(list) => PercentileMetric::parse_list(&list)?,
                None => defaults.percentile_metrics,
            },
            percentiles: match option_text("metric_percentiles")? {
                Some(list) => parse_percentiles(&list)?,
                None => defaults.percentiles,
            },
            goodput: match option_text("goodput")? {
                Some(pairs) => Slo::parse_list(&pairs)?,
                None => Vec::new(),
            },
            request_rate: self.request_rate(),
            max_concurrency: self.max_concurrency(),
        })
    }

    /// The step as `vllm bench serve` arguments, as vLLM-Omni's runner passes them: the
    /// options, then `--request-rate R --num-prompts N` or
    /// `--max-concurrency C --num-prompts N --request-rate inf`.
    pub fn bench_cli_args(&self) -> Vec<String> {
        let mut args = self.options.cli_args();
        if self.trust_remote_code {
            args.push("--trust-remote-code".to_owned());
        }
        let n = self.num_prompts.to_string();
        match self.load {
            Load::Rate(rate) => {
                args.extend(["--request-rate".to_owned(), rate.to_string(), "--num-prompts".to_owned(), n])
            }
            Load::Concurrency(cap) => args.extend([
                "--max-concurrency".to_owned(),
                cap.to_string(),
                "--num-prompts".to_owned(),
                n,
                "--request-rate".to_owned(),
                "inf".to_owned(),
            ]),
        }
        args
    }
}

/// Why an entry cannot be expanded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {path}: {problem}", file.display())]
pub struct SweepError {
    /// The config file.
    pub file: PathBuf,
    /// Where in it.
    pub path: JsonPath,
    /// What is wrong.
    pub problem: String,
}

impl PerfConfig {
    /// Every step of every case, in file order.
    pub fn steps(&self) -> Result<Vec<SweepStep>, SweepError> {
        let mut steps = Vec::new();
        for case in &self.cases {
            steps.extend(expand_case(&self.file, case)?);
        }
        Ok(steps)
    }
}

/// The steps of a case's enabled entries, with each step's baseline checked for every hardware
/// label it lists.
pub fn expand_case(file: &Path, case: &PerfCase) -> Result<Vec<SweepStep>, SweepError> {
    let mut steps = Vec::new();
    for entry in &case.benchmarks {
        steps.extend(expand_entry(file, case, entry)?);
    }
    Ok(steps)
}

fn expand_entry(file: &Path, case: &PerfCase, entry: &BenchmarkEntry) -> Result<Vec<SweepStep>, SweepError> {
    let error = |path: &JsonPath, problem: String| SweepError { file: file.to_owned(), path: path.clone(), problem };
    let (mode_key, loads): (&str, Vec<Load>) = match (&entry.request_rate, &entry.max_concurrency) {
        (Some(rates), None) => ("request_rate", rates.iter().map(|&r| Load::Rate(r)).collect()),
        (None, Some(caps)) => ("max_concurrency", caps.iter().map(|&c| Load::Concurrency(c)).collect()),
        (Some(_), Some(_)) => {
            return Err(error(
                &entry.path,
                "gives both request_rate and max_concurrency; a sweep varies one of them (QPS mode or \
                 concurrency mode, where the rate is inf), so remove the other"
                    .to_owned(),
            ));
        }
        (None, None) => {
            return Err(error(
                &entry.path,
                "gives neither request_rate nor max_concurrency; give one (QPS mode or concurrency mode)".to_owned(),
            ));
        }
    };
    let prompts = &entry.num_prompts;
    let count = match (loads.len(), prompts.len()) {
        (loads, prompts) if loads == prompts || prompts == 1 => loads,
        (1, prompts) => prompts,
        (loads, prompts) => {
            return Err(error(
                &entry.path.key("num_prompts"),
                format!("has {prompts} values but {mode_key} has {loads}; give one value or one per step"),
            ));
        }
    };
    let steps: Vec<SweepStep> = (0..count)
        .map(|position| {
            let load = loads[if loads.len() == 1 { 0 } else { position }];
            let num_prompts = prompts[if prompts.len() == 1 { 0 } else { position }];
            SweepStep {
                id: format!("{}-{}-{position}", case.test_name, entry.index),
                label: format!("{},n={num_prompts}", load.short()),
                test_name: case.test_name.clone(),
                file: file.to_owned(),
                entry_index: entry.index,
                entry_path: entry.path.clone(),
                position,
                steps_in_entry: count,
                num_prompts,
                load,
                options: entry.options.clone(),
                baseline: entry.baseline.clone(),
                trust_remote_code: entry.trust_remote_code || case.server.trust_remote_code,
                task: entry.task.clone(),
                eval_phase: entry.eval_phase.clone(),
            }
        })
        .collect();
    check_baselines(&steps).map_err(|e| SweepError { file: e.file, path: e.path, problem: e.problem })?;
    Ok(steps)
}

/// Resolves every step's baseline on every hardware it names, so that a list of the wrong
/// length or a missing concurrency key is found when the config is read, not after a run.
fn check_baselines(steps: &[SweepStep]) -> Result<(), BaselineError> {
    for step in steps {
        let Some(spec) = &step.baseline else { continue };
        let labels = spec.hardware_labels();
        if labels.is_empty() {
            spec.resolve(step, None)?;
        }
        for label in labels {
            spec.resolve(step, Some(label))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
