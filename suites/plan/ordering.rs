use std::collections::HashSet;

use omnitest::plan::Plan;
use omnitest::prelude::*;
use omnitest::registry::{Catalog, GenerateContext};
use omnitest::selection::{Backend, Environment, MarkerExpr, ResolvedBackend, SelectionOptions, select};

/// Two scenarios that only name mock models; these tests never ask for a server, so none starts.
static TEXT: Scenario = Scenario::mock("omnitest/text", "text").id("text");
static SPEECH: Scenario = Scenario::mock("omnitest/speech", "qwen3-tts").id("speech");

fn plan_for(level: Level) -> Result<Plan, TestError> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let catalog = Catalog::collect(&GenerateContext { root }).map_err(|err| TestError::harness(err.to_string()))?;
    let options = SelectionOptions {
        run_level: level,
        markers: MarkerExpr::parse("")?,
        hardware: None,
        cards: None,
        partition: None,
    };
    let env =
        Environment::new(ResolvedBackend { backend: Backend::Mock, reason: "suite".into() }, Some(0), None, false);
    Ok(Plan::new(select(&catalog, &options, &env)))
}

omni_test! {
    /// One trial per scenario, named `path::test_fn[scenario_id]`, each seeing its own scenario.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TEXT, SPEECH)]
    fn test_each_scenario_is_a_named_trial(ctx: &TestContext) -> TestResult {
        let scenario = ctx.scenario().ok_or_else(|| TestError::failure("no scenario in the context"))?;
        let expected = format!("plan::ordering::test_each_scenario_is_a_named_trial[{}]", scenario.id);
        check_eq!(ctx.name(), expected);
        Ok(())
    }

    /// Trials are sorted by name and then grouped so that each scenario's trials run back to back:
    /// a scenario never reappears after another has started.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TEXT)]
    fn test_trials_run_scenario_by_scenario() -> TestResult {
        let plan = plan_for(Level::CoreModel)?;
        let mut finished: HashSet<&Scenario> = HashSet::new();
        let mut current: Option<&Scenario> = None;
        for trial in plan.trials() {
            let scenario = trial.scenario.as_ref().map(|choice| choice.scenario);
            if scenario != current {
                if let Some(done) = current {
                    finished.insert(done);
                }
                if let Some(next) = scenario {
                    check!(!finished.contains(next), "scenario {next} comes back at {}", trial.name);
                }
                current = scenario;
            }
        }
        check!(plan.scenario_count() >= 2, "expected this suite's two scenarios in the plan");
        for group in &plan.groups {
            let names: Vec<&str> = group.trials.iter().map(|t| t.name.as_str()).collect();
            let mut sorted = names.clone();
            sorted.sort();
            check_eq!(names, sorted, "a group is not sorted by name");
        }
        Ok(())
    }
}
