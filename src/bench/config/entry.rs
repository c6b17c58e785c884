//! One `benchmark_params` entry: the sweep values, the baseline, and free-form options.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::bench::baseline::BaselineSpec;
use crate::bench::json_path::{JsonPath, JsonProblem, describe};
use crate::bench::options::{BenchOptions, canonical_key};
use crate::bench::schedule::RequestRate;

/// The keys vLLM-Omni's runner reads itself; every other key is a benchmark option.
const RESERVED: [&str; 8] = [
    "request_rate",
    "baseline",
    "num_prompts",
    "max_concurrency",
    "task",
    "enabled",
    "eval_phase",
    "trust_remote_code",
];

/// An enabled benchmark entry, its values checked but not yet expanded into steps.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchmarkEntry {
    /// Its position in `benchmark_params`, counting disabled entries.
    pub index: usize,
    /// Where it is in its file.
    pub path: JsonPath,
    /// `num_prompts`, one or one per step.
    pub num_prompts: Vec<u64>,
    /// `request_rate`, one or one per step.
    pub request_rate: Option<Vec<RequestRate>>,
    /// `max_concurrency`, one or one per step.
    pub max_concurrency: Option<Vec<u32>>,
    /// `baseline`; `None` when absent, null or empty.
    pub baseline: Option<BaselineSpec>,
    /// `task` (TTS and diffusion: `voice_clone`, `t2i`, …).
    pub task: Option<String>,
    /// `eval_phase` (`latency`, `throughput`, `stress`, `quality`).
    pub eval_phase: Option<String>,
    /// `trust_remote_code`.
    pub trust_remote_code: bool,
    /// Every other key.
    pub options: BenchOptions,
}

/// Reads an entry; `None` when it has `"enabled": false`.
pub(super) fn parse_entry(index: usize, value: &Value, path: &JsonPath) -> Result<Option<BenchmarkEntry>, JsonProblem> {
    let Value::Object(fields) = value else {
        return Err(JsonProblem::new(path, format!("expected a benchmark entry object, found {}", describe(value))));
    };
    check_spellings(fields, path)?;
    let field = |name: &str| fields.get(name).filter(|v| !v.is_null());
    match field("enabled") {
        None | Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Ok(None),
        Some(other) => {
            return Err(JsonProblem::new(
                &path.key("enabled"),
                format!("expected true or false, found {}", describe(other)),
            ));
        }
    }
    let num_prompts = match field("num_prompts") {
        Some(value) => one_or_many(value, &path.key("num_prompts"), positive_count)?,
        None => return Err(JsonProblem::new(path, "missing `num_prompts`")),
    };
    let request_rate =
        field("request_rate").map(|value| one_or_many(value, &path.key("request_rate"), request_rate)).transpose()?;
    let max_concurrency = field("max_concurrency")
        .map(|value| one_or_many(value, &path.key("max_concurrency"), concurrency))
        .transpose()?;
    let baseline = match fields.get("baseline") {
        Some(value) => BaselineSpec::parse(value, &path.key("baseline"))?,
        None => None,
    };
    let options: Map<String, Value> = fields
        .iter()
        .filter(|(key, _)| !RESERVED.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Some(BenchmarkEntry {
        index,
        path: path.clone(),
        num_prompts,
        request_rate,
        max_concurrency,
        baseline,
        task: text(field("task"), &path.key("task"))?,
        eval_phase: text(field("eval_phase"), &path.key("eval_phase"))?,
        trust_remote_code: match field("trust_remote_code") {
            None => false,
            Some(Value::Bool(flag)) => *flag,
            Some(other) => {
                let at = path.key("trust_remote_code");
                return Err(JsonProblem::new(&at, format!("expected true or false, found {}", describe(other))));
            }
        },
        options: BenchOptions::new(options),
    }))
}

/// Rejects a key written twice in different spellings (`percentile-metrics` and
/// `percentile_metrics`), and reserved keys written with dashes, which the runner would miss.
pub(crate) fn check_spellings(fields: &Map<String, Value>, path: &JsonPath) -> Result<(), JsonProblem> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for key in fields.keys() {
        let canonical = canonical_key(key);
        if let Some(other) = seen.insert(canonical.clone(), key) {
            return Err(JsonProblem::new(&path.key(key), format!("the same option as `{other}`; keep one spelling")));
        }
        if key.contains('-') && RESERVED.contains(&canonical.as_str()) {
            return Err(JsonProblem::new(&path.key(key), format!("write `{canonical}` with underscores")));
        }
    }
    Ok(())
}

/// A value or a non-empty list of values, each read by `read`.
fn one_or_many<T>(
    value: &Value,
    path: &JsonPath,
    read: fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, JsonProblem> {
    match value {
        Value::Array(items) if items.is_empty() => Err(JsonProblem::new(path, "is an empty list")),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| read(item).map_err(|problem| JsonProblem::new(&path.index(i), problem)))
            .collect(),
        single => read(single).map(|v| vec![v]).map_err(|problem| JsonProblem::new(path, problem)),
    }
}

pub(crate) fn positive_count(value: &Value) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("expected a positive whole number, found {}", describe(value)))
}

pub(crate) fn concurrency(value: &Value) -> Result<u32, String> {
    value
        .as_u64()
        .filter(|&n| n > 0)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("expected a positive whole number of requests, found {}", describe(value)))
}

pub(crate) fn request_rate(value: &Value) -> Result<RequestRate, String> {
    match value {
        Value::Number(n) => {
            n.as_f64().ok_or_else(|| "is not a number".to_owned()).and_then(RequestRate::from_per_second)
        }
        Value::String(text) => RequestRate::parse(text),
        other => Err(format!("expected requests per second or \"inf\", found {}", describe(other))),
    }
}

fn text(value: Option<&Value>, path: &JsonPath) -> Result<Option<String>, JsonProblem> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(JsonProblem::new(path, format!("expected a string, found {}", describe(other)))),
    }
}
