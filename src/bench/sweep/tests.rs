use serde_json::json;

use super::*;
use crate::bench::testdata::{ASYNC_CHUNK, SEED_EXAMPLE};

fn config(text: &str) -> PerfConfig {
    PerfConfig::parse(text, Path::new("perf/test.json")).unwrap()
}

/// The steps of a one-case config whose single entry is `entry`.
fn steps_of(entry: serde_json::Value) -> Result<Vec<SweepStep>, SweepError> {
    let case =
        json!([{"test_name": "t", "mark": ["cpu"], "server_params": {"model": "m"}, "benchmark_params": [entry]}]);
    config(&case.to_string()).steps()
}

fn labels(steps: &[SweepStep]) -> Vec<&str> {
    steps.iter().map(|s| s.label.as_str()).collect()
}

#[test]
fn the_seed_example_is_a_concurrency_sweep() {
    let steps = config(SEED_EXAMPLE).steps().unwrap();
    assert_eq!(steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["test_qwen3_omni-0-0", "test_qwen3_omni-0-1"]);
    assert_eq!(labels(&steps), ["c=1,n=10", "c=4,n=20"]);
    assert_eq!(steps[1].request_rate(), RequestRate::Infinite, "concurrency mode sends at rate inf");
    assert_eq!(steps[1].max_concurrency(), Some(4));
    let baselines = steps[1].baselines(None).unwrap();
    let ttft = baselines.iter().find(|b| b.metric == "mean_ttft_ms").unwrap();
    assert_eq!(ttft.value, 800.0);
}

#[test]
fn the_async_chunk_excerpt_has_five_steps_and_a_per_hardware_qps_sweep() {
    let steps = config(ASYNC_CHUNK).steps().unwrap();
    assert_eq!(
        labels(&steps),
        ["c=1,n=4", "c=4,n=16", "c=8,n=32", "c=16,n=64", "c=32,n=128", "qps=0.1,n=10", "qps=0.5,n=10", "qps=inf,n=10",]
    );
    assert_eq!(steps[4].baselines(None).unwrap()[1].value, 41150.9);
    // The per-hardware case: a list by position, an object by rate, a scalar for every step.
    let at_inf = &steps[7];
    let h100 = at_inf.baselines(Some("H100")).unwrap();
    let values: Vec<(&str, f64)> = h100.iter().map(|b| (b.metric.as_str(), b.value)).collect();
    assert_eq!(values, [("audio_throughput", 1.5), ("mean_audio_rtf", 0.1798), ("mean_e2el_ms", 5639.5769)]);
    // A3 leaves the RTF unbounded.
    let a3 = at_inf.baselines(Some("a3")).unwrap();
    assert_eq!(a3.iter().map(|b| b.metric.as_str()).collect::<Vec<_>>(), ["mean_e2el_ms"]);
    assert_eq!(
        at_inf.baselines(Some("L4")).unwrap_err().to_string(),
        "perf/test.json: [1].benchmark_params[0].baseline: no thresholds for hardware `L4` (listed: A3, H100)"
    );
}

#[test]
fn single_values_broadcast() {
    let steps = steps_of(json!({"num_prompts": 10, "request_rate": [0.5, 1, "inf"]})).unwrap();
    assert_eq!(labels(&steps), ["qps=0.5,n=10", "qps=1,n=10", "qps=inf,n=10"]);
    let steps = steps_of(json!({"num_prompts": [10, 20], "max_concurrency": 8})).unwrap();
    assert_eq!(labels(&steps), ["c=8,n=10", "c=8,n=20"]);
    let steps = steps_of(json!({"num_prompts": 5, "request_rate": 2})).unwrap();
    assert_eq!((labels(&steps), steps[0].steps_in_entry), (vec!["qps=2,n=5"], 1));
}

#[test]
fn exactly_one_mode_is_required() {
    let both = steps_of(json!({"num_prompts": 10, "request_rate": 1, "max_concurrency": 4})).unwrap_err();
    assert_eq!(
        both.to_string(),
        "perf/test.json: [0].benchmark_params[0]: gives both request_rate and max_concurrency; a sweep varies one of \
         them (QPS mode or concurrency mode, where the rate is inf), so remove the other"
    );
    let neither = steps_of(json!({"num_prompts": 10})).unwrap_err();
    assert_eq!(
        neither.to_string(),
        "perf/test.json: [0].benchmark_params[0]: gives neither request_rate nor max_concurrency; give one (QPS mode \
         or concurrency mode)"
    );
}

#[test]
fn lists_of_different_lengths_are_an_error() {
    let err = steps_of(json!({"num_prompts": [10, 20, 30], "max_concurrency": [1, 4]})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "perf/test.json: [0].benchmark_params[0].num_prompts: has 3 values but max_concurrency has 2; give one \
         value or one per step"
    );
}

#[test]
fn baseline_shapes_are_checked_against_the_sweep() {
    let short = steps_of(json!({"num_prompts": 10, "max_concurrency": [1, 4], "baseline": {"mean_ttft_ms": [500]}}));
    assert_eq!(
        short.unwrap_err().to_string(),
        "perf/test.json: [0].benchmark_params[0].baseline.mean_ttft_ms: has 1 value(s) but the sweep has 2 step(s); \
         give one per step"
    );
    let keyed =
        steps_of(json!({"num_prompts": 10, "max_concurrency": [1, 4], "baseline": {"mean_ttft_ms": {"1": 5, "8": 9}}}));
    assert_eq!(
        keyed.unwrap_err().to_string(),
        "perf/test.json: [0].benchmark_params[0].baseline.mean_ttft_ms: has no threshold for concurrency 4 (keys: \"1\", \"8\")"
    );
}

#[test]
fn steps_carry_their_metric_options_and_cli_arguments() {
    let steps = config(ASYNC_CHUNK).steps().unwrap();
    let options = steps[5].metrics_options().unwrap();
    assert_eq!(options.percentile_metrics.len(), 7);
    assert_eq!(options.percentiles, [50.0, 99.0]);
    assert_eq!(options.request_rate, RequestRate::Finite(0.1));
    assert_eq!(options.max_concurrency, None);
    let args = steps[1].bench_cli_args();
    assert_eq!(args[args.len() - 6..], ["--max-concurrency", "4", "--num-prompts", "16", "--request-rate", "inf"]);
    assert!(
        args.windows(2)
            .any(|w| w == ["--percentile-metrics", "ttft,tpot,itl,e2el,audio_rtf,audio_ttfp,audio_duration"])
    );

    let defaults = steps_of(json!({"num_prompts": 3, "request_rate": 1, "goodput": ["ttft:200", "e2el:900"]})).unwrap();
    let options = defaults[0].metrics_options().unwrap();
    assert_eq!(options.percentile_metrics, MetricsOptions::default().percentile_metrics);
    assert_eq!(options.goodput.len(), 2);
    let bad = steps_of(json!({"num_prompts": 3, "request_rate": 1, "percentile-metrics": "ttft,latency"})).unwrap();
    assert!(bad[0].metrics_options().unwrap_err().to_string().starts_with("unknown percentile metric `latency`"));
}
