use omnitest::prelude::*;

use super::{NAMED_TEST, SCENARIO_TEST, TWO_CARD_TEST, harness, outcome_of, run, text};

omni_test! {
    /// `--list` prints only `name: test` lines on stdout, as nextest's list protocol requires,
    /// and `--list --ignored` prints a subset of them.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_list_prints_only_name_lines(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let mut list = harness(out)?;
        list.args(["--list", "--format", "terse", "--backend", "vllm-omni", "--gpus", "0"]);
        let listed = run(list)?;
        check!(listed.status.success(), "--list failed: {}", text(&listed.stderr));
        let stdout = text(&listed.stdout);
        let names: Vec<&str> = stdout.lines().map(|line| line.strip_suffix(": test").unwrap_or("")).collect();
        check!(names.iter().all(|name| !name.is_empty() && !name.contains(' ')), "stray output:\n{stdout}");
        check!(names.contains(&NAMED_TEST), "{NAMED_TEST} not listed");
        let mut ignored = harness(out)?;
        // Among the registry's own tests (suites with GPU tests are ignored without GPUs too).
        ignored.args(["--list", "--format", "terse", "--ignored", "--backend", "vllm-omni", "--gpus", "0", "registry::"]);
        let ignored = text(&run(ignored)?.stdout);
        check_eq!(ignored.lines().collect::<Vec<_>>(), [format!("{TWO_CARD_TEST}: test")]);
        Ok(())
    }

    /// A bad `--run-level`, flag or environment, exits non-zero and names the valid levels.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_bad_run_level_names_the_valid_levels(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let mut flag = harness(out)?;
        flag.args(["--run-level=bogus", "--list"]);
        let mut env = harness(out)?;
        env.env("OMNITEST_RUN_LEVEL", "bogus").arg("--list");
        for output in [run(flag)?, run(env)?] {
            let stderr = text(&output.stderr);
            check_eq!(output.status.code(), Some(2), "{stderr}");
            check!(stderr.contains("valid levels: core_model, advanced_model, full_model"), "{stderr}");
        }
        Ok(())
    }

    /// A marker expression with a syntax error exits non-zero with a caret under the problem.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_marker_syntax_error_shows_a_caret(ctx: &TestContext) -> TestResult {
        let mut command = harness(ctx.output_dir()?)?;
        command.args(["-m", "core_model and (cpu or gpu", "--list"]);
        let output = run(command)?;
        let stderr = text(&output.stderr);
        check_eq!(output.status.code(), Some(2), "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        let expr_line = lines.iter().position(|l| l.trim_start() == "core_model and (cpu or gpu");
        let expr_line = expr_line.ok_or_else(|| TestError::failure(format!("expression not echoed:\n{stderr}")))?;
        let caret = lines.get(expr_line + 1).and_then(|l| l.find('^'));
        let expected = lines[expr_line].len();
        check_eq!(caret, Some(expected), "caret not under the end of input:\n{stderr}");
        Ok(())
    }

    /// An unknown `OMNITEST_*` variable and a bad value in a known one are errors, never
    /// silently ignored; the latter lists the valid values.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_environment_twins_are_validated(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let mut typo = harness(out)?;
        typo.env("OMNITEST_RUNLEVEL", "full_model").arg("--list");
        let typo = run(typo)?;
        check_eq!(typo.status.code(), Some(2));
        check!(text(&typo.stderr).contains("unknown environment variable OMNITEST_RUNLEVEL"), "{}", text(&typo.stderr));
        let mut bad = harness(out)?;
        bad.env("OMNITEST_BACKEND", "gpu").arg("--list");
        let bad = run(bad)?;
        let stderr = text(&bad.stderr);
        check_eq!(bad.status.code(), Some(2), "{stderr}");
        check!(stderr.contains("[possible values: auto, mock, vllm-omni, external]"), "{stderr}");
        Ok(())
    }

    /// rust-analyzer's `<module::test_fn> --exact` runs every scenario variant of the function.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_exact_function_path_runs_every_scenario(ctx: &TestContext) -> TestResult {
        let mut command = harness(ctx.output_dir()?)?;
        command.args([SCENARIO_TEST, "--exact", "--show-output"]);
        let output = run(command)?;
        let stdout = text(&output.stdout);
        check!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
        for id in ["text", "speech"] {
            check_eq!(outcome_of(&stdout, &format!("{SCENARIO_TEST}[{id}]")).as_deref(), Some("ok"), "{stdout}");
        }
        check!(stdout.contains("2 passed; 0 failed"), "{stdout}");
        Ok(())
    }

    /// An `--exact` name that matches nothing fails instead of passing with zero tests, and says
    /// why when the test exists but is deselected.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_exact_name_matching_nothing_fails(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let mut unknown = harness(out)?;
        unknown.args(["no::such::test", "--exact"]);
        let unknown = run(unknown)?;
        let stderr = text(&unknown.stderr);
        check!(!unknown.status.success(), "an unknown exact name passed");
        check!(stderr.contains("no test matches `no::such::test` exactly"), "{stderr}");
        let mut deselected = harness(out)?;
        deselected.args([NAMED_TEST, "--exact", "--run-level", "full_model"]);
        let deselected = run(deselected)?;
        let stderr = text(&deselected.stderr);
        check!(!deselected.status.success(), "a deselected exact name passed");
        check!(stderr.contains("it runs at core_model and this run is full_model"), "{stderr}");
        Ok(())
    }

    /// With a real backend and no GPUs, a test needing 2 cards is reported ignored with the
    /// reason, not dropped and not failed.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_real_backend_ignores_missing_cards_with_the_reason(ctx: &TestContext) -> TestResult {
        let mut command = harness(ctx.output_dir()?)?;
        command.args([TWO_CARD_TEST, "--exact", "--backend", "vllm-omni", "--gpus", "0"]);
        let output = run(command)?;
        let stdout = text(&output.stdout);
        check!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
        let outcome = outcome_of(&stdout, TWO_CARD_TEST);
        check_eq!(outcome.as_deref(), Some("ignored (needs 2 GPUs, found 0)"), "{stdout}");
        check!(stdout.contains("0 passed; 0 failed; 1 ignored"), "{stdout}");
        Ok(())
    }

    /// RustRover's invocation (`--format=json -Z unstable-options --show-output`) gets one JSON
    /// event per line on stdout.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_rustrover_json_format(ctx: &TestContext) -> TestResult {
        let mut command = harness(ctx.output_dir()?)?;
        command.args([NAMED_TEST, "--exact", "--format=json", "-Z", "unstable-options", "--show-output"]);
        let output = run(command)?;
        let stdout = text(&output.stdout);
        check!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
        let events: Vec<serde_json::Value> = stdout
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|err| TestError::failure(format!("not JSON lines ({err}):\n{stdout}")))?;
        let passed = events.iter().any(|e| e["type"] == "test" && e["name"] == NAMED_TEST && e["event"] == "ok");
        check!(passed, "no ok event for {NAMED_TEST}:\n{stdout}");
        Ok(())
    }
}
