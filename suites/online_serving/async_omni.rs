//! Aborted requests, online: the port of the seed's `tests/e2e/online_serving/test_async_omni.py`.
//!
//! The seed drives `AsyncOmni` in-process: five concurrent generations, three of them cancelled
//! mid-way, the other two must still produce exactly their token budget, and the engine must
//! serve another request afterwards. Online the same thing happens when clients go away: the
//! API server aborts a request whose stream is closed. So this test opens five streams, closes
//! three after their first tokens, reads the other two to the end, sends one more, and checks
//! that `/metrics` shows nothing left running or waiting.
//!
//! The server is the seed's thinker-only topology for this test (its
//! `ci/qwen2_5_omni_thinker_only` overlay): one text stage, on one L4.

use std::time::{Duration, Instant};

use omnitest::prelude::*;
use serde_json::json;

/// One thinker stage that outputs text.
static THINKER_ONLY: Scenario =
    Scenario::vllm_omni("Qwen/Qwen2.5-Omni-7B").stage_configs("ci/qwen2_5_omni_thinker_only.yaml");

const PROMPT: &str = "Hello my name is Robert and ";
const NUM_REQUESTS: usize = 5;
/// What the requests that run to the end generate.
const NUM_EXPECTED_TOKENS: u64 = 100;
/// What the requests that are aborted would generate: long enough to be cut in the middle.
const NUM_EXPECTED_TOKENS_LONG: u64 = 1000;
const REQUEST_IDS_TO_ABORT: [usize; 3] = [1, 2, 3];
/// How long an aborted request may take to leave the engine.
const DRAIN: Duration = Duration::from_secs(20);

/// A text-only request whose thinker generates exactly `max_tokens` (the seed's thinker
/// sampling parameters, with `ignore_eos` so that the count is exact).
fn generate(model: &str, max_tokens: u64) -> OmniRequest {
    let thinker = json!({
        "temperature": 0.4, "top_p": 0.9, "top_k": 1, "max_tokens": max_tokens,
        "repetition_penalty": 1.05, "ignore_eos": true, "seed": 42,
    });
    OmniRequest::new(model, Messages::user(PROMPT))
        .modalities(&[Modality::Text])
        .stream(true)
        .extra("sampling_params_list", json!([thinker]))
}

/// Reads `stream` until its first generated text: the request is then running in the engine.
fn wait_for_first_token(stream: &mut ChatStream, request: usize) -> TestResult {
    while let Some(chunk) = stream.next_chunk()? {
        if chunk["choices"][0]["delta"]["content"].as_str().is_some_and(|text| !text.is_empty()) {
            return Ok(());
        }
    }
    Err(TestError::failure(format!("request-{request} ended before its first token: there was nothing to abort")))
}

/// The sum of a metric over its label sets that contain `label` (`""`: all) in a Prometheus
/// exposition, if it is there.
fn metric(exposition: &str, name: &str, label: &str) -> Option<f64> {
    let values: Vec<f64> = exposition
        .lines()
        .filter(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with(['{', ' '])))
        .filter(|line| line.contains(label))
        .filter_map(|line| line.rsplit(' ').next()?.parse().ok())
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// Requests that ran to their `max_tokens` so far, when the server counts them
/// (`vllm:request_success_total{finished_reason="length"}`).
fn finished_by_length(client: &Client) -> Result<Option<f64>, TestError> {
    let metrics = client.get("/metrics")?.text();
    // A server with vLLM's metrics that shows no sample yet has counted none so far.
    let counted = metrics.contains("vllm:request_success") || metrics.contains("vllm:num_requests_running");
    Ok(counted.then(|| metric(&metrics, "vllm:request_success_total", "finished_reason=\"length\"").unwrap_or(0.0)))
}

/// Waits until `/metrics` shows no request running or waiting.
fn wait_until_idle(client: &Client) -> TestResult {
    let started = Instant::now();
    loop {
        let metrics = client.get("/metrics")?.text();
        let running = metric(&metrics, "vllm:num_requests_running", "")
            .ok_or_else(|| TestError::failure("/metrics has no vllm:num_requests_running gauge"))?;
        let waiting = metric(&metrics, "vllm:num_requests_waiting", "").unwrap_or(0.0);
        if running == 0.0 && waiting == 0.0 {
            return Ok(());
        }
        if started.elapsed() > DRAIN {
            return Err(TestError::failure(format!(
                "{running} request(s) still running and {waiting} waiting {DRAIN:?} after every stream ended: \
                 the aborted requests were not freed"
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

omni_test! {
    /// Requests whose clients go away are aborted without harming the others: of five
    /// concurrent streams, three are dropped after their first tokens; the two others still
    /// generate exactly their budget, the server serves a further request, and no request is
    /// left running.
    /// Deploy Setting: thinker-only yaml
    /// Input Modal: text
    /// Output Modal: text
    /// Input Setting: stream=True, sampling_params_list (thinker: max_tokens, ignore_eos)
    /// Datasets: five concurrent requests, three aborted by the client
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(THINKER_ONLY)]
    fn test_abort_001(server: &Server, client: &Client) -> TestResult {
        let finished_before = finished_by_length(client)?;
        let mut kept = Vec::new();
        let mut aborted = Vec::new();
        for request in 0..NUM_REQUESTS {
            let abort = REQUEST_IDS_TO_ABORT.contains(&request);
            let budget = if abort { NUM_EXPECTED_TOKENS_LONG } else { NUM_EXPECTED_TOKENS };
            let stream = client.open_chat_stream(&generate(server.model(), budget))?;
            if abort { aborted.push((request, stream)) } else { kept.push((request, stream)) }
        }
        // The client goes away in the middle of each long generation.
        for (request, mut stream) in aborted {
            wait_for_first_token(&mut stream, request)?;
            drop(stream);
        }
        for (request, stream) in kept {
            let answer = stream.finish().map_err(|e| e.context(format!("request-{request}")))?;
            check_eq!(
                answer.completion_tokens,
                Some(NUM_EXPECTED_TOKENS),
                "request-{request} generated a different number of tokens than its budget"
            );
        }
        let again = client.open_chat_stream(&generate(server.model(), NUM_EXPECTED_TOKENS))?.finish()?;
        check_eq!(again.completion_tokens, Some(NUM_EXPECTED_TOKENS), "a request after the aborts");
        wait_until_idle(client)?;
        // Only the requests read to the end ran to their budget: the aborted ones stopped.
        if let (Some(before), Some(after)) = (finished_before, finished_by_length(client)?) {
            let expected = (NUM_REQUESTS - REQUEST_IDS_TO_ABORT.len() + 1) as f64;
            check_eq!(after - before, expected, "requests finished by length: the aborted ones must not be among them");
        }
        Ok(())
    }
}
