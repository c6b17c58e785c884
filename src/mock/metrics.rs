//! The Prometheus families `/metrics` exposes: vLLM's `vllm:` engine families and vLLM-Omni's
//! `vllm_omni:` audio and pipeline families, labelled with the model name like the real server.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Bucket bounds vLLM uses for time to first token (seconds).
const TTFT_BUCKETS: [f64; 22] = [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
    160.0, 640.0, 2560.0,
];
/// Bucket bounds vLLM uses for inter-token latency (seconds).
const ITL_BUCKETS: [f64; 19] =
    [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
/// Bucket bounds vLLM uses for request latency (seconds).
const LATENCY_BUCKETS: [f64; 21] = [
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0,
    1920.0, 7680.0,
];
/// Real-time-factor buckets, with 1.0 as the red line.
const RTF_BUCKETS: [f64; 9] = [0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0];

type LabelSet = Vec<(String, String)>;

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests being generated.
    pub running: Gauge,
    /// Requests queued for a slot.
    pub waiting: Gauge,
    /// Fraction of the KV cache in use.
    pub kv_cache_usage: Gauge<f64, AtomicU64>,
    /// Prompt tokens processed.
    pub prompt_tokens: Counter,
    /// Tokens generated.
    pub generation_tokens: Counter,
    /// Requests preempted (the mock never preempts; the family exists for soak checks).
    pub preemptions: Counter,
    successes: Family<LabelSet, Counter>,
    /// Time to first token.
    pub ttft: Histogram,
    /// Time between tokens.
    pub itl: Histogram,
    /// Request latency.
    pub e2e: Histogram,
    /// Time waiting for a slot.
    pub queue_time: Histogram,
    /// Time to the first audio packet.
    pub audio_ttfp: Histogram,
    /// Audio generation time over audio duration.
    pub audio_rtf: Histogram,
    /// Audio produced per request.
    pub audio_duration: Histogram,
    /// Pipeline requests in flight.
    pub omni_running: Gauge,
    /// Pipeline requests queued.
    pub omni_waiting: Gauge,
    /// Pipeline latency.
    pub omni_e2e: Histogram,
    /// Pipeline requests that succeeded.
    pub omni_success: Counter,
}

fn histogram(buckets: &[f64]) -> Histogram {
    Histogram::new(buckets.iter().copied())
}

impl Metrics {
    /// The families, labelled with the served model name.
    pub fn new(model_name: &str) -> Metrics {
        let mut registry = Registry::with_labels(
            [("model_name".into(), model_name.to_owned().into()), ("engine".into(), "0".into())].into_iter(),
        );
        let metrics = Metrics {
            running: Gauge::default(),
            waiting: Gauge::default(),
            kv_cache_usage: Gauge::default(),
            prompt_tokens: Counter::default(),
            generation_tokens: Counter::default(),
            preemptions: Counter::default(),
            successes: Family::default(),
            ttft: histogram(&TTFT_BUCKETS),
            itl: histogram(&ITL_BUCKETS),
            e2e: histogram(&LATENCY_BUCKETS),
            queue_time: histogram(&LATENCY_BUCKETS),
            audio_ttfp: histogram(&TTFT_BUCKETS),
            audio_rtf: histogram(&RTF_BUCKETS),
            audio_duration: histogram(&LATENCY_BUCKETS),
            omni_running: Gauge::default(),
            omni_waiting: Gauge::default(),
            omni_e2e: histogram(&LATENCY_BUCKETS),
            omni_success: Counter::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "vllm:num_requests_running",
            "Number of requests in model execution batches",
            metrics.running.clone(),
        );
        r.register("vllm:num_requests_waiting", "Number of requests waiting to be processed", metrics.waiting.clone());
        r.register(
            "vllm:kv_cache_usage_perc",
            "KV-cache usage. 1 means 100 percent usage",
            metrics.kv_cache_usage.clone(),
        );
        r.register("vllm:prompt_tokens", "Number of prefill tokens processed", metrics.prompt_tokens.clone());
        r.register(
            "vllm:generation_tokens",
            "Number of generation tokens processed",
            metrics.generation_tokens.clone(),
        );
        r.register(
            "vllm:num_preemptions",
            "Cumulative number of preemption from the engine",
            metrics.preemptions.clone(),
        );
        r.register("vllm:request_success", "Count of successfully processed requests", metrics.successes.clone());
        r.register(
            "vllm:time_to_first_token_seconds",
            "Histogram of time to first token in seconds",
            metrics.ttft.clone(),
        );
        r.register(
            "vllm:inter_token_latency_seconds",
            "Histogram of inter-token latency in seconds",
            metrics.itl.clone(),
        );
        r.register(
            "vllm:e2e_request_latency_seconds",
            "Histogram of e2e request latency in seconds",
            metrics.e2e.clone(),
        );
        r.register(
            "vllm:request_queue_time_seconds",
            "Histogram of time spent in WAITING phase for request",
            metrics.queue_time.clone(),
        );
        r.register("vllm_omni:audio_ttfp_s", "Time to first audio packet in seconds", metrics.audio_ttfp.clone());
        r.register("vllm_omni:audio_rtf", "Audio real-time factor", metrics.audio_rtf.clone());
        r.register("vllm_omni:audio_duration_s", "Generated audio duration in seconds", metrics.audio_duration.clone());
        r.register("vllm_omni:num_requests_running", "Pipeline requests in flight", metrics.omni_running.clone());
        r.register("vllm_omni:num_requests_waiting", "Pipeline requests waiting", metrics.omni_waiting.clone());
        r.register(
            "vllm_omni:e2e_request_latency_s",
            "Pipeline end-to-end latency in seconds",
            metrics.omni_e2e.clone(),
        );
        r.register("vllm_omni:requests_success", "Pipeline requests that succeeded", metrics.omni_success.clone());
        Metrics { registry, ..metrics }
    }

    /// Counts a finished request by its finish reason (`stop`, `length`, `abort`).
    pub fn succeeded(&self, finished_reason: &str) {
        self.successes.get_or_create(&vec![("finished_reason".to_owned(), finished_reason.to_owned())]).inc();
        self.omni_success.inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_vllm_families_with_model_labels() {
        let metrics = Metrics::new("Qwen/Qwen3-Omni");
        metrics.running.set(2);
        metrics.succeeded("stop");
        metrics.ttft.observe(0.1);
        let text = metrics.render();
        for line in [
            "vllm:num_requests_running{model_name=\"Qwen/Qwen3-Omni\",engine=\"0\"} 2",
            "vllm:request_success_total{model_name=\"Qwen/Qwen3-Omni\",engine=\"0\",finished_reason=\"stop\"} 1",
            "# TYPE vllm_omni:audio_rtf histogram",
            "# TYPE vllm:kv_cache_usage_perc gauge",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}
