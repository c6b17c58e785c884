use std::path::Path;

use serde_json::json;

use super::*;
use crate::bench::config::PerfConfig;
use crate::bench::metrics::Metrics;
use crate::bench::request::{AudioOutcome, RequestOutcome};
use crate::bench::result_json::ResultMeta;
use crate::bench::testdata::ASYNC_CHUNK;

fn spec(value: serde_json::Value) -> BaselineSpec {
    BaselineSpec::parse(&value, &JsonPath::root().key("baseline")).unwrap().unwrap()
}

/// The steps of a one-entry concurrency sweep over `caps`, without a baseline of their own.
fn steps(caps: &[u32]) -> Vec<SweepStep> {
    let case = json!([{"test_name": "t", "mark": ["cpu"], "server_params": {"model": "m"},
        "benchmark_params": [{"num_prompts": 8, "max_concurrency": caps}]}]);
    PerfConfig::parse(&case.to_string(), Path::new("perf/t.json")).unwrap().steps().unwrap()
}

fn values(resolved: &[StepBaseline]) -> Vec<(&str, f64)> {
    resolved.iter().map(|b| (b.metric.as_str(), b.value)).collect()
}

#[test]
fn every_threshold_form_resolves_per_step() {
    let baseline = spec(json!({
        "mean_ttft_ms": [500, 800],
        "p99_e2el_ms": {"1": 9000, "4.0": 12000},
        "output_throughput": 40,
        "mean_itl_ms": null,
        "mean_tpot_ms": [null, 30],
    }));
    let steps = steps(&[1, 4]);
    assert_eq!(
        values(&baseline.resolve(&steps[0], None).unwrap()),
        [("mean_ttft_ms", 500.0), ("output_throughput", 40.0), ("p99_e2el_ms", 9000.0)]
    );
    assert_eq!(
        values(&baseline.resolve(&steps[1], None).unwrap()),
        [("mean_tpot_ms", 30.0), ("mean_ttft_ms", 800.0), ("output_throughput", 40.0), ("p99_e2el_ms", 12000.0)]
    );
}

#[test]
fn the_direction_follows_the_name() {
    assert_eq!(Bound::for_metric("audio_throughput"), Bound::Lower);
    assert_eq!(Bound::for_metric("request_goodput"), Bound::Lower);
    assert_eq!(Bound::for_metric("total_token_throughput"), Bound::Lower);
    assert_eq!(Bound::for_metric("mean_audio_rtf"), Bound::Upper);
    assert_eq!(Bound::for_metric("max_output_tokens_per_s"), Bound::Upper, "the rule reads names, not meanings");
}

#[test]
fn per_hardware_baselines_are_told_apart_from_per_load_objects() {
    let per_hardware = spec(json!({"H100": {"mean_ttft_ms": 100}, "L4": {"mean_ttft_ms": {"1": 300}}}));
    assert_eq!(per_hardware.hardware_labels(), ["H100", "L4"]);
    let per_load = spec(json!({"mean_ttft_ms": {"1": 100, "4": 200}}));
    assert!(per_load.hardware_labels().is_empty());
    let step = &steps(&[1])[0];
    assert_eq!(values(&per_hardware.resolve(step, Some("L4")).unwrap()), [("mean_ttft_ms", 300.0)]);
    assert_eq!(
        per_hardware.resolve(step, None).unwrap_err().to_string(),
        "perf/t.json: baseline: the baseline is per hardware (H100, L4); name the hardware"
    );
}

#[test]
fn malformed_thresholds_are_named() {
    let err = BaselineSpec::parse(&json!({"mean_ttft_ms": [100, "x"]}), &JsonPath::root().key("baseline")).unwrap_err();
    assert_eq!(
        (err.path.to_string(), err.problem),
        ("baseline.mean_ttft_ms[1]".to_owned(), "expected a number or null, found the string \"x\"".to_owned())
    );
    let mixed = BaselineSpec::parse(&json!({"H100": {"mean_ttft_ms": 1}, "mean_e2el_ms": 5}), &JsonPath::root());
    let problem = mixed.unwrap_err().problem;
    assert!(problem.starts_with("key `mean_ttft_ms` is neither a concurrency nor a request rate"), "{problem}");
    assert_eq!(BaselineSpec::parse(&json!({}), &JsonPath::root()), Ok(None), "an empty baseline asserts nothing");
}

/// From per-request outcomes to a verdict table, for the async-chunk QPS case on H100.
#[test]
fn a_run_is_checked_against_its_step_baseline() {
    let config = PerfConfig::parse(ASYNC_CHUNK, Path::new("perf/qwen3_omni_async_chunk.json")).unwrap();
    let steps = config.steps().unwrap();
    let step = steps.iter().find(|s| s.label == "qps=0.5,n=10").unwrap();
    let outcomes: Vec<RequestOutcome> = (0..10)
        .map(|i| RequestOutcome {
            success: true,
            prompt_len: 100,
            output_tokens: Some(100),
            ttft_s: 0.2,
            itl_s: vec![0.03; 99],
            latency_s: 3.0 + f64::from(i) * 0.2,
            start_time_s: f64::from(i) * 2.0,
            audio: Some(AudioOutcome { ttfp_s: 0.6, duration_s: 30.0, frames: 720_000, rtf: 0.125 }),
            ..RequestOutcome::default()
        })
        .collect();
    let metrics = Metrics::calculate(&outcomes, 20.0, &step.metrics_options().unwrap());
    let result = metrics.to_result_json(&ResultMeta { num_prompts: 10, ..ResultMeta::default() });
    let checks = evaluate(&step.baselines(Some("H100")).unwrap(), &result);
    // E2EL averages 3.9 s (≤ 4059.0878 ms), RTF 0.125 (≤ 0.1335), and 300 s of audio in 20 s is
    // 15 audio seconds per second (≥ 1.5).
    assert!(checks.iter().all(|c| c.passed), "{}", render_markdown(&checks));
    let table = render_markdown(&checks);
    assert!(table.contains("| mean_e2el_ms | ≤ 4059.0878 | 3900 | +3.9% | pass |"), "{table}");
    assert!(table.contains("| audio_throughput | ≥ 1.5 | 15 | +900.0% | pass |"), "{table}");
}
