//! Baselines are asserted: a metric past its bound fails the step (the trial, the `omnitest
//! bench` run) and the failure shows the table of metric, baseline, measured value and margin.
//! `--advisory` prints the same table without failing.

use std::process::Command;

use omnitest::bench::PerfConfig;
use omnitest::bench::step::{ServerRef, StepSettings, Verdict, run_step};
use omnitest::bench::trials::cases_of;
use omnitest::prelude::*;
use serde_json::json;

use super::steps_of;

static FAST: Scenario =
    Scenario::mock("omnitest/bench-text", "text").id("fast").args(&["--ttft-ms", "5", "--itl-ms", "1"]);

const TABLE_HEADER: &str = "| metric | baseline | measured | margin | verdict |";

/// A config whose baseline no server meets: TTFT under a microsecond and a trillion tokens per
/// second (upper and lower bounds), next to an E2EL bound of a minute that holds. Scalar
/// thresholds, so they apply on any hardware, the mock's included.
fn impossible(model: &str) -> serde_json::Value {
    json!([{
        "test_name": "test_impossible",
        "mark": ["cpu"],
        "server_params": {"model": model},
        "benchmark_params": [{
            "backend": "openai-chat", "dataset_name": "random", "random_input_len": 16, "random_output_len": 4,
            "num_prompts": 4, "max_concurrency": 2, "num_warmups": 0, "disable_tqdm": true,
            "percentile-metrics": "ttft,tpot,itl,e2el",
            "baseline": {"mean_ttft_ms": 0.001, "output_throughput": 1e12, "mean_e2el_ms": 60000}
        }]
    }])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

omni_test! {
    /// A step past its baseline has the breach verdict, naming the breached metrics, with the
    /// table; the same step as advisory passes and still renders the table.
    /// Deploy Setting: the mock, fast timings
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: baseline mean_ttft_ms ≤ 0.001, output_throughput ≥ 1e12, mean_e2el_ms ≤ 60000
    /// Datasets: random
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(FAST)]
    fn test_a_breached_baseline_fails_the_step_001(ctx: &TestContext, server: &Server) -> TestResult {
        let steps = steps_of(&impossible(server.model()), "impossible.json")?;
        let (step, spec) = &steps[0];
        let target = ServerRef { url: server.url(), model: server.model() };
        let settings = StepSettings { health_advisory: true, ..StepSettings::default() };
        let report = run_step(step, spec, target, ctx.output_dir()?, &settings)?;
        let Verdict::Breach(message) = report.verdict() else {
            return Err(TestError::failure(format!("expected a breach, got {:?}", report.verdict())));
        };
        check!(message.contains("baseline breached (mean_ttft_ms, output_throughput)"), "{message}");
        check!(message.contains(TABLE_HEADER), "no table in:\n{message}");
        check!(message.contains("| mean_e2el_ms | ≤ 60000 |") && message.contains("| pass |"), "{message}");
        check!(message.contains("| output_throughput | ≥ 1000000000000 |"), "{message}");
        let advisory = StepSettings { advisory: true, ..settings };
        let report = run_step(step, spec, target, ctx.output_dir()?, &advisory)?;
        check_eq!(report.verdict(), Verdict::Pass);
        let rendered = report.render();
        check!(rendered.contains("advisory: the baseline is reported, not asserted"), "{rendered}");
        check!(rendered.contains(TABLE_HEADER), "{rendered}");
        Ok(())
    }

    /// The registered trial of such a config fails with the table in its message, as the
    /// harness reports it.
    /// Deploy Setting: the mock, fast timings
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: the trial generated for the config (dfx::perf::impossible::test_impossible)
    /// Datasets: random
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(FAST)]
    fn test_a_breached_baseline_fails_the_trial_001(ctx: &TestContext, server: &Server) -> TestResult {
        let config = PerfConfig::parse(&impossible(server.model()).to_string(), std::path::Path::new("impossible.json"))?;
        let cases = cases_of(&config)?;
        check_eq!(cases.len(), 1);
        check_eq!(cases[0].path.as_ref(), "dfx::perf::impossible::test_impossible");
        // The trial runs against the server of the context it is given: this test's mock.
        let error = match cases[0].body.call(ctx) {
            Ok(()) => return Err(TestError::failure("the trial passed despite an impossible baseline")),
            Err(error) => error,
        };
        check_eq!(error.kind(), ErrorKind::Failure, "{error}");
        check!(error.message().contains("baseline breached (mean_ttft_ms, output_throughput)"), "{error}");
        check!(error.message().contains(TABLE_HEADER), "{error}");
        Ok(())
    }

    /// `omnitest bench CONFIG` exits 1 on a breach and prints the table; with `--advisory` it
    /// prints the table and exits 0.
    /// Deploy Setting: the mock, started by `omnitest bench --backend mock`
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: omnitest bench impossible.json [--advisory]
    /// Datasets: random
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_a_breached_baseline_fails_omnitest_bench_001(ctx: &TestContext) -> TestResult {
        let dir = ctx.output_dir()?;
        let file = dir.join("impossible.json");
        std::fs::write(&file, impossible("omnitest/bench-text").to_string())?;
        for advisory in [false, true] {
            let mut command = Command::new(env!("CARGO_BIN_EXE_omnitest"));
            command.arg("bench").arg(&file).args(["--backend", "mock", "--output-dir"]);
            command.arg(dir.join(if advisory { "advisory" } else { "asserted" }));
            if advisory {
                command.arg("--advisory");
            }
            let output = super::without_omnitest_env(&mut command).output()?;
            let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
            check_eq!(output.status.code(), Some(if advisory { 0 } else { 1 }), "{stdout}\n{stderr}");
            check!(stdout.contains(TABLE_HEADER), "no table:\n{stdout}\n{stderr}");
            check_eq!(stdout.contains("FAILED: test_impossible[c=2,n=4]: baseline breached"), !advisory, "{stdout}");
        }
        Ok(())
    }
}
