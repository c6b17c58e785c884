//! Stability configs: `baselines/stability/*.json`, in the seed's `tests/dfx/stability/tests`
//! form. A file is a list of cases with the perf configs' `test_name`, `server_params`, `mark`
//! and `benchmark_endpoint`; each `benchmark_params` entry is one soak:
//!
//! ```json
//! [{"test_name": "test_qwen3_omni_stability",
//!   "mark": [{"hardware_marks": {"res": {"cuda": "H100"}, "num_cards": 2}}, "omni"],
//!   "server_params": {"model": "Qwen/Qwen3-Omni-30B-A3B-Instruct", "stage_config_name": "ci/qwen3_omni_moe.yaml"},
//!   "benchmark_params": [{"backend": "openai-chat-omni", "duration_sec": 43200, "max_concurrency": 2,
//!                         "num_prompts_per_batch": 50, "random_input_len": {"min": 500, "max": 2500},
//!                         "random_output_len": "100-900"}]}]
//! ```
//!
//! An entry gives `duration_sec`, exactly one of `request_rate` and `max_concurrency` (one value,
//! not a sweep) and `num_prompts_per_batch`. `random_input_len`, `random_output_len`,
//! `random_mm_base_items_per_request`, `width` and `height` may be ranges (`{"min": a, "max":
//! b}`, `[a, b]`, `"a-b"`; sizes are drawn in multiples of 16, as diffusion pipelines need), and
//! `random_mm_bucket_config` keys may hold ranges (`"(128-1024, 128-1024, 1)"`): each batch
//! draws its own values. The soak's own settings
//! (`sample_interval_sec`, `warmup_sec`, `drain_sec`, `leak_threshold_mb_per_hour`,
//! `drift_windows`, `drift_min_increase`, `drift_p_value`) sit beside them. Every other key is a
//! load-generator option, as in a perf config, and is checked the same way: before any server
//! starts, each entry is read as a benchmark step with its ranges at both ends.
//!
//! Every error names the file, the JSON path and the problem.

mod buckets;
mod range;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

pub use buckets::BucketTemplate;
pub use range::IntRange;

use crate::bench::config::{
    PerfCase, PerfConfigError, check_spellings, concurrency, json_files, parse_case_head, parse_document,
    positive_count, read_text, request_rate,
};
use crate::bench::json_path::{JsonPath, JsonProblem, describe};
use crate::bench::load::StepSpec;
use crate::bench::options::{BenchOptions, canonical_key};
use crate::bench::schedule::RequestRate;
use crate::bench::sweep::{Load, SweepStep};

/// One config file.
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityConfig {
    /// Where it was read from.
    pub file: PathBuf,
    /// Its cases, in file order.
    pub cases: Vec<StabilityCase>,
}

/// One case: a server and the soaks run against it.
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityCase {
    /// The case's own fields (its `benchmarks` are empty: the entries are below).
    pub case: PerfCase,
    /// The enabled entries.
    pub entries: Vec<SoakEntry>,
}

impl AsRef<PerfCase> for StabilityCase {
    fn as_ref(&self) -> &PerfCase {
        &self.case
    }
}

/// One `benchmark_params` entry: a soak.
#[derive(Clone, Debug, PartialEq)]
pub struct SoakEntry {
    /// Its position in `benchmark_params`, counting disabled entries.
    pub index: usize,
    /// Where it is in its file.
    pub path: JsonPath,
    /// `duration_sec`.
    pub duration: Duration,
    /// `request_rate` or `max_concurrency`.
    pub load: Load,
    /// `num_prompts_per_batch`: requests drawn with the same options.
    pub batch_size: u64,
    /// `task` (diffusion: `t2i`, `i2v`, …).
    pub task: Option<String>,
    /// `trust_remote_code`, of the entry or its server.
    pub trust_remote_code: bool,
    /// Options drawn for each batch.
    pub ranges: Vec<RangedOption>,
    /// `random_mm_bucket_config` with ranges in its keys, by key as written.
    pub buckets: Option<(String, Vec<BucketTemplate>)>,
    /// The soak's own settings, where given.
    pub tuning: Tuning,
    /// Every other option, as written.
    pub options: Map<String, Value>,
}

/// An option drawn anew for each batch.
#[derive(Clone, Debug, PartialEq)]
pub struct RangedOption {
    /// The key as written.
    pub key: String,
    /// What it is drawn from.
    pub range: IntRange,
    /// It is drawn in multiples of this: 16 for image and video sizes, which diffusion
    /// pipelines need divisible by 16; 1 otherwise.
    pub step: u64,
}

impl RangedOption {
    fn draw(&self, rng: &mut rand::rngs::StdRng) -> u64 {
        // Checked when read: the range holds a multiple of the step.
        self.range.draw_multiple(self.step, rng).unwrap_or(self.range.max)
    }

    fn extreme(&self, largest: bool) -> u64 {
        let (low, high) = self.range.multiples(self.step).unwrap_or((self.range.min, self.range.max));
        if largest { high } else { low }
    }
}

/// The soak settings an entry may give; `None` where it leaves the default.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tuning {
    /// `sample_interval_sec`.
    pub sample_interval: Option<Duration>,
    /// `warmup_sec`.
    pub warmup: Option<Duration>,
    /// `drain_sec`.
    pub drain: Option<Duration>,
    /// `leak_threshold_mb_per_hour`.
    pub leak_threshold_mb_per_hour: Option<f64>,
    /// `drift_windows`.
    pub drift_windows: Option<usize>,
    /// `drift_min_increase`, a fraction (0.2: +20%).
    pub drift_min_increase: Option<f64>,
    /// `drift_p_value`.
    pub drift_p_value: Option<f64>,
}

/// Options drawn anew for each batch, with the step they are drawn in.
const RANGED: [(&str, u64); 5] = [
    ("random_input_len", 1),
    ("random_output_len", 1),
    ("random_mm_base_items_per_request", 1),
    ("width", 16),
    ("height", 16),
];

/// The bucket option, whose keys may hold ranges.
const BUCKETS: &str = "random_mm_bucket_config";

/// Keys read here rather than passed to the load generator.
const SOAK_KEYS: [&str; 15] = [
    "duration_sec",
    "num_prompts_per_batch",
    "request_rate",
    "max_concurrency",
    "enabled",
    "task",
    "eval_phase",
    "trust_remote_code",
    "sample_interval_sec",
    "warmup_sec",
    "drain_sec",
    "leak_threshold_mb_per_hour",
    "drift_windows",
    "drift_min_increase",
    "drift_p_value",
];

/// Perf-config keys that mean nothing in a soak, with why.
const NOT_IN_A_SOAK: [(&str, &str); 2] = [
    ("num_prompts", "a soak sends batches of `num_prompts_per_batch` until `duration_sec` has passed"),
    ("baseline", "a soak has no baseline: its verdict is failed requests, leaks, latency drift and preemptions"),
];

impl StabilityConfig {
    /// Reads and checks one file.
    pub fn load(file: &Path) -> Result<StabilityConfig, PerfConfigError> {
        StabilityConfig::parse(&read_text(file)?, file)
    }

    /// Checks the text of a file; `file` names it in errors and anchors relative paths.
    pub fn parse(text: &str, file: &Path) -> Result<StabilityConfig, PerfConfigError> {
        let cases = parse_document(text, file, |value, path| parse_case(value, path, file))?;
        Ok(StabilityConfig { file: file.to_owned(), cases })
    }

    /// Every `*.json` file of a directory, in name order.
    pub fn load_dir(dir: &Path) -> Result<Vec<StabilityConfig>, PerfConfigError> {
        json_files(dir)?.iter().map(|file| StabilityConfig::load(file)).collect()
    }
}

fn parse_case(value: &Value, path: &JsonPath, file: &Path) -> Result<StabilityCase, JsonProblem> {
    let (mut case, raw_entries) = parse_case_head(value, path)?;
    let entries_path = path.key("benchmark_params");
    let mut entries = Vec::new();
    for (index, raw) in raw_entries.iter().enumerate() {
        match parse_entry(index, raw, &entries_path.index(index), &case)? {
            Some(entry) => entries.push(entry),
            None => case.disabled_entries.push(index),
        }
    }
    let stability = StabilityCase { case, entries };
    for entry in &stability.entries {
        for largest in [false, true] {
            let step = entry.step(file, &stability.case, 0, entry.extreme_options(largest));
            StepSpec::from_step(&step, &stability.case)
                .map_err(|error| JsonProblem { path: error.path, problem: error.problem })?;
        }
    }
    Ok(stability)
}

fn parse_entry(
    index: usize,
    value: &Value,
    path: &JsonPath,
    case: &PerfCase,
) -> Result<Option<SoakEntry>, JsonProblem> {
    let Value::Object(fields) = value else {
        return Err(JsonProblem::new(path, format!("expected a stability entry object, found {}", describe(value))));
    };
    check_spellings(fields, path)?;
    let find = |name: &str| fields.iter().find(|(key, _)| canonical_key(key) == name).filter(|(_, v)| !v.is_null());
    let at = |name: &str| path.key(find(name).map_or(name, |(key, _)| key.as_str()));
    match find("enabled").map(|(_, v)| v) {
        None | Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Ok(None),
        Some(other) => {
            return Err(JsonProblem::new(&at("enabled"), format!("expected true or false, found {}", describe(other))));
        }
    }
    for (key, why) in NOT_IN_A_SOAK {
        if find(key).is_some() {
            return Err(JsonProblem::new(&at(key), format!("is not a stability option: {why}")));
        }
    }
    let duration = match find("duration_sec") {
        Some((_, value)) => seconds(value, false).map_err(|problem| JsonProblem::new(&at("duration_sec"), problem))?,
        None => return Err(JsonProblem::new(path, "missing `duration_sec` (how long the soak sends requests)")),
    };
    let batch_size = match find("num_prompts_per_batch") {
        Some((_, value)) => positive_count(value).map_err(|p| JsonProblem::new(&at("num_prompts_per_batch"), p))?,
        None => return Err(JsonProblem::new(path, "missing `num_prompts_per_batch`")),
    };
    let single = |name: &str| -> Result<Option<&Value>, JsonProblem> {
        match find(name) {
            Some((_, Value::Array(_))) => Err(JsonProblem::new(
                &at(name),
                "a soak runs at one load: give one value, not a list (sweeps are for perf configs)",
            )),
            Some((_, value)) => Ok(Some(value)),
            None => Ok(None),
        }
    };
    let load = match (single("request_rate")?, single("max_concurrency")?) {
        (Some(rate), None) => match request_rate(rate).map_err(|p| JsonProblem::new(&at("request_rate"), p))? {
            RequestRate::Infinite => {
                let problem = "an infinite rate would send without bound for the whole soak; give a finite rate, \
                               or max_concurrency instead";
                return Err(JsonProblem::new(&at("request_rate"), problem));
            }
            rate => Load::Rate(rate),
        },
        (None, Some(cap)) => {
            Load::Concurrency(concurrency(cap).map_err(|p| JsonProblem::new(&at("max_concurrency"), p))?)
        }
        (Some(_), Some(_)) => {
            return Err(JsonProblem::new(path, "gives both request_rate and max_concurrency; give exactly one"));
        }
        (None, None) => {
            return Err(JsonProblem::new(path, "gives neither request_rate nor max_concurrency; give exactly one"));
        }
    };
    let text = |name: &str| -> Result<Option<String>, JsonProblem> {
        match find(name) {
            None => Ok(None),
            Some((_, Value::String(text))) => Ok(Some(text.clone())),
            Some((_, other)) => {
                Err(JsonProblem::new(&at(name), format!("expected a string, found {}", describe(other))))
            }
        }
    };
    let trust_remote_code = match find("trust_remote_code") {
        None => false,
        Some((_, Value::Bool(flag))) => *flag,
        Some((_, other)) => {
            let problem = format!("expected true or false, found {}", describe(other));
            return Err(JsonProblem::new(&at("trust_remote_code"), problem));
        }
    };
    let mut ranges = Vec::new();
    let mut buckets = None;
    let mut options = Map::new();
    for (key, value) in fields {
        let canonical = canonical_key(key);
        if SOAK_KEYS.contains(&canonical.as_str()) {
            continue;
        }
        if let Some(&(_, step)) = RANGED.iter().find(|(name, _)| *name == canonical)
            && !value.is_null()
        {
            let range = IntRange::parse(value).map_err(|problem| JsonProblem::new(&path.key(key), problem))?;
            if range.multiples(step).is_none() {
                let problem =
                    format!("{range} holds no multiple of {step} (image and video sizes are drawn in steps of 16)");
                return Err(JsonProblem::new(&path.key(key), problem));
            }
            ranges.push(RangedOption { key: key.clone(), range, step });
        } else if canonical == BUCKETS && !value.is_null() {
            let templates =
                buckets::parse_templates(value).map_err(|problem| JsonProblem::new(&path.key(key), problem))?;
            buckets = Some((key.clone(), templates));
        } else {
            options.insert(key.clone(), value.clone());
        }
    }
    Ok(Some(SoakEntry {
        index,
        path: path.clone(),
        duration,
        load,
        batch_size,
        task: text("task")?,
        trust_remote_code: trust_remote_code || case.server.trust_remote_code,
        ranges,
        buckets,
        tuning: tuning(&find, &at)?,
        options,
    }))
}

type Find<'a> = dyn Fn(&str) -> Option<(&'a String, &'a Value)> + 'a;

fn tuning<'a>(find: &Find<'a>, at: &dyn Fn(&str) -> JsonPath) -> Result<Tuning, JsonProblem> {
    let read = |name: &str, read: &dyn Fn(&Value) -> Result<f64, String>| -> Result<Option<f64>, JsonProblem> {
        find(name).map(|(_, value)| read(value).map_err(|problem| JsonProblem::new(&at(name), problem))).transpose()
    };
    let duration = |name: &str, zero_allowed: bool| -> Result<Option<Duration>, JsonProblem> {
        find(name)
            .map(|(_, value)| seconds(value, zero_allowed).map_err(|problem| JsonProblem::new(&at(name), problem)))
            .transpose()
    };
    let fraction_in = |low: f64, high: f64| {
        move |value: &Value| {
            value.as_f64().filter(|v| *v > low && *v < high).ok_or_else(|| {
                format!("expected a number between {low} and {high} (exclusive), found {}", describe(value))
            })
        }
    };
    let non_negative = |value: &Value| {
        value
            .as_f64()
            .filter(|v| *v >= 0.0 && v.is_finite())
            .ok_or_else(|| format!("expected a number of at least 0, found {}", describe(value)))
    };
    let windows = |value: &Value| positive_count(value).map(|n| n as f64);
    Ok(Tuning {
        sample_interval: duration("sample_interval_sec", false)?,
        warmup: duration("warmup_sec", true)?,
        drain: duration("drain_sec", false)?,
        leak_threshold_mb_per_hour: read("leak_threshold_mb_per_hour", &non_negative)?,
        drift_windows: read("drift_windows", &windows)?.map(|n| n as usize),
        drift_min_increase: read("drift_min_increase", &non_negative)?,
        drift_p_value: read("drift_p_value", &fraction_in(0.0, 1.0))?,
    })
}

/// A number of seconds; zero only where `zero_allowed`.
fn seconds(value: &Value, zero_allowed: bool) -> Result<Duration, String> {
    let expected = if zero_allowed { "a number of seconds" } else { "a positive number of seconds" };
    value
        .as_f64()
        .filter(|s| s.is_finite() && (*s > 0.0 || zero_allowed && *s == 0.0))
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("expected {expected}, found {}", describe(value)))
}

impl SoakEntry {
    /// The benchmark step of batch `batch` with `drawn` options (the ranged ones, drawn), read by
    /// the load generator like a perf config's step. Its seed moves with the batch, so that each
    /// batch has prompts (and media) of its own.
    pub fn step(&self, file: &Path, case: &PerfCase, batch: u64, drawn: Map<String, Value>) -> SweepStep {
        let mut options = self.options.clone();
        let seed = options.get("seed").and_then(Value::as_u64).unwrap_or(0);
        options.insert("seed".to_owned(), Value::from(seed.wrapping_add(batch)));
        options.extend(drawn);
        SweepStep {
            id: format!("{}-{}-b{batch}", case.test_name, self.index),
            label: format!("{},batch={batch}", self.load.short()),
            test_name: case.test_name.clone(),
            file: file.to_owned(),
            entry_index: self.index,
            entry_path: self.path.clone(),
            position: 0,
            steps_in_entry: 1,
            num_prompts: self.batch_size,
            load: self.load,
            options: BenchOptions::new(options),
            baseline: None,
            trust_remote_code: self.trust_remote_code,
            task: self.task.clone(),
            eval_phase: None,
        }
    }

    /// The ranged options at their smallest (`largest == false`) or largest values.
    pub fn extreme_options(&self, largest: bool) -> Map<String, Value> {
        let mut options: Map<String, Value> =
            self.ranges.iter().map(|option| (option.key.clone(), Value::from(option.extreme(largest)))).collect();
        if let Some((key, templates)) = &self.buckets {
            options.insert(key.clone(), buckets::extreme_config(templates, largest));
        }
        options
    }

    /// The ranged options of one batch, drawn with `rng`.
    pub fn draw_options(&self, rng: &mut rand::rngs::StdRng) -> Map<String, Value> {
        let mut options: Map<String, Value> =
            self.ranges.iter().map(|option| (option.key.clone(), Value::from(option.draw(rng)))).collect();
        if let Some((key, templates)) = &self.buckets {
            options.insert(key.clone(), buckets::draw_config(templates, rng));
        }
        options
    }
}

#[cfg(test)]
mod tests;
