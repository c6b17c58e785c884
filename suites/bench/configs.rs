//! A malformed perf config is rejected whole before any server starts, with an error naming the
//! file, the JSON path and the problem: by `omnitest bench` (exit status 2, nothing started,
//! nothing written) and by the harness, whose generator would stop the run at start-up.

use std::process::Command;

use omnitest::bench::trials::generate;
use omnitest::prelude::*;
use omnitest::registry::GenerateContext;
use serde_json::json;

/// A valid one-case config with `entry`'s keys set over a valid entry.
fn config_with(entry: serde_json::Value) -> String {
    let mut base = json!({"backend": "openai-chat", "num_prompts": [4, 8], "max_concurrency": [1, 2]});
    if let (Some(base), Some(changes)) = (base.as_object_mut(), entry.as_object()) {
        for (key, value) in changes {
            base.insert(key.clone(), value.clone());
        }
    }
    json!([{"test_name": "test_bad", "mark": ["cpu"], "server_params": {"model": "m"}, "benchmark_params": [base]}])
        .to_string()
}

/// `(file name, content, the error omnitest must print)`.
fn malformed() -> Vec<(&'static str, String, String)> {
    let entry = "[0].benchmark_params[0]";
    vec![
        (
            "mismatched_sweep.json",
            config_with(json!({"num_prompts": [4, 8, 16]})),
            format!("mismatched_sweep.json: {entry}.num_prompts: has 3 values but max_concurrency has 2"),
        ),
        (
            "baseline_length.json",
            config_with(json!({"baseline": {"mean_ttft_ms": [100, 200, 300]}})),
            format!("baseline_length.json: {entry}.baseline.mean_ttft_ms: has 3 value(s) but the sweep has 2 step(s)"),
        ),
        (
            "unknown_option.json",
            config_with(json!({"random_input_length": 100})),
            format!("unknown_option.json: {entry}.random_input_length: option `random_input_length` is not supported"),
        ),
        (
            "unknown_backend.json",
            config_with(json!({"backend": "openai-chatt"})),
            format!("unknown_backend.json: {entry}.backend: unknown backend `openai-chatt`"),
        ),
        (
            "both_modes.json",
            config_with(json!({"request_rate": [1, 2]})),
            format!("both_modes.json: {entry}: gives both request_rate and max_concurrency"),
        ),
        (
            "syntax.json",
            "[{\"test_name\": \"t\",\n  \"server_params\": {\"model\": \"m\"},,\n}]".to_owned(),
            "syntax.json:2:35: not valid JSON".to_owned(),
        ),
    ]
}

omni_test! {
    /// `omnitest bench` rejects each malformed config with exit status 2 and one error line
    /// naming the file, the JSON path and the problem, before it starts a server or writes a
    /// result (its output folder is never created).
    /// Deploy Setting: none (nothing may start)
    /// Input Modal: perf configs with mismatched sweep lists, a baseline list of the wrong
    /// length, an unknown option, an unknown backend, both load modes, a JSON syntax error
    /// Output Modal: the error
    /// Input Setting: omnitest bench FILE --backend mock
    /// Datasets: none
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_malformed_configs_start_nothing_001(ctx: &TestContext) -> TestResult {
        let dir = ctx.output_dir()?;
        for (name, content, expected) in malformed() {
            let file = dir.join(name);
            std::fs::write(&file, content)?;
            let output_dir = dir.join(format!("{name}.out"));
            let mut command = Command::new(env!("CARGO_BIN_EXE_omnitest"));
            command.current_dir(dir).arg("bench").arg(name).args(["--backend", "mock", "--output-dir"]).arg(&output_dir);
            let output = super::without_omnitest_env(&mut command).output()?;
            let stderr = String::from_utf8_lossy(&output.stderr);
            check_eq!(output.status.code(), Some(2), "{name}: {stderr}");
            check!(stderr.starts_with(&format!("error: {expected}")), "{name}: expected `{expected}`, got:\n{stderr}");
            check!(!output_dir.exists(), "{name}: {} was created, so the run went ahead", output_dir.display());
        }
        Ok(())
    }

    /// The harness's generator of perf trials fails on the same configs with the same errors,
    /// which stops the harness while it collects the tests, before any trial runs.
    /// Deploy Setting: none
    /// Input Modal: a repository root whose baselines/perf holds one malformed config
    /// Output Modal: the generator's error
    /// Input Setting: the perf-config generator
    /// Datasets: none
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_malformed_configs_stop_the_harness_001(ctx: &TestContext) -> TestResult {
        for (name, content, expected) in malformed() {
            let root = ctx.output_dir()?.join(name.trim_end_matches(".json"));
            let perf = root.join("baselines/perf");
            std::fs::create_dir_all(&perf)?;
            std::fs::write(perf.join(name), content)?;
            let error = match generate(&GenerateContext { root }) {
                Ok(cases) => return Err(TestError::failure(format!("{name}: {} trials generated", cases.len()))),
                Err(error) => error.to_string(),
            };
            let (_, problem) = expected.split_once(": ").unwrap_or(("", &expected));
            check!(error.contains(name) && error.contains(problem), "{name}: expected `{expected}`, got `{error}`");
        }
        Ok(())
    }
}
