//! Steps shrunk for the embedded mock. A perf config describes GPU-sized work (900-token answers
//! spoken as minutes of audio, 1024² images, 33-frame videos) whose numbers on the mock mean
//! nothing and whose cost (the mock really synthesises the speech, draws the pictures and
//! encodes the videos) would make a mock run of the perf trials take many minutes. On the mock
//! a step keeps its backend, dataset and metrics and its concurrency cap (so every sweep point
//! is exercised), with fewer and smaller requests; a request rate so low that the schedule would
//! last more than a few seconds is raised until it fits. Real backends always run
//! the config as written; `--full-size` does so on the mock too.

use super::api::Api;
use super::spec::{DatasetSpec, StepSpec};
use crate::bench::schedule::RequestRate;
use crate::bench::sweep::Load;

/// The limits applied on the mock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MockScale {
    /// At least this many requests, when the config asks for more.
    pub min_prompts: u64,
    /// Concurrency mode: at most one wave of the cap (but `min_prompts`); rate mode: this many.
    pub rate_prompts: u64,
    /// Rate mode: the schedule's length at most, in seconds; a slower rate is raised to fit.
    pub max_schedule_s: f64,
    /// Prompt tokens.
    pub max_input_len: u64,
    /// Words of text to speak (speech), which sets how much audio the mock synthesises.
    pub max_speech_words: u64,
    /// Warm-up requests.
    pub max_warmups: u64,
    /// Tokens asked for.
    pub max_output_len: u64,
    /// Image and video sides, in pixels.
    pub max_side: u32,
    /// Video frames.
    pub max_frames: u32,
    /// Denoising steps.
    pub max_steps: u32,
}

impl Default for MockScale {
    fn default() -> Self {
        MockScale {
            min_prompts: 2,
            rate_prompts: 6,
            max_schedule_s: 1.5,
            max_input_len: 256,
            max_speech_words: 24,
            max_warmups: 1,
            max_output_len: 32,
            max_side: 256,
            max_frames: 9,
            max_steps: 4,
        }
    }
}

impl MockScale {
    /// `spec` shrunk, and what changed (`num_prompts 40→8`), empty when nothing did.
    pub fn apply(&self, spec: &StepSpec) -> (StepSpec, Vec<String>) {
        let mut scaled = spec.clone();
        let mut changes = Vec::new();
        let prompts = match spec.load {
            Load::Concurrency(c) => u64::from(c).max(self.min_prompts),
            Load::Rate(_) => self.rate_prompts,
        };
        cap("num_prompts", &mut scaled.num_prompts, prompts, &mut changes);
        cap("num_warmups", &mut scaled.num_warmups, self.max_warmups, &mut changes);
        // The schedule of n requests at rate r ends at n / r, however fast the server is.
        if let Load::Rate(RequestRate::Finite(rate)) = spec.load {
            let fitting = scaled.num_prompts as f64 / self.max_schedule_s;
            if rate < fitting {
                changes.push(format!("request_rate {rate}→{fitting}"));
                scaled.load = Load::Rate(RequestRate::Finite(fitting));
            }
        }
        match &mut scaled.dataset {
            DatasetSpec::Random { lengths, .. } if spec.api == Api::Speech => {
                cap("random_input_len", &mut lengths.input_len, self.max_speech_words, &mut changes);
            }
            DatasetSpec::Random { lengths, .. } | DatasetSpec::RandomMultiModal { lengths, .. } => {
                cap("random_input_len", &mut lengths.input_len, self.max_input_len, &mut changes);
                cap("random_output_len", &mut lengths.output_len, self.max_output_len, &mut changes);
                cap("random_prefix_len", &mut lengths.prefix_len, self.max_input_len / 4, &mut changes);
            }
            DatasetSpec::Custom { output_len, .. } => {
                cap("custom_output_len", output_len, self.max_output_len, &mut changes);
            }
            DatasetSpec::DiffusionPrompts { .. } => {}
        }
        if let Some(params) = &mut scaled.diffusion {
            cap("width", &mut params.width, self.max_side, &mut changes);
            cap("height", &mut params.height, self.max_side, &mut changes);
            // An unset frame or step count would take the server's default, which is large.
            if params.task.makes_video() {
                params.num_frames = Some(capped("num_frames", params.num_frames, self.max_frames, &mut changes));
            }
            params.num_inference_steps =
                Some(capped("num_inference_steps", params.num_inference_steps, self.max_steps, &mut changes));
        }
        (scaled, changes)
    }
}

/// An optional setting at most `limit`; unset (the server's default) becomes `limit`.
fn capped(what: &str, value: Option<u32>, limit: u32, changes: &mut Vec<String>) -> u32 {
    match value {
        Some(mut value) => {
            cap(what, &mut value, limit, changes);
            value
        }
        None => {
            changes.push(format!("{what} (server default)→{limit}"));
            limit
        }
    }
}

/// Lowers `value` to `limit`, noting the change.
fn cap<T: PartialOrd + std::fmt::Display + Copy>(what: &str, value: &mut T, limit: T, changes: &mut Vec<String>) {
    if *value > limit {
        changes.push(format!("{what} {value}→{limit}"));
        *value = limit;
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::bench::config::PerfConfig;

    fn specs(entry: serde_json::Value, diffusion: bool) -> Vec<StepSpec> {
        let marks = if diffusion { json!(["cpu", "diffusion"]) } else { json!(["cpu"]) };
        let case =
            json!([{"test_name": "t", "mark": marks, "server_params": {"model": "m"}, "benchmark_params": [entry]}]);
        let config = PerfConfig::parse(&case.to_string(), Path::new("x.json")).unwrap();
        config.steps().unwrap().iter().map(|s| StepSpec::from_step(s, &config.cases[0]).unwrap()).collect()
    }

    #[test]
    fn every_sweep_point_keeps_its_load_with_fewer_smaller_requests() {
        let steps = specs(
            json!({"backend": "openai-chat-omni", "num_prompts": [10, 20, 40], "max_concurrency": [1, 4, 8],
                   "random_input_len": 2500, "random_output_len": 900}),
            false,
        );
        let scaled: Vec<(StepSpec, Vec<String>)> = steps.iter().map(|s| MockScale::default().apply(s)).collect();
        assert_eq!(scaled.iter().map(|(s, _)| s.num_prompts).collect::<Vec<_>>(), [2, 4, 8]);
        assert_eq!(
            scaled.iter().map(|(s, _)| s.load).collect::<Vec<_>>(),
            steps.iter().map(|s| s.load).collect::<Vec<_>>()
        );
        assert_eq!(
            scaled[2].1,
            ["num_prompts 40→8", "num_warmups 2→1", "random_input_len 2500→256", "random_output_len 900→32"]
        );
    }

    #[test]
    fn diffusion_work_is_capped_and_small_steps_are_left_alone() {
        let steps =
            specs(json!({"task": "t2v", "num_prompts": 2, "request_rate": 2, "width": 832, "height": 480}), true);
        let (scaled, changes) = MockScale::default().apply(&steps[0]);
        assert_eq!(scaled.load, steps[0].load, "2 requests at 2/s fit in 1.5 s");
        let params = scaled.diffusion.unwrap();
        assert_eq!(
            (params.width, params.height, params.num_frames, params.num_inference_steps),
            (256, 256, Some(9), Some(4))
        );
        assert_eq!(changes[0], "width 832→256", "{changes:?}");
        assert_eq!(scaled.num_prompts, 2, "fewer prompts than the cap stay as they are");
    }

    #[test]
    fn slow_rates_are_raised_so_the_schedule_fits() {
        let steps = specs(json!({"backend": "openai-chat", "num_prompts": 20, "request_rate": [0.1, 8]}), false);
        let (slow, changes) = MockScale::default().apply(&steps[0]);
        assert_eq!(slow.num_prompts, 6);
        // 6 requests in 1.5 s.
        assert_eq!(slow.load, Load::Rate(RequestRate::Finite(4.0)));
        assert_eq!(changes[2], "request_rate 0.1→4", "{changes:?}");
        assert_eq!(MockScale::default().apply(&steps[1]).0.load, steps[1].load);
    }
}
