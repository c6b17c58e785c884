//! The result file `vllm bench serve --save-result` writes, from [`Metrics`].
//!
//! Keys and values are vLLM's; two things differ from its bytes, not its content. Keys come out
//! sorted (a JSON object is unordered). Non-finite floats, which Python writes as the
//! non-JSON `NaN`/`Infinity`, are written as null; only `request_rate` keeps vLLM's `"inf"`.

use serde_json::{Map, Value, json};

use super::health::ClientHealth;
use super::metric_names::percentile_label;
use super::metrics::{MetricFamily, Metrics};

/// What a result file says about the run besides its measurements.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultMeta {
    /// When the run ended, as `%Y%m%d-%H%M%S`.
    pub date: String,
    /// The backend (`openai-chat`, `openai-chat-omni`, …); also written as `endpoint_type`.
    pub backend: String,
    /// `--label`, if given.
    pub label: Option<String>,
    /// The model.
    pub model_id: String,
    /// The tokenizer, if one was used.
    pub tokenizer_id: Option<String>,
    /// Requests in the run.
    pub num_prompts: u64,
    /// `--burstiness`.
    pub burstiness: f64,
    /// `--metadata KEY=VALUE` pairs, flattened into the top level.
    pub metadata: Vec<(String, String)>,
    /// `--save-detailed`: keep the per-request arrays besides `latencies` and `queue_times`.
    pub save_detailed: bool,
    /// The load generator's health, written under `client_health` ([`ClientHealth::to_json`]).
    pub client_health: Option<ClientHealth>,
}

/// A float as JSON: null where JSON has no number.
fn number(value: f64) -> Value {
    if value.is_finite() { json!(value) } else { Value::Null }
}

impl MetricFamily {
    /// `mean_<m><unit>`, `median_…`, `std_…` and `p<P>_…` with their values.
    pub fn result_keys(&self) -> Vec<(String, f64)> {
        let name = self.metric.name();
        let unit = self.metric.key_suffix();
        let mut keys = vec![
            (format!("mean_{name}{unit}"), self.mean),
            (format!("median_{name}{unit}"), self.median),
            (format!("std_{name}{unit}"), self.std),
        ];
        keys.extend(
            self.percentiles.iter().map(|&(p, value)| (format!("p{}_{name}{unit}", percentile_label(p)), value)),
        );
        keys
    }
}

impl Metrics {
    /// The result file's top-level object.
    pub fn to_result_json(&self, meta: &ResultMeta) -> Value {
        let mut out = Map::new();
        // Metadata goes in first so that vLLM's own keys win a clash, as in vLLM.
        for (key, value) in &meta.metadata {
            out.insert(key.clone(), json!(value));
        }
        let fixed = json!({
            "date": meta.date,
            "endpoint_type": meta.backend,
            "backend": meta.backend,
            "label": meta.label,
            "model_id": meta.model_id,
            "tokenizer_id": meta.tokenizer_id,
            "num_prompts": meta.num_prompts,
            "request_rate": self.request_rate.to_json(),
            "burstiness": number(meta.burstiness),
            "max_concurrency": self.max_concurrency,
            "duration": number(self.duration_s),
            "completed": self.completed,
            "failed": self.failed,
            "total_input_tokens": self.total_input_tokens,
            "total_output_tokens": self.total_output_tokens,
            "request_throughput": number(self.request_throughput),
            "request_goodput": self.request_goodput.map(number),
            "output_throughput": number(self.output_throughput),
            "total_token_throughput": number(self.total_token_throughput),
            "max_output_tokens_per_s": number(self.max_output_tokens_per_s),
            "max_concurrent_requests": self.max_concurrent_requests,
            "rtfx": number(self.rtfx),
            "latencies": self.per_request.latencies,
            "queue_times": self.per_request.queue_times,
        });
        if let Value::Object(fixed) = fixed {
            out.extend(fixed);
        }
        if meta.save_detailed {
            let detail = &self.per_request;
            out.insert("input_lens".into(), json!(detail.input_lens));
            out.insert("output_lens".into(), json!(detail.output_lens));
            out.insert("ttfts".into(), json!(detail.ttfts));
            out.insert("itls".into(), json!(detail.itls));
            out.insert("start_times".into(), json!(detail.start_times));
            out.insert("generated_texts".into(), json!(detail.generated_texts));
            out.insert("errors".into(), json!(detail.errors));
        }
        for family in &self.families {
            for (key, value) in family.result_keys() {
                out.insert(key, number(value));
            }
        }
        if let Some(audio) = &self.audio {
            out.insert("total_audio_duration_s".into(), number(audio.total_duration_s));
            out.insert("total_audio_frames".into(), json!(audio.total_frames));
            out.insert("audio_throughput".into(), number(audio.throughput));
        }
        if let Some(health) = &meta.client_health {
            out.insert("client_health".into(), health.to_json(&self.per_request.queue_times));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::metric_names::PercentileMetric;
    use crate::bench::metrics::MetricsOptions;
    use crate::bench::request::{AudioOutcome, RequestOutcome};
    use crate::bench::schedule::RequestRate;

    fn outcome(ttft: f64, latency: f64) -> RequestOutcome {
        RequestOutcome {
            success: true,
            prompt_len: 100,
            output_tokens: Some(10),
            ttft_s: ttft,
            itl_s: vec![0.01; 9],
            latency_s: latency,
            generated_text: "ok".into(),
            audio: Some(AudioOutcome { ttfp_s: 0.2, duration_s: 2.0, frames: 48_000, rtf: 0.1 }),
            ..RequestOutcome::default()
        }
    }

    fn meta(save_detailed: bool) -> ResultMeta {
        ResultMeta {
            date: "20250101-120000".into(),
            backend: "openai-chat-omni".into(),
            model_id: "Qwen/Qwen3-Omni-30B-A3B-Instruct".into(),
            num_prompts: 2,
            burstiness: 1.0,
            metadata: vec![("commit".into(), "abc123".into())],
            save_detailed,
            ..ResultMeta::default()
        }
    }

    fn metrics() -> Metrics {
        let options = MetricsOptions {
            percentile_metrics: PercentileMetric::parse_list("ttft,e2el,audio_rtf,audio_ttfp,audio_duration").unwrap(),
            percentiles: vec![99.0, 99.9],
            max_concurrency: Some(4),
            ..MetricsOptions::default()
        };
        Metrics::calculate(&[outcome(0.1, 0.2), outcome(0.3, 0.4)], 1.0, &options)
    }

    #[test]
    fn top_level_keys_are_vllms() {
        let json = metrics().to_result_json(&meta(false));
        assert_eq!(json["request_rate"], "inf");
        assert_eq!(json["max_concurrency"], 4);
        assert_eq!(json["endpoint_type"], "openai-chat-omni");
        assert_eq!(json["label"], Value::Null);
        assert_eq!(json["request_goodput"], Value::Null);
        assert_eq!(json["commit"], "abc123");
        assert_eq!(json["completed"], 2);
        assert_eq!(json["total_output_tokens"], 20);
        assert_eq!(json["p99_ttft_ms"], json!(298.0));
        assert!(json.get("p99.9_e2el_ms").is_some());
        assert!(json.get("mean_audio_ttfp_ms").is_some());
        assert_eq!(json["mean_audio_rtf"], json!(0.1));
        assert_eq!(json["p99_audio_duration_s"], json!(2.0));
        assert_eq!(json["total_audio_frames"], 96_000);
        assert_eq!(json["audio_throughput"], json!(4.0));
        assert_eq!(json["latencies"], json!([0.2, 0.4]));
        assert!(json.get("queue_times").is_some());
        for detailed in ["input_lens", "output_lens", "ttfts", "itls", "start_times", "generated_texts", "errors"] {
            assert!(json.get(detailed).is_none(), "{detailed} is only written with save_detailed");
        }
    }

    #[test]
    fn detailed_results_keep_the_per_request_arrays() {
        let json = metrics().to_result_json(&meta(true));
        assert_eq!(json["output_lens"], json!([10, 10]));
        assert_eq!(json["generated_texts"], json!(["ok", "ok"]));
        assert_eq!(json["itls"][0].as_array().map(Vec::len), Some(9));
    }

    #[test]
    fn finite_rates_are_numbers_and_health_is_nested() {
        let mut metrics = metrics();
        metrics.request_rate = RequestRate::Finite(0.5);
        let mut meta = meta(false);
        meta.client_health = Some(ClientHealth { dispatch_lags_s: vec![0.001], ..ClientHealth::default() });
        let json = metrics.to_result_json(&meta);
        assert_eq!(json["request_rate"], json!(0.5));
        assert_eq!(json["client_health"]["dispatch_lag_p99_ms"], json!(1.0));
    }
}
