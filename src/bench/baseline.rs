//! Baseline thresholds: how a benchmark entry writes them, and which one applies to a step.
//!
//! A metric's threshold is a number (every step), null (no bound), a list (one per sweep step,
//! null for none), or an object keyed by the step's concurrency or request rate (`"4"`,
//! `"0.5"`, `"inf"`). The whole baseline may instead be per hardware, as vLLM-Omni writes it:
//! `{"H100": {"mean_ttft_ms": [..]}, "A3": {..}}`. It is read as per hardware when every value
//! is an object and none of those objects is keyed by numbers.
//!
//! A metric whose name contains `throughput` or `goodput` is a lower bound (the measured value
//! must be at least the baseline); every other metric is an upper bound.

mod check;

use std::path::PathBuf;

use serde_json::{Map, Value};

pub use check::{Check, evaluate, render_markdown};

use super::json_path::{JsonPath, JsonProblem, describe};
use super::sweep::{Load, SweepStep};

/// A benchmark entry's `baseline`.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineSpec {
    /// Where the baseline is in its file.
    pub path: JsonPath,
    /// The thresholds.
    pub form: BaselineForm,
}

/// The two shapes a baseline takes.
#[derive(Clone, Debug, PartialEq)]
pub enum BaselineForm {
    /// Thresholds by metric.
    Metrics(Vec<MetricThreshold>),
    /// Thresholds by metric, by hardware label.
    PerHardware(Vec<(String, Vec<MetricThreshold>)>),
}

/// One metric's threshold as written.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricThreshold {
    /// The result key it bounds, e.g. `mean_ttft_ms`.
    pub metric: String,
    /// The threshold.
    pub threshold: Threshold,
}

/// A threshold as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Threshold {
    /// `null`: no bound.
    Unbounded,
    /// A number: the same bound at every step.
    Same(f64),
    /// A list: one bound per sweep step, `None` for no bound.
    PerStep(Vec<Option<f64>>),
    /// An object: a bound per concurrency or request rate, `(key as written, key, bound)`.
    ByLoad(Vec<(String, f64, Option<f64>)>),
}

/// Which way a threshold bounds its metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The measured value must be at least the baseline.
    Lower,
    /// The measured value must be at most the baseline.
    Upper,
}

impl Bound {
    /// The direction rule: throughputs and goodputs are lower bounds, everything else upper.
    pub fn for_metric(metric: &str) -> Bound {
        if metric.contains("throughput") || metric.contains("goodput") { Bound::Lower } else { Bound::Upper }
    }
}

/// The bound one step must meet for one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct StepBaseline {
    /// The result key.
    pub metric: String,
    /// The baseline value.
    pub value: f64,
    /// Its direction.
    pub bound: Bound,
}

/// Why a step has no baseline.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {path}: {problem}", file.display())]
pub struct BaselineError {
    /// The config file.
    pub file: PathBuf,
    /// Where in it.
    pub path: JsonPath,
    /// What is wrong.
    pub problem: String,
}

impl BaselineSpec {
    /// Reads a `baseline` value; `None` for null or an empty object (no assertions).
    pub fn parse(value: &Value, path: &JsonPath) -> Result<Option<BaselineSpec>, JsonProblem> {
        let object = match value {
            Value::Null => return Ok(None),
            Value::Object(object) if object.is_empty() => return Ok(None),
            Value::Object(object) => object,
            other => {
                return Err(JsonProblem::new(
                    path,
                    format!("expected an object of thresholds, found {}", describe(other)),
                ));
            }
        };
        let form = if is_per_hardware(object) {
            let mut labels = Vec::new();
            for (label, metrics) in object {
                let metrics = metrics.as_object().map(|m| thresholds(m, &path.key(label))).transpose()?;
                labels.push((label.clone(), metrics.unwrap_or_default()));
            }
            BaselineForm::PerHardware(labels)
        } else {
            BaselineForm::Metrics(thresholds(object, path)?)
        };
        Ok(Some(BaselineSpec { path: path.clone(), form }))
    }

    /// The hardware labels of a per-hardware baseline; empty otherwise.
    pub fn hardware_labels(&self) -> Vec<&str> {
        match &self.form {
            BaselineForm::Metrics(_) => Vec::new(),
            BaselineForm::PerHardware(labels) => labels.iter().map(|(label, _)| label.as_str()).collect(),
        }
    }

    /// The bounds `step` must meet on `hardware` (a label such as `H100`, needed only by
    /// per-hardware baselines). Metrics without a bound at this step are left out.
    pub fn resolve(&self, step: &SweepStep, hardware: Option<&str>) -> Result<Vec<StepBaseline>, BaselineError> {
        let error =
            |path: &JsonPath, problem: String| BaselineError { file: step.file.clone(), path: path.clone(), problem };
        let (metrics, path) = match &self.form {
            BaselineForm::Metrics(metrics) => (metrics, self.path.clone()),
            BaselineForm::PerHardware(labels) => {
                let listed = labels.iter().map(|(label, _)| label.as_str()).collect::<Vec<_>>().join(", ");
                let Some(hardware) = hardware else {
                    return Err(error(
                        &self.path,
                        format!("the baseline is per hardware ({listed}); name the hardware"),
                    ));
                };
                let found = labels
                    .iter()
                    .find(|(label, _)| label == hardware)
                    .or_else(|| labels.iter().find(|(label, _)| label.eq_ignore_ascii_case(hardware)));
                let Some((label, metrics)) = found else {
                    return Err(error(
                        &self.path,
                        format!("no thresholds for hardware `{hardware}` (listed: {listed})"),
                    ));
                };
                (metrics, self.path.key(label))
            }
        };
        let mut resolved = Vec::new();
        for MetricThreshold { metric, threshold } in metrics {
            let at = path.key(metric);
            if let Some(value) = threshold.at(step).map_err(|problem| error(&at, problem))? {
                resolved.push(StepBaseline { metric: metric.clone(), value, bound: Bound::for_metric(metric) });
            }
        }
        Ok(resolved)
    }
}

impl Threshold {
    /// The bound at `step`, or why there is none to be had.
    fn at(&self, step: &SweepStep) -> Result<Option<f64>, String> {
        match self {
            Threshold::Unbounded => Ok(None),
            Threshold::Same(value) => Ok(Some(*value)),
            Threshold::PerStep(values) if values.len() == step.steps_in_entry => {
                Ok(values.get(step.position).copied().flatten())
            }
            Threshold::PerStep(values) => Err(format!(
                "has {} value(s) but the sweep has {} step(s); give one per step",
                values.len(),
                step.steps_in_entry
            )),
            Threshold::ByLoad(entries) => {
                let wanted = match step.load {
                    Load::Concurrency(c) => f64::from(c),
                    Load::Rate(rate) => rate.per_second(),
                };
                match entries.iter().find(|(_, key, _)| *key == wanted) {
                    Some((_, _, value)) => Ok(*value),
                    None => {
                        let keys = entries.iter().map(|(k, _, _)| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
                        Err(format!("has no threshold for {} (keys: {keys})", step.load))
                    }
                }
            }
        }
    }
}

/// Whether a baseline object is keyed by hardware rather than by metric.
fn is_per_hardware(object: &Map<String, Value>) -> bool {
    object.values().all(|value| value.as_object().is_some_and(|inner| !inner.keys().any(|k| is_load_key(k))))
}

fn is_load_key(key: &str) -> bool {
    key.trim().parse::<f64>().is_ok()
}

fn thresholds(object: &Map<String, Value>, path: &JsonPath) -> Result<Vec<MetricThreshold>, JsonProblem> {
    object
        .iter()
        .map(|(metric, value)| {
            Ok(MetricThreshold { metric: metric.clone(), threshold: threshold(value, &path.key(metric))? })
        })
        .collect()
}

fn threshold(value: &Value, path: &JsonPath) -> Result<Threshold, JsonProblem> {
    let number = |value: &Value, path: &JsonPath| match value {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_f64().map(Some).ok_or_else(|| JsonProblem::new(path, "is not a finite number")),
        other => Err(JsonProblem::new(path, format!("expected a number or null, found {}", describe(other)))),
    };
    match value {
        Value::Null => Ok(Threshold::Unbounded),
        Value::Number(_) => Ok(number(value, path)?.map_or(Threshold::Unbounded, Threshold::Same)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| number(item, &path.index(i)))
            .collect::<Result<_, _>>()
            .map(Threshold::PerStep),
        Value::Object(entries) => entries
            .iter()
            .map(|(key, item)| {
                let load = key.trim().parse::<f64>().ok().filter(|k| *k > 0.0).ok_or_else(|| {
                    JsonProblem::new(
                        path,
                        format!(
                            "key `{key}` is neither a concurrency nor a request rate (a per-hardware baseline puts every \
                             metric under a hardware label)"
                        ),
                    )
                })?;
                Ok((key.clone(), load, number(item, &path.key(key))?))
            })
            .collect::<Result<_, _>>()
            .map(Threshold::ByLoad),
        other => Err(JsonProblem::new(
            path,
            format!("expected a number, a list, an object keyed by concurrency or rate, or null; found {}", describe(other)),
        )),
    }
}

#[cfg(test)]
mod tests;
