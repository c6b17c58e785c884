//! The plan: the selected trials in the order they run.
//!
//! Trials are sorted by name, then grouped by scenario: the trials without a server first, then
//! each scenario's trials together, scenarios in the order of their first trial. Running a
//! scenario's trials back to back is what lets one lazily started server serve them all and
//! stop right after the last, so servers never overlap on a GPU.

use std::collections::HashMap;

use crate::registry::Scenario;
use crate::selection::{SelectedTrial, Selection};

/// The trials of one scenario (or of none).
#[derive(Debug)]
pub struct TrialGroup {
    /// The scenario, or `None` for trials without a server.
    pub scenario: Option<&'static Scenario>,
    /// Its trials, sorted by name.
    pub trials: Vec<SelectedTrial>,
}

/// The selected trials, ordered for running.
#[derive(Debug, Default)]
pub struct Plan {
    /// The groups, in running order.
    pub groups: Vec<TrialGroup>,
    /// How many trials selection left out.
    pub deselected: usize,
    /// How many trials have hardware requirements the backend waives.
    pub hardware_waived: usize,
}

impl Plan {
    /// Orders a selection.
    pub fn new(selection: Selection) -> Plan {
        let Selection { mut trials, deselected, hardware_waived } = selection;
        trials.sort_by(|a, b| a.name.cmp(&b.name));
        let mut serverless = TrialGroup { scenario: None, trials: Vec::new() };
        let mut groups: Vec<TrialGroup> = Vec::new();
        let mut index: HashMap<&'static Scenario, usize> = HashMap::new();
        for trial in trials {
            match trial.scenario.as_ref().map(|choice| choice.scenario) {
                None => serverless.trials.push(trial),
                Some(scenario) => {
                    let slot = *index.entry(scenario).or_insert_with(|| {
                        groups.push(TrialGroup { scenario: Some(scenario), trials: Vec::new() });
                        groups.len() - 1
                    });
                    groups[slot].trials.push(trial);
                }
            }
        }
        if !serverless.trials.is_empty() {
            groups.insert(0, serverless);
        }
        Plan { groups, deselected, hardware_waived }
    }

    /// Every trial, in running order.
    pub fn trials(&self) -> impl Iterator<Item = &SelectedTrial> {
        self.groups.iter().flat_map(|group| group.trials.iter())
    }

    /// The number of trials.
    pub fn len(&self) -> usize {
        self.groups.iter().map(|group| group.trials.len()).sum()
    }

    /// Whether there are no trials.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many distinct scenarios the plan's trials use.
    pub fn scenario_count(&self) -> usize {
        self.groups.iter().filter(|group| group.scenario.is_some()).count()
    }

    /// How many trials are ignored.
    pub fn ignored_count(&self) -> usize {
        self.trials().filter(|trial| trial.ignored.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Body, Catalog, Level, Marker, TestCase};
    use crate::selection::{Backend, Environment, MarkerExpr, ResolvedBackend, SelectionOptions, select};

    static A: Scenario = Scenario::mock("model-a", "text");
    static B: Scenario = Scenario::mock("model-b", "text");

    fn case(path: &str, scenarios: &[(&str, &'static Scenario)]) -> TestCase {
        let mut case = TestCase::new(path.to_owned(), &[Level::CoreModel], &[Marker::Cpu], Body::Static(|_| Ok(())));
        for (id, scenario) in scenarios {
            case = case.with_scenario(id.to_string(), scenario);
        }
        case
    }

    #[test]
    fn groups_by_scenario_after_sorting_by_name() {
        let catalog = Catalog::from_cases(vec![
            case("x::test_b", &[("b", &B)]),
            case("x::test_a", &[("a", &A), ("b", &B)]),
            case("x::test_c", &[("a", &A)]),
            case("x::unit", &[]),
        ])
        .unwrap();
        let options = SelectionOptions {
            run_level: Level::CoreModel,
            markers: MarkerExpr::parse("").unwrap(),
            hardware: None,
            cards: None,
            partition: None,
        };
        let env =
            Environment::new(ResolvedBackend { backend: Backend::Mock, reason: String::new() }, Some(0), None, false);
        let plan = Plan::new(select(&catalog, &options, &env));
        let order: Vec<&str> = plan.trials().map(|t| t.name.as_str()).collect();
        assert_eq!(order, ["x::unit", "x::test_a[a]", "x::test_c[a]", "x::test_a[b]", "x::test_b[b]"]);
        assert_eq!(plan.scenario_count(), 2);
        assert_eq!(plan.groups[1].scenario, Some(&A));
    }
}
