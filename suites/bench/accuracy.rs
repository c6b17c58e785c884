//! The load generator reports what the server did, not what the client added: against a mock
//! that answers after exactly 100 ms and then streams a token every 20 ms, the reported mean
//! TTFT and ITL are the settings. The margins here are wide, because the test shares its machine
//! with the others; the tight figures (256 streams, within 2%) are a benchmark in
//! docs/PERFORMANCE.md (`omnitest bench calibrate --ttft-ms 100 --itl-ms 20`).

use omnitest::bench::step::{ServerRef, StepSettings, run_step};
use omnitest::prelude::*;
use serde_json::{Value, json};

use super::steps_of;

/// Exact timing: no jitter, room for every stream at once.
static PACED: Scenario = Scenario::mock("omnitest/paced", "text").id("paced").args(&[
    "--ttft-ms",
    "100",
    "--itl-ms",
    "20",
    "--jitter",
    "0",
    "--mock-max-num-seqs",
    "256",
]);

fn metric(result: &Value, key: &str) -> Result<f64, TestError> {
    result[key].as_f64().ok_or_else(|| TestError::failure(format!("the result has no `{key}`:\n{result:#}")))
}

omni_test! {
    /// 128 streamed chat requests, 64 at a time, of 16 tokens each: the mean TTFT is 100 ms and
    /// the mean ITL 20 ms within wide margins, every request completes, and the generator's
    /// own p99 dispatch lag stays far below the run's timescale.
    /// Deploy Setting: the mock, --ttft-ms 100 --itl-ms 20 --jitter 0
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: openai-chat-omni (per-token ITL), max_concurrency 64, num_prompts 128,
    /// random_output_len 16
    /// Datasets: random
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(PACED)]
    fn test_reported_ttft_and_itl_are_the_servers_001(ctx: &TestContext, server: &Server) -> TestResult {
        let config = json!([{
            "test_name": "paced",
            "mark": ["cpu"],
            "server_params": {"model": server.model()},
            "benchmark_params": [{
                "backend": "openai-chat-omni", "dataset_name": "random", "random_input_len": 16,
                "random_output_len": 16, "num_prompts": 128, "max_concurrency": 64, "num_warmups": 1,
                "percentile-metrics": "ttft,itl,e2el", "disable_tqdm": true
            }]
        }]);
        let steps = steps_of(&config, "paced.json")?;
        let (step, spec) = &steps[0];
        let settings = StepSettings { health_advisory: true, ..StepSettings::default() };
        let target = ServerRef { url: server.url(), model: server.model() };
        let report = run_step(step, spec, target, ctx.output_dir()?, &settings)?;
        let result = &report.result;
        println!("{}", report.render());
        check_eq!(result["completed"], json!(128), "every request completes");
        let ttft = metric(result, "mean_ttft_ms")?;
        let itl = metric(result, "mean_itl_ms")?;
        check!((95.0..=130.0).contains(&ttft), "mean TTFT {ttft:.2} ms is not about the mock's 100 ms");
        check!((17.0..=23.0).contains(&itl), "mean ITL {itl:.3} ms is not about the mock's 20 ms");
        let lag = metric(&result["client_health"], "dispatch_lag_p99_ms")?;
        check!(lag < 25.0, "p99 dispatch lag {lag:.2} ms: the generator fell behind");
        Ok(())
    }
}
