//! What one sweep step asks the load generator to do, read from the entry's options and checked
//! before any server starts: the protocol, the dataset, the load, the request settings.
//!
//! Every option of an entry is either understood here or an error: a `vllm bench serve` flag the
//! load generator does not implement would otherwise be silently ignored and the run would not
//! be the run the config describes. A few options only steer `vllm bench serve`'s own output
//! (`save_result`, `result_dir`, …) and are accepted without effect, because omnitest always
//! writes its result file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use super::api::{Api, DiffusionTask};
use super::dataset::mm::MultiModalSpec;
use crate::bench::config::PerfCase;
use crate::bench::datasets::RandomDataset;
use crate::bench::json_path::{JsonPath, describe};
use crate::bench::metric_names::PercentileMetric;
use crate::bench::metrics::MetricsOptions;
use crate::bench::options::canonical_key;
use crate::bench::sweep::{Load, SweepStep};

/// A step's settings, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct StepSpec {
    /// The protocol.
    pub api: Api,
    /// The path requests are posted to.
    pub endpoint: String,
    /// Where requests come from.
    pub dataset: DatasetSpec,
    /// Requests in the measured run.
    pub num_prompts: u64,
    /// The rate or concurrency cap.
    pub load: Load,
    /// The gamma shape of arrivals (1: Poisson).
    pub burstiness: f64,
    /// The seed of the schedule and the dataset.
    pub seed: u64,
    /// Requests sent before the measured run, whose results are discarded.
    pub num_warmups: u64,
    /// `ignore_eos` in every request (forced on for the random datasets, as vLLM does).
    pub ignore_eos: bool,
    /// Merged into every request body (`extra_body` and sampling options).
    pub extra_body: Map<String, Value>,
    /// Diffusion settings, for the diffusion APIs.
    pub diffusion: Option<DiffusionParams>,
    /// What to compute.
    pub metrics: MetricsOptions,
    /// The limit on one request.
    pub request_timeout: Duration,
    /// Keep per-request arrays in the result file.
    pub save_detailed: bool,
    /// `label` for the result file.
    pub label: Option<String>,
    /// `metadata` pairs for the result file.
    pub metadata: Vec<(String, String)>,
    /// Whether to draw a progress bar (off with `disable_tqdm`).
    pub progress: bool,
    /// `skip_performance_assertion`: the baseline is printed, not asserted.
    pub advisory: bool,
}

/// Where a step's requests come from.
#[derive(Clone, Debug, PartialEq)]
pub enum DatasetSpec {
    /// Synthetic prompts of drawn lengths (`random`).
    Random {
        /// The lengths.
        lengths: RandomDataset,
        /// A `tokenizer.json` that sets exact prompt lengths.
        tokenizer: Option<PathBuf>,
    },
    /// Random prompts with synthetic images, videos or audio (`random-mm`).
    RandomMultiModal {
        /// The text lengths.
        lengths: RandomDataset,
        /// A `tokenizer.json` that sets exact prompt lengths.
        tokenizer: Option<PathBuf>,
        /// The media per request.
        media: MultiModalSpec,
    },
    /// Prompts from a JSON-lines file (`custom`).
    Custom {
        /// The file.
        path: PathBuf,
        /// Tokens to ask for when a line says nothing (`custom_output_len`, default 256).
        output_len: u64,
        /// A `tokenizer.json` that counts prompt tokens.
        tokenizer: Option<PathBuf>,
    },
    /// Short random prompts for diffusion requests.
    DiffusionPrompts {
        /// Words per prompt.
        words: u64,
    },
}

/// Diffusion request settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffusionParams {
    /// What is made from what.
    pub task: DiffusionTask,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Denoising steps.
    pub num_inference_steps: Option<u32>,
    /// Video frames.
    pub num_frames: Option<u32>,
    /// Video frames per second.
    pub fps: Option<u32>,
    /// Other request fields (`guidance_scale`, `negative_prompt`, `seed`, …), as given.
    pub fields: Map<String, Value>,
}

/// Why a step cannot be run: names the config file, the option's JSON path and the problem.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {path}: {problem}", file.display())]
pub struct SpecError {
    /// The config file.
    pub file: PathBuf,
    /// Where in it.
    pub path: JsonPath,
    /// What is wrong.
    pub problem: String,
}

/// Options that only steer `vllm bench serve`'s output files or console; accepted, no effect.
const INERT: &[&str] =
    &["save_result", "result_dir", "result_filename", "append_result", "omni", "ready_check_timeout_sec"];

/// Every option the load generator reads, for error messages.
const UNDERSTOOD: &[&str] = &[
    "backend",
    "endpoint",
    "dataset_name",
    "dataset",
    "dataset_path",
    "seed",
    "burstiness",
    "num_warmups",
    "warmup_requests",
    "ignore_eos",
    "extra_body",
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repetition_penalty",
    "frequency_penalty",
    "presence_penalty",
    "percentile_metrics",
    "metric_percentiles",
    "goodput",
    "save_detailed",
    "label",
    "metadata",
    "tokenizer",
    "omni_request_timeout_s",
    "disable_tqdm",
    "random_input_len",
    "random_output_len",
    "random_range_ratio",
    "random_prefix_len",
    "input_len",
    "output_len",
    "random_mm_base_items_per_request",
    "random_mm_num_mm_items_range_ratio",
    "random_mm_limit_mm_per_prompt",
    "random_mm_bucket_config",
    "custom_output_len",
    "width",
    "height",
    "num_inference_steps",
    "num_frames",
    "fps",
    "skip_performance_assertion",
];

/// Diffusion request fields passed through as given.
const DIFFUSION_FIELDS: &[&str] =
    &["guidance_scale", "true_cfg_scale", "negative_prompt", "guidance_scale_2", "flow_shift", "return_stage_metrics"];

const SAMPLING: &[&str] =
    &["temperature", "top_p", "top_k", "min_p", "repetition_penalty", "frequency_penalty", "presence_penalty"];

impl StepSpec {
    /// Reads `step`'s options. `case` is the step's case (its server and `benchmark_endpoint`);
    /// relative paths (`dataset_path`, `tokenizer`) are read from the config file's folder.
    pub fn from_step(step: &SweepStep, case: &PerfCase) -> Result<StepSpec, SpecError> {
        let reader = Reader { step, file: &step.file };
        reader.check_known()?;
        let diffusion_case = case.server.server_type.is_some()
            || case.marks.markers.contains(&crate::registry::Marker::Diffusion)
            || step.options.get("backend").is_none() && step_task(step).and_then(DiffusionTask::parse).is_some();
        let (api, diffusion) = if diffusion_case {
            let (api, params) = reader.diffusion(case)?;
            (api, Some(params))
        } else {
            let api = match reader.text("backend")? {
                None => Api::Completions,
                Some(name) => Api::from_backend(&name).ok_or_else(|| {
                    reader.error("backend", format!("unknown backend `{name}` (supported: {})", Api::BACKENDS))
                })?,
            };
            (api, None)
        };
        let endpoint = match (reader.text("endpoint")?, &case.benchmark_endpoint) {
            (Some(endpoint), _) => endpoint,
            (None, Some(endpoint)) if api.is_diffusion() => endpoint.clone(),
            _ => api.default_endpoint().to_owned(),
        };
        if !endpoint.starts_with('/') {
            return Err(reader.error("endpoint", format!("`{endpoint}` must be a path starting with `/`")));
        }
        let dataset = reader.dataset(api)?;
        let ignore_eos = match dataset {
            DatasetSpec::Random { .. } | DatasetSpec::RandomMultiModal { .. } => true,
            _ => reader.flag("ignore_eos")?.unwrap_or(false),
        };
        let mut metrics = step.metrics_options().map_err(|e| SpecError {
            file: step.file.clone(),
            path: step.entry_path.clone(),
            problem: e.to_string(),
        })?;
        if api.is_diffusion() && step.options.get("percentile_metrics").is_none() {
            metrics.percentile_metrics = vec![PercentileMetric::E2el];
        }
        let default_warmups = if api.is_diffusion() { 1 } else { 2 };
        Ok(StepSpec {
            api,
            endpoint,
            dataset,
            num_prompts: step.num_prompts,
            load: step.load,
            burstiness: reader.number("burstiness")?.unwrap_or(1.0),
            seed: reader.count("seed")?.unwrap_or(0),
            num_warmups: match reader.count("num_warmups")? {
                Some(n) => n,
                None => reader.count("warmup_requests")?.unwrap_or(default_warmups),
            },
            ignore_eos,
            extra_body: reader.extra_body()?,
            diffusion,
            metrics,
            request_timeout: Duration::from_secs_f64(
                reader.number("omni_request_timeout_s")?.unwrap_or(900.0).max(0.001),
            ),
            save_detailed: reader.flag("save_detailed")?.unwrap_or(false),
            label: reader.text("label")?,
            metadata: reader.metadata()?,
            progress: !reader.flag("disable_tqdm")?.unwrap_or(false),
            advisory: reader.flag("skip_performance_assertion")?.unwrap_or(false),
        })
    }
}

fn step_task(step: &SweepStep) -> Option<&str> {
    step.task.as_deref()
}

struct Reader<'a> {
    step: &'a SweepStep,
    file: &'a Path,
}

impl Reader<'_> {
    fn error(&self, key: &str, problem: impl Into<String>) -> SpecError {
        let written = self.step.options.iter().map(|(k, _)| k.as_str()).find(|k| canonical_key(k) == key);
        SpecError {
            file: self.file.to_owned(),
            path: self.step.entry_path.key(written.unwrap_or(key)),
            problem: problem.into(),
        }
    }

    fn check_known(&self) -> Result<(), SpecError> {
        for (key, _) in self.step.options.iter() {
            let canonical = canonical_key(key);
            let known = UNDERSTOOD.contains(&canonical.as_str())
                || INERT.contains(&canonical.as_str())
                || DIFFUSION_FIELDS.contains(&canonical.as_str());
            if !known {
                return Err(SpecError {
                    file: self.file.to_owned(),
                    path: self.step.entry_path.key(key),
                    problem: format!(
                        "option `{key}` is not supported by omnitest's load generator (it understands: {})",
                        UNDERSTOOD.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    fn value(&self, key: &str) -> Option<&Value> {
        self.step.options.get(key).filter(|v| !v.is_null())
    }

    fn text(&self, key: &str) -> Result<Option<String>, SpecError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(self.error(key, format!("expected a string, found {}", describe(other)))),
        }
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, SpecError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(self.error(key, format!("expected true or false, found {}", describe(other)))),
        }
    }

    fn count(&self, key: &str) -> Result<Option<u64>, SpecError> {
        match self.value(key) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.error(key, format!("expected a whole number, found {}", describe(value)))),
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, SpecError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(text)) if matches!(text.as_str(), "inf" | "Infinity") => Ok(Some(f64::INFINITY)),
            Some(value) => value
                .as_f64()
                .filter(|v| *v > 0.0)
                .map(Some)
                .ok_or_else(|| self.error(key, format!("expected a positive number, found {}", describe(value)))),
        }
    }

    fn path(&self, key: &str) -> Result<Option<PathBuf>, SpecError> {
        Ok(self.text(key)?.map(|text| {
            let path = PathBuf::from(text);
            if path.is_absolute() { path } else { self.file.parent().unwrap_or(Path::new(".")).join(path) }
        }))
    }

    fn extra_body(&self) -> Result<Map<String, Value>, SpecError> {
        let mut body = match self.value("extra_body") {
            None => Map::new(),
            Some(Value::Object(fields)) => fields.clone(),
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(fields)) => fields,
                _ => return Err(self.error("extra_body", "expected a JSON object")),
            },
            Some(other) => {
                return Err(self.error("extra_body", format!("expected an object, found {}", describe(other))));
            }
        };
        for &key in SAMPLING {
            if let Some(value) = self.value(key) {
                if !value.is_number() {
                    return Err(self.error(key, format!("expected a number, found {}", describe(value))));
                }
                body.insert(key.to_owned(), value.clone());
            }
        }
        Ok(body)
    }

    fn metadata(&self) -> Result<Vec<(String, String)>, SpecError> {
        let pair = |item: &str| {
            item.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| self.error("metadata", format!("`{item}` is not KEY=VALUE")))
        };
        match self.value("metadata") {
            None => Ok(Vec::new()),
            Some(Value::Object(fields)) => Ok(fields
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect()),
            Some(Value::String(text)) => text.split_whitespace().map(pair).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().ok_or_else(|| self.error("metadata", "list items must be KEY=VALUE strings")))
                .map(|item| item.and_then(pair))
                .collect(),
            Some(other) => Err(self.error("metadata", format!("expected KEY=VALUE pairs, found {}", describe(other)))),
        }
    }

    fn dataset(&self, api: Api) -> Result<DatasetSpec, SpecError> {
        if api.is_diffusion() {
            return match self.text("dataset")?.or(self.text("dataset_name")?).as_deref() {
                None | Some("random") => Ok(DatasetSpec::DiffusionPrompts { words: 12 }),
                Some(other) => Err(self
                    .error("dataset", format!("dataset `{other}` is not supported for diffusion (supported: random)"))),
            };
        }
        let lengths = || {
            RandomDataset::from_options(&self.step.options).map_err(|e| SpecError {
                file: self.file.to_owned(),
                path: self.step.entry_path.clone(),
                problem: e.to_string(),
            })
        };
        let tokenizer = self.path("tokenizer")?;
        match self.text("dataset_name")?.as_deref() {
            None | Some("random") => {
                let lengths = lengths()?;
                lengths.ranges().map_err(|e| self.error("random_range_ratio", e.to_string()))?;
                Ok(DatasetSpec::Random { lengths, tokenizer })
            }
            Some("random-mm") => {
                if !matches!(api, Api::Chat | Api::ChatOmni) {
                    return Err(self.error("dataset_name", format!("random-mm needs a chat backend, not {api}")));
                }
                let lengths = lengths()?;
                lengths.ranges().map_err(|e| self.error("random_range_ratio", e.to_string()))?;
                let media = MultiModalSpec::from_options(&self.step.options)
                    .map_err(|(key, problem)| self.error(key, problem))?;
                Ok(DatasetSpec::RandomMultiModal { lengths, tokenizer, media })
            }
            Some("custom") => {
                let path = self
                    .path("dataset_path")?
                    .ok_or_else(|| self.error("dataset_name", "the custom dataset needs `dataset_path` (a JSON-lines file)"))?;
                Ok(DatasetSpec::Custom { path, output_len: self.count("custom_output_len")?.unwrap_or(256), tokenizer })
            }
            Some(other) => Err(self.error(
                "dataset_name",
                format!("dataset `{other}` is not supported by omnitest's load generator (supported: random, random-mm, custom)"),
            )),
        }
    }

    fn diffusion(&self, case: &PerfCase) -> Result<(Api, DiffusionParams), SpecError> {
        let task_name = self.step.task.clone().unwrap_or_else(|| "t2i".to_owned());
        let task = DiffusionTask::parse(&task_name).ok_or_else(|| SpecError {
            file: self.file.to_owned(),
            path: self.step.entry_path.key("task"),
            problem: format!("unknown diffusion task `{task_name}` (supported: {})", DiffusionTask::NAMES),
        })?;
        let endpoint = self.text("endpoint")?.or_else(|| case.benchmark_endpoint.clone());
        let api = match (task.makes_video(), endpoint.as_deref()) {
            (true, _) => Api::Video,
            (false, Some(path)) if path.starts_with("/v1/images") => Api::ImageGenerations,
            (false, _) => Api::ImageChat,
        };
        if api == Api::ImageGenerations && task.takes_image() {
            return Err(self
                .error("endpoint", "image-to-image requests go through chat completions, not /v1/images/generations"));
        }
        let dimension = |key: &str, default: u32| -> Result<u32, SpecError> {
            match self.count(key)? {
                None => Ok(default),
                Some(n) if (16..=8192).contains(&n) => Ok(n as u32),
                Some(n) => Err(self.error(key, format!("{n} pixels is outside 16..=8192"))),
            }
        };
        let small = |key: &str| -> Result<Option<u32>, SpecError> {
            self.count(key)?.map(|n| u32::try_from(n).map_err(|_| self.error(key, "is too large"))).transpose()
        };
        let (default_w, default_h) = if task.makes_video() { (832, 480) } else { (1024, 1024) };
        let mut fields = Map::new();
        for &key in DIFFUSION_FIELDS {
            if let Some(value) = self.value(key) {
                fields.insert(key.to_owned(), value.clone());
            }
        }
        if let Some(seed) = self.value("seed") {
            fields.insert("seed".to_owned(), seed.clone());
        }
        Ok((
            api,
            DiffusionParams {
                task,
                width: dimension("width", default_w)?,
                height: dimension("height", default_h)?,
                num_inference_steps: small("num_inference_steps")?,
                num_frames: small("num_frames")?,
                fps: small("fps")?,
                fields,
            },
        ))
    }
}

#[cfg(test)]
mod tests;
