//! Recorded chat streams put through omnitest's metric code give the numbers `vllm bench serve`
//! gives for them, to the bit. The expected numbers come from `fixtures/vllm_reference.py`, an
//! independent implementation of vLLM's SSE handling, request timing and `calculate_metrics`
//! on numpy; one test checks them, the other that the script still produces them.

use std::path::Path;
use std::process::Command;

use omnitest::bench::load::send::stream::StreamReader;
use omnitest::bench::metric_names::{PercentileMetric, Slo, parse_percentiles};
use omnitest::bench::{Metrics, MetricsOptions, RequestOutcome, ResultMeta, TokenTiming};
use omnitest::prelude::*;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/suites/bench/fixtures");
const STREAMS: &str = include_str!("fixtures/vllm_streams.json");
const EXPECTED: &str = include_str!("fixtures/vllm_reference_expected.json");

fn json(text: &str, what: &str) -> Result<Value, TestError> {
    serde_json::from_str(text).map_err(|e| TestError::harness(format!("{what} is not JSON: {e}")))
}

/// One recorded request replayed through the reader the load generator uses on live sockets.
fn replay(request: &Value) -> Result<RequestOutcome, TestError> {
    let bad = || TestError::harness(format!("malformed recorded request: {request}"));
    let start_s = request["start_s"].as_f64().ok_or_else(bad)?;
    let prompt_len = request["prompt_len"].as_u64().ok_or_else(bad)?;
    let reads = request["reads"].as_array().ok_or_else(bad)?;
    let mut reader = StreamReader::new(16);
    let mut last_s = start_s;
    for read in reads {
        let (Some(at_s), Some(bytes)) = (read[0].as_f64(), read[1].as_str()) else { return Err(bad()) };
        reader.push(bytes.as_bytes(), at_s);
        last_s = at_s;
    }
    Ok(reader.finish(last_s, start_s, prompt_len, TokenTiming::PerChunk, None).outcome)
}

/// The result file omnitest writes for the recording.
fn our_result(streams: &Value) -> Result<Value, TestError> {
    let setting = |key: &str| streams[key].as_str().ok_or_else(|| TestError::harness(format!("no `{key}`")));
    let options = MetricsOptions {
        percentile_metrics: PercentileMetric::parse_list(setting("percentile_metrics")?)?,
        percentiles: parse_percentiles(setting("metric_percentiles")?)?,
        goodput: Slo::parse_list(setting("goodput")?)?,
        ..MetricsOptions::default()
    };
    let requests = streams["requests"].as_array().ok_or_else(|| TestError::harness("no `requests`"))?;
    let outcomes = requests.iter().map(replay).collect::<Result<Vec<_>, _>>()?;
    let duration_s = streams["duration_s"].as_f64().ok_or_else(|| TestError::harness("no `duration_s`"))?;
    let metrics = Metrics::calculate(&outcomes, duration_s, &options);
    Ok(metrics.to_result_json(&ResultMeta { save_detailed: true, ..ResultMeta::default() }))
}

/// Every key of `expected` must be in `ours` with the same value; floats compared bit for bit.
fn compare(expected: &Value, ours: &Value) -> Result<(), TestError> {
    let expected = expected.as_object().ok_or_else(|| TestError::harness("the reference is not an object"))?;
    let mut differences = Vec::new();
    for (key, want) in expected {
        let got = &ours[key];
        if key == "errors" {
            // vLLM's wording, not ours: only which requests failed must agree.
            let failed = |v: &Value| -> Vec<bool> {
                v.as_array().map(|a| a.iter().map(|e| e.as_str() != Some("")).collect()).unwrap_or_default()
            };
            if failed(want) != failed(got) {
                differences.push(format!("errors: expected failures {:?}, ours {:?}", failed(want), failed(got)));
            }
        } else if !same(want, got) {
            differences.push(format!("{key}: vLLM {want}, omnitest {got}"));
        }
    }
    check!(differences.is_empty(), "{} difference(s):\n{}", differences.len(), differences.join("\n"));
    Ok(())
}

/// Equal JSON, with numbers compared as f64 bits (`4` and `4.0` are the same number).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits) && x.as_f64().is_some()
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(key, value)| y.get(key).is_some_and(|other| same(value, other)))
        }
        _ => a == b,
    }
}

omni_test! {
    /// Six recorded chat streams (a role-only first chunk, chunks of several tokens, a trailing
    /// usage chunk, messages packed into and split across reads, a read ending before a blank
    /// line, pings, a failure, a one-token answer) through omnitest's SSE reader and metrics
    /// give exactly the result keys vLLM's formulas give: counts, throughputs, goodput, peaks,
    /// per-request TTFT and ITL, and mean/median/std/p50/p90/p99/p99.9 of TTFT, TPOT, ITL, E2EL.
    /// Deploy Setting: none (recorded streams)
    /// Input Modal: SSE bytes with read times
    /// Output Modal: a vLLM result file
    /// Input Setting: --percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 50,90,99,99.9 --goodput
    /// Datasets: suites/bench/fixtures/vllm_streams.json
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_recorded_streams_give_vllm_numbers_001() -> TestResult {
        let ours = our_result(&json(STREAMS, "the recording")?)?;
        compare(&json(EXPECTED, "the reference's numbers")?, &ours)
    }

    /// The checked-in expected numbers are what the independent reference computes now, so
    /// that they cannot drift from it (needs python3 with numpy; ignored without).
    /// Deploy Setting: none
    /// Input Modal: the recorded streams
    /// Output Modal: the reference's numbers
    /// Input Setting: python3 vllm_reference.py vllm_streams.json
    /// Datasets: suites/bench/fixtures/vllm_streams.json
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_reference_numbers_are_current_001() -> TestResult {
        let python = "python3";
        let has_numpy = Command::new(python).args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success());
        if !has_numpy {
            return Err(TestError::ignored(format!("`{python}` has no numpy (pip install numpy)")));
        }
        let output = Command::new(python)
            .arg(Path::new(FIXTURES).join("vllm_reference.py"))
            .arg(Path::new(FIXTURES).join("vllm_streams.json"))
            .output()
            .map_err(|e| TestError::harness(format!("cannot run {python}: {e}")))?;
        check!(output.status.success(), "the reference failed:\n{}", String::from_utf8_lossy(&output.stderr));
        let now = json(&String::from_utf8_lossy(&output.stdout), "the reference's output")?;
        check!(
            same(&now, &json(EXPECTED, "the checked-in numbers")?),
            "vllm_reference_expected.json is stale: regenerate it with the command in vllm_reference.py"
        );
        Ok(())
    }
}
