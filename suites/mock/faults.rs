//! Each fault mode, observed from outside the mock process as a client would see it.

use std::time::{Duration, Instant};

use omnitest::client::ErrorShape;
use omnitest::prelude::*;
use serde_json::json;

const MODEL: &str = "Qwen/Qwen3-Omni-30B-A3B-Instruct";

static HEALTHY: Scenario =
    Scenario::mock(MODEL, "qwen3-omni").id("healthy").args(&["--ttft-ms", "5", "--itl-ms", "20"]).per_test();
static OOM_NESTED: Scenario = Scenario::mock(MODEL, "qwen3-omni").id("oom_nested").args(&["--fault", "oom"]).per_test();
static OOM_FLAT: Scenario =
    Scenario::mock(MODEL, "qwen3-omni").id("oom_flat").args(&["--fault", "oom=flat"]).per_test();
static HANG: Scenario = Scenario::mock(MODEL, "qwen3-omni").id("hang").args(&["--fault", "hang"]).per_test();
static SLOW: Scenario = Scenario::mock(MODEL, "qwen3-omni")
    .id("slow")
    .args(&["--ttft-ms", "1", "--itl-ms", "1", "--jitter", "0", "--fault", "slow=40"])
    .per_test();
static TRUNCATE: Scenario =
    Scenario::mock(MODEL, "qwen3-omni").id("truncate").args(&["--fault", "truncate=3"]).per_test();
static LEAK: Scenario = Scenario::mock(MODEL, "text")
    .id("leak")
    .args(&["--ttft-ms", "1", "--itl-ms", "0", "--fault", "leak-kib=4096"])
    .per_test();
static EXIT: Scenario = Scenario::mock(MODEL, "qwen3-omni").id("exit").args(&["--fault", "exit=7"]).per_test();
static DEGRADE: Scenario = Scenario::mock(MODEL, "text")
    .id("degrade")
    .args(&["--ttft-ms", "0", "--itl-ms", "1", "--jitter", "0", "--fault", "degrade-ms=2"])
    .per_test();

fn text_request(model: &str, stream: bool, max_tokens: u32) -> OmniRequest {
    OmniRequest::new(model, Messages::user("hello")).modalities(&[Modality::Text]).stream(stream).max_tokens(max_tokens)
}

fn chat_body(model: &str) -> serde_json::Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hello"}], "modalities": ["text"], "max_tokens": 4})
}

omni_test! {
    /// Engine death: `/health` answers 503 unhealthy and new requests fail at once with a 500
    /// carrying vLLM's error object.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(HEALTHY)]
    fn test_dead_engine_is_unhealthy_and_fails_fast(server: &Server, client: &Client) -> TestResult {
        check_eq!(client.post_json("/omnitest/faults", &json!({"dead": true}))?.status, 200);
        let health = client.health()?;
        check_eq!((health.status, health.json.clone()), (503, Some(json!({"status": "unhealthy"}))));
        let started = Instant::now();
        let answer = client.post_json("/v1/chat/completions", &chat_body(server.model()))?;
        check!(started.elapsed() < Duration::from_secs(5), "failing took {:?}", started.elapsed());
        check_http_error(&answer, &[500], &["EngineCore encountered an issue"])?;
        check!(answer.error().is_some_and(|e| e.code == Some(json!(500))), "no error object with code 500: {}", answer.text());
        Ok(())
    }

    /// Engine death during a stream: the open stream receives an error chunk inside the 200,
    /// which the client reports as a failure.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(HEALTHY)]
    fn test_death_mid_stream_sends_an_error_chunk(server: &Server, client: &Client) -> TestResult {
        let outcome = std::thread::scope(|scope| {
            let stream = scope.spawn(|| client.send_omni_request(&text_request(server.model(), true, 200), 1));
            std::thread::sleep(Duration::from_millis(300));
            let killed = client.post_json("/omnitest/faults", &json!({"dead": true}));
            (stream.join(), killed)
        });
        check_eq!(outcome.1?.status, 200);
        match outcome.0 {
            Ok(Err(err)) => check!(err.message().contains("error chunk inside a 200 stream"), "{}", err.message()),
            Ok(Ok(_)) => return Err(TestError::failure("the stream completed although the engine died")),
            Err(_) => return Err(TestError::failure("the streaming thread panicked")),
        }
        check_eq!(client.health()?.status, 503);
        Ok(())
    }

    /// OOM: requests fail with a 5xx error object in the nested shape.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OOM_NESTED)]
    fn test_oom_nested_error_contract(server: &Server, client: &Client) -> TestResult {
        let answer = client.post_json("/v1/chat/completions", &chat_body(server.model()))?;
        check_http_error(&answer, &[500], &["CUDA out of memory"])?;
        check_eq!(answer.error().map(|e| e.shape), Some(ErrorShape::Nested));
        check_eq!(client.health()?.status, 200);
        Ok(())
    }

    /// OOM with the older flat error shape.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OOM_FLAT)]
    fn test_oom_flat_error_contract(server: &Server, client: &Client) -> TestResult {
        let answer = client.post_json("/v1/chat/completions", &chat_body(server.model()))?;
        check_eq!(answer.status, 500);
        check_eq!(answer.error().map(|e| e.shape), Some(ErrorShape::Flat));
        Ok(())
    }

    /// Hang: requests are accepted and never answered, while `/health` stays 200; clearing the
    /// fault through the admin route lets requests through again.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(HANG)]
    fn test_hang_never_answers_until_cleared(server: &Server, client: &Client) -> TestResult {
        let impatient = client.clone().with_timeout(Duration::from_millis(800));
        match impatient.post_json("/v1/chat/completions", &chat_body(server.model())) {
            Err(err) => check!(err.message().contains("timed out"), "{}", err.message()),
            Ok(answer) => return Err(TestError::failure(format!("a hung server answered {}", answer.status))),
        }
        check_eq!(client.health()?.status, 200);
        check_eq!(client.delete("/omnitest/faults")?.status, 200);
        check_eq!(client.post_json("/v1/chat/completions", &chat_body(server.model()))?.status, 200);
        Ok(())
    }

    /// Slow stream: every token takes the slow factor longer (40 × 1 ms here), so 20 tokens
    /// take at least 0.8 s. A lower bound: a slow machine cannot make it fail.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(SLOW)]
    fn test_slow_stream_stretches_every_token(server: &Server, client: &Client) -> TestResult {
        let response = client.send_omni_request(&text_request(server.model(), true, 20), 1)?.remove(0);
        check!(response.e2e_latency >= Duration::from_millis(760), "20 slow tokens took only {:?}", response.e2e_latency);
        Ok(())
    }

    /// Truncated stream: it stops after 3 chunks without `[DONE]`; the client fails the
    /// request instead of hanging or passing.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TRUNCATE)]
    fn test_truncated_stream_is_a_failed_request(server: &Server, client: &Client) -> TestResult {
        match client.send_omni_request(&text_request(server.model(), true, 50), 1) {
            Err(err) => check!(err.message().contains("ended without [DONE] after 3 chunk(s)"), "{}", err.message()),
            Ok(_) => return Err(TestError::failure("a truncated stream passed")),
        }
        Ok(())
    }

    /// Memory leak: the server's resident memory grows by the leak per request.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(LEAK)]
    fn test_leak_grows_resident_memory(server: &Server, client: &Client) -> TestResult {
        let pid = server.pid().ok_or_else(|| TestError::harness("the mock has no pid"))?;
        let before = resident_kib(pid)?;
        for _ in 0..8 {
            check_eq!(client.post_json("/v1/chat/completions", &chat_body(server.model()))?.status, 200);
        }
        let grown = resident_kib(pid)? - before;
        check!(grown >= 8 * 4096 * 9 / 10, "8 requests leaking 4 MiB each grew RSS by only {grown} KiB");
        Ok(())
    }

    /// Exit: the process exits with the given code on the next request.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(EXIT)]
    fn test_exit_fault_ends_the_process_with_its_code(server: &Server, client: &Client) -> TestResult {
        let answer = client.post_json("/v1/chat/completions", &chat_body(server.model()));
        check!(answer.is_err(), "the request got an answer from an exiting server");
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.exit_status().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        check_eq!(server.exit_status(), Some("exit status: 7".to_owned()));
        Ok(())
    }

    /// Degradation: each request's tokens get slower by 2 ms per request served before, so the
    /// sixth request of 10 tokens takes at least 100 ms. A lower bound.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(DEGRADE)]
    fn test_degradation_grows_latency_per_request(server: &Server, client: &Client) -> TestResult {
        let mut last = Duration::ZERO;
        for _ in 0..6 {
            last = client.send_omni_request(&text_request(server.model(), true, 10), 1)?.remove(0).e2e_latency;
        }
        check!(last >= Duration::from_millis(100), "the sixth request took only {last:?}");
        Ok(())
    }
}

fn resident_kib(pid: u32) -> Result<i64, TestError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| TestError::harness(format!("no VmRSS for process {pid}")))
}
