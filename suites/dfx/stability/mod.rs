//! The soak runner against the mock: a clean soak passes, the mock's leak fault fails it for a
//! leak and its degradation fault for latency drift, and `omnitest soak` rejects malformed
//! configs and exits non-zero on a failing verdict.

mod cli;
mod mock_soak;

use std::path::Path;

use omnitest::prelude::*;
use omnitest::soak::settings::MOCK_LEAK_THRESHOLD_MB_PER_HOUR;
use omnitest::soak::{SoakReport, SoakServer, SoakSettings, StabilityConfig, run_soak};
use serde_json::json;

/// The soak the mock tests run: 12 s of streamed chat at concurrency 4 in batches of 10, each
/// batch drawing its prompt and answer lengths, sampled every 0.5 s after a 3 s warm-up.
///
/// The leak threshold is the mock's 5000 MB/h rather than the default 50: a fresh mock's
/// allocator still grows in its first seconds, tens of MB/h over a run this short (it levels
/// off later), and the leak fault adds about 20 GB/h: 5000 sits four times below the fault and
/// far above a clean text mock.
pub(crate) fn soak_config(model: &str, duration_s: f64) -> serde_json::Value {
    json!([{
        "test_name": "test_mock_soak",
        "mark": ["cpu"],
        "server_params": {"model": model},
        "benchmark_params": [{
            "backend": "openai-chat", "dataset_name": "random",
            "duration_sec": duration_s, "max_concurrency": 4, "num_prompts_per_batch": 10,
            "random_input_len": "16-64", "random_output_len": "8-24", "disable_tqdm": true,
            "sample_interval_sec": 0.5, "warmup_sec": 3, "drain_sec": 10,
            "leak_threshold_mb_per_hour": MOCK_LEAK_THRESHOLD_MB_PER_HOUR
        }]
    }])
}

/// Runs the soak of [`soak_config`] against `server`, writing its samples, charts and verdict
/// into the test's folder (not to stdout: two of the soaks must fail, and a passing run should
/// not print a verdict of FAILED).
pub(crate) fn soak(ctx: &TestContext, server: &Server) -> Result<SoakReport, TestError> {
    let config = StabilityConfig::parse(&soak_config(server.model(), 12.0).to_string(), Path::new("mock_soak.json"))?;
    let case = &config.cases[0];
    let entry = &case.entries[0];
    let settings = SoakSettings::for_entry(entry, None);
    let target = SoakServer { url: server.url(), model: server.model(), pid: server.pid() };
    Ok(run_soak(&config.file, case, entry, target, &settings, ctx.output_dir()?)?)
}
