use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use super::{GenerateContext, GenerateError, Marker, TestCase, TestDef, TestGenerator};

/// Every registered test, validated: the input of selection.
#[derive(Debug)]
pub struct Catalog {
    cases: Vec<Arc<TestCase>>,
}

/// Why the registered tests cannot be run at all.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Some registrations break the registry's rules.
    #[error("{} invalid test registration(s):\n{}", .problems.len(), ProblemList(.problems))]
    Invalid {
        /// Each problem, naming its test.
        problems: Vec<RegistrationProblem>,
    },
    /// A generator (benchmark configs, documentation pages) could not make its tests.
    #[error("test generator `{name}` failed: {source}")]
    Generator {
        /// The generator's name.
        name: &'static str,
        /// What went wrong.
        #[source]
        source: GenerateError,
    },
}

/// One rule one registration breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationProblem {
    /// The test's path.
    pub test: String,
    /// Where it is defined, when known.
    pub location: Option<String>,
    /// What is wrong and how to fix it.
    pub problem: String,
}

struct ProblemList<'a>(&'a [RegistrationProblem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.0 {
            match &p.location {
                Some(loc) => writeln!(f, "  - {} ({loc}): {}", p.test, p.problem)?,
                None => writeln!(f, "  - {}: {}", p.test, p.problem)?,
            }
        }
        Ok(())
    }
}

impl Catalog {
    /// Collects the tests registered with `omni_test!` and those the generators make, and
    /// validates them all.
    pub fn collect(ctx: &GenerateContext) -> Result<Catalog, RegistryError> {
        let mut cases: Vec<TestCase> = inventory::iter::<TestDef>().map(TestCase::from_def).collect();
        for generator in inventory::iter::<TestGenerator>() {
            let generated = (generator.generate)(ctx)
                .map_err(|source| RegistryError::Generator { name: generator.name, source })?;
            cases.extend(generated);
        }
        Catalog::from_cases(cases)
    }

    /// Validates the given tests: each needs a level and a hardware requirement or the `cpu`
    /// marker (the seed's pre-commit rule), and trial names must be unique.
    pub fn from_cases(mut cases: Vec<TestCase>) -> Result<Catalog, RegistryError> {
        cases.sort_by(|a, b| a.path.cmp(&b.path));
        let mut problems = Vec::new();
        let mut trial_names = HashSet::with_capacity(cases.len());
        for case in &cases {
            let mut report = |problem: String| {
                problems.push(RegistrationProblem {
                    test: case.path.to_string(),
                    location: case.source.as_ref().map(|(file, line)| format!("{file}:{line}")),
                    problem,
                });
            };
            if let Some(problem) = path_problem(&case.path) {
                report(problem);
            }
            if case.levels.is_empty() {
                report("has no level: add #[levels(core_model)] (or advanced_model, full_model)".into());
            }
            if case.requirements.is_empty() && !case.markers.contains(Marker::Cpu) {
                report(
                    "has neither a hardware requirement nor the `cpu` marker: add \
                     #[hardware(cuda = \"L4\")] (or another platform) or #[markers(cpu)]"
                        .into(),
                );
            }
            if let Some(param) = &case.param {
                if !case.scenarios.is_empty() {
                    report("has both scenarios and a parameter id: a generated test names one or the other".into());
                }
                if let Some(problem) = id_problem(param) {
                    report(format!("has an invalid parameter id `{param}`: {problem}"));
                }
            }
            let mut ids = HashSet::new();
            for choice in &case.scenarios {
                if let Some(problem) = scenario_id_problem(&choice.id) {
                    report(problem);
                }
                if !ids.insert(choice.id.as_ref()) {
                    report(format!("names scenario id `{}` twice; give one an explicit .id(\"…\")", choice.id));
                }
            }
            for name in trial_names_of(case) {
                if !trial_names.insert(name.clone()) {
                    report(format!("trial `{name}` is registered twice"));
                }
            }
        }
        if problems.is_empty() {
            Ok(Catalog { cases: cases.into_iter().map(Arc::new).collect() })
        } else {
            Err(RegistryError::Invalid { problems })
        }
    }

    /// The tests, sorted by path.
    pub fn cases(&self) -> &[Arc<TestCase>] {
        &self.cases
    }
}

/// The names of a test's trials: the path, `path[param]`, or one `path[id]` per scenario.
pub fn trial_names_of(case: &TestCase) -> Vec<String> {
    if case.scenarios.is_empty() {
        vec![serverless_trial_name(case)]
    } else {
        case.scenarios.iter().map(|choice| format!("{}[{}]", case.path, choice.id)).collect()
    }
}

/// The name of the one trial of a test without scenarios: its path, with its parameter id.
pub fn serverless_trial_name(case: &TestCase) -> String {
    match &case.param {
        Some(param) => format!("{}[{param}]", case.path),
        None => case.path.to_string(),
    }
}

fn path_problem(path: &str) -> Option<String> {
    let valid_segment =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if path.split("::").all(valid_segment) {
        None
    } else {
        Some("has an invalid path: expected `::`-separated segments of letters, digits, `_`, `-` and `.`".into())
    }
}

fn scenario_id_problem(id: &str) -> Option<String> {
    id_problem(id).map(|problem| format!("has an invalid scenario id `{id}`: {problem}"))
}

fn id_problem(id: &str) -> Option<&'static str> {
    let valid =
        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '=' | ','));
    (!valid).then_some("use letters, digits and `_-.=,`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Body, Level, Platform, PlatformRequirement, Resource, Scenario};

    fn body() -> Body {
        Body::Static(|_| Ok(()))
    }

    fn problems(cases: Vec<TestCase>) -> Vec<String> {
        match Catalog::from_cases(cases) {
            Ok(_) => vec![],
            Err(RegistryError::Invalid { problems }) => problems.into_iter().map(|p| p.problem).collect(),
            Err(other) => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn rejects_a_test_without_a_level() {
        let case = TestCase::new("suite::test_a", &[], &[Marker::Cpu], body());
        assert_eq!(
            problems(vec![case]),
            vec!["has no level: add #[levels(core_model)] (or advanced_model, full_model)"]
        );
    }

    #[test]
    fn rejects_a_test_without_hardware_or_cpu() {
        let case = TestCase::new("suite::test_a", &[Level::CoreModel], &[Marker::Omni], body());
        assert!(problems(vec![case])[0].starts_with("has neither a hardware requirement nor the `cpu` marker"));
    }

    #[test]
    fn accepts_hardware_in_place_of_cpu() {
        let req = PlatformRequirement { platform: Platform::Cuda, resource: Resource::L4, cards: 1 };
        let case = TestCase::new("suite::test_a", &[Level::CoreModel], &[], body()).with_requirements(vec![req]);
        assert!(problems(vec![case]).is_empty());
    }

    #[test]
    fn rejects_duplicate_trials_and_scenario_ids() {
        static S: Scenario = Scenario::mock("m", "text");
        let a = TestCase::new("suite::test_a", &[Level::CoreModel], &[Marker::Cpu], body());
        let b = a.clone().with_scenario("x", &S).with_scenario("x", &S);
        let found = problems(vec![a.clone(), a, b]);
        assert!(found.contains(&"trial `suite::test_a` is registered twice".to_string()), "{found:?}");
        assert!(found.iter().any(|p| p.contains("names scenario id `x` twice")), "{found:?}");
    }

    #[test]
    fn parameter_ids_name_trials_and_are_checked() {
        static S: Scenario = Scenario::mock("m", "text");
        let case = TestCase::new("examples::test_readme", &[Level::FullModel], &[Marker::Cpu], body());
        assert_eq!(
            trial_names_of(&case.clone().with_param("quick_start_001")),
            ["examples::test_readme[quick_start_001]"]
        );
        let found = problems(vec![case.clone().with_param("a b"), case.with_param("x").with_scenario("s", &S)]);
        assert!(found.iter().any(|p| p.contains("invalid parameter id `a b`")), "{found:?}");
        assert!(found.iter().any(|p| p.contains("both scenarios and a parameter id")), "{found:?}");
    }

    #[test]
    fn error_message_names_each_test_and_its_location() {
        let mut case = TestCase::new("suite::test_a", &[], &[Marker::Cpu], body());
        case.source = Some(("suites/a.rs".into(), 7));
        let err = Catalog::from_cases(vec![case]).unwrap_err().to_string();
        assert!(
            err.starts_with("1 invalid test registration(s):\n  - suite::test_a (suites/a.rs:7): has no level"),
            "{err}"
        );
    }
}
