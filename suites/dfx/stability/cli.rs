//! `omnitest soak`: a malformed config is rejected before any server starts, naming the file,
//! the JSON path and the problem (exit status 2), and a soak that fails its verdict exits 1
//! with the reason.

use std::process::Command;

use omnitest::prelude::*;
use serde_json::json;

use super::soak_config;
use crate::bench::without_omnitest_env;

omni_test! {
    /// Each malformed stability config is one error line naming the file, the JSON path and the
    /// problem, with exit status 2, and nothing is started or written.
    /// Deploy Setting: none (nothing may start)
    /// Input Modal: stability configs with both load modes, a bad range, a sweep list, an
    /// unknown option
    /// Output Modal: the error
    /// Input Setting: omnitest soak FILE --backend mock
    /// Datasets: none
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_malformed_configs_start_nothing_001(ctx: &TestContext) -> TestResult {
        let dir = ctx.output_dir()?;
        let entry = "[0].benchmark_params[0]";
        let cases = [
            (
                "both_modes.json",
                json!({"request_rate": 2}),
                format!("both_modes.json: {entry}: gives both request_rate and max_concurrency"),
            ),
            (
                "bad_range.json",
                json!({"random_output_len": "900-100"}),
                format!("bad_range.json: {entry}.random_output_len: the range's minimum 900 is above its maximum 100"),
            ),
            (
                "sweep.json",
                json!({"max_concurrency": [1, 2]}),
                format!("sweep.json: {entry}.max_concurrency: a soak runs at one load"),
            ),
            (
                "unknown.json",
                json!({"random_input_length": 100}),
                format!("unknown.json: {entry}.random_input_length: option `random_input_length` is not supported"),
            ),
        ];
        for (name, change, expected) in cases {
            let mut config = soak_config("omnitest/soak", 5.0);
            for (key, value) in change.as_object().into_iter().flatten() {
                config[0]["benchmark_params"][0][key] = value.clone();
            }
            std::fs::write(dir.join(name), config.to_string())?;
            let output_dir = dir.join(format!("{name}.out"));
            let mut command = Command::new(env!("CARGO_BIN_EXE_omnitest"));
            command.current_dir(dir).arg("soak").arg(name).args(["--backend", "mock", "--output-dir"]).arg(&output_dir);
            let output = without_omnitest_env(&mut command).output()?;
            let stderr = String::from_utf8_lossy(&output.stderr);
            check_eq!(output.status.code(), Some(2), "{name}: {stderr}");
            check!(stderr.contains(&expected), "{name}: expected {expected:?} in {stderr:?}");
            check!(!output_dir.exists(), "{name}: {} was created", output_dir.display());
        }
        Ok(())
    }

    /// A soak whose server leaks exits 1 and prints the leak; the CSV, charts and verdict are
    /// written all the same.
    /// Deploy Setting: the mock (text) with --fault leak-kib=256, started by omnitest soak
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: omnitest soak FILE --backend mock --duration 6s
    /// Datasets: random
    #[levels(full_model)]
    #[markers(cpu)]
    fn test_a_failing_soak_exits_non_zero_001(ctx: &TestContext) -> TestResult {
        let dir = ctx.output_dir()?;
        let mut config = soak_config("omnitest/soak", 60.0);
        config[0]["server_params"]["serve_args"] = json!({"ttft-ms": 40, "itl-ms": 8, "fault": "leak-kib=256"});
        std::fs::write(dir.join("leaking.json"), config.to_string())?;
        let mut command = Command::new(env!("CARGO_BIN_EXE_omnitest"));
        command.current_dir(dir).args(["soak", "leaking.json", "--backend", "mock", "--duration", "6s"]);
        command.args(["--output-dir", "out"]);
        let output = without_omnitest_env(&mut command).output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        check_eq!(output.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        check!(stdout.contains("FAILED: test_mock_soak[e0]: memory leak: server tree RSS grows "), "{stdout}");
        for file in ["samples.csv", "memory.png", "latency.svg", "verdict.md"] {
            check!(dir.join("out/test_mock_soak/e0").join(file).is_file(), "{file} was not written");
        }
        Ok(())
    }
}
