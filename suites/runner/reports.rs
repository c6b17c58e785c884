use omnitest::prelude::*;
use quick_junit::Report;

use super::{NAMED_TEST, SCENARIO_TEST, TWO_CARD_TEST, harness, run, text};

omni_test! {
    /// `--junit` writes XML that a JUnit parser reads, with counts matching the run, and the
    /// Markdown summary names the run level and the ignored trial.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_junit_and_summary_match_the_run(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let mut list = harness(out)?;
        list.args(["--list", "--backend", "vllm-omni", "--gpus", "0"]);
        let listed = text(&run(list)?.stdout);
        let chosen = [NAMED_TEST, SCENARIO_TEST, TWO_CARD_TEST];
        let skipped: Vec<&str> = listed
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .filter(|name| !chosen.iter().any(|c| name.starts_with(c)))
            .collect();
        let junit = out.join("junit.xml");
        let mut command = harness(out)?;
        command.args(["--backend", "vllm-omni", "--gpus", "0", "--exact", "--junit"]).arg(&junit);
        for name in &skipped {
            command.args(["--skip", name]);
        }
        let output = run(command)?;
        let stdout = text(&output.stdout);
        check!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
        let xml = std::fs::read_to_string(&junit)?;
        let report = Report::deserialize_from_str(&xml).map_err(|err| TestError::failure(err.to_string()))?;
        let suite = &report.test_suites[0];
        let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
        check_eq!(report.tests, 4, "{names:?}");
        check_eq!((report.failures, report.errors, suite.skipped), (0, 0, 1));
        check!(stdout.contains("3 passed; 0 failed; 1 ignored"), "{stdout}");
        check!(names.contains(&"test_each_scenario_is_a_named_trial[speech]"), "{names:?}");
        let summary = std::fs::read_to_string(out.join("summary.md"))?;
        check!(summary.starts_with("### omnitest core_model · vllm-omni · passed"), "{summary}");
        check!(summary.contains(&format!("- `{TWO_CARD_TEST}`: needs 2 GPUs, found 0")), "{summary}");
        Ok(())
    }
}
