use std::collections::BTreeMap;

use omnitest::ci::{PlanOptions, REGENERATE_COMMAND, Trigger, pipeline_files, render_trigger};
use omnitest::prelude::*;
use omnitest::registry::Catalog;
use omnitest::selection::{Backend, Environment, MarkerExpr, ResolvedBackend, SelectionOptions, select};
use yaml_serde::Value;

use super::schema::pipeline_problems;
use super::{buildkite_dir, catalog_summary};
use crate::runner::{harness, run, text};

/// Small limits, so that the coverage check also sees groups split into partitions.
const SPLIT_OFTEN: PlanOptions = PlanOptions { max_trials_per_step: 1, max_trials_per_cpu_step: 7 };

omni_test! {
    /// The checked-in pipelines are what `omnitest ci buildkite` plans from the registered
    /// tests; when a test is added or moved, this fails until they are regenerated.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_checked_in_pipelines_are_up_to_date() -> TestResult {
        if cfg!(feature = "synthetic-cases") {
            return Err(TestError::ignored("the synthetic-cases feature registers 10,000 tests the pipelines leave out"));
        }
        let (_, summary) = catalog_summary()?;
        let files = pipeline_files(&summary, &Trigger::ALL, PlanOptions::default())?;
        let mut stale = Vec::new();
        for (name, expected) in &files {
            let path = buildkite_dir().join(name);
            let found = std::fs::read_to_string(&path).unwrap_or_default();
            if let Some(difference) = first_difference(&found, expected) {
                stale.push(format!(".buildkite/{name}: {difference}"));
            }
        }
        let written: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        for entry in std::fs::read_dir(buildkite_dir())? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".yml") && !written.contains(&name.as_str()) {
                stale.push(format!(".buildkite/{name}: not a pipeline omnitest writes; remove it"));
            }
        }
        check!(
            stale.is_empty(),
            "the Buildkite pipelines are stale:\n  {}\nregenerate them with `{REGENERATE_COMMAND}` and commit the result",
            stale.join("\n  ")
        );
        Ok(())
    }

    /// Every pipeline file, checked in or planned with small step limits, uses only the step
    /// types and attributes Buildkite documents, with their types.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_pipelines_are_valid_buildkite() -> TestResult {
        let (_, summary) = catalog_summary()?;
        let mut documents: Vec<(String, String)> = Vec::new();
        for entry in std::fs::read_dir(buildkite_dir())? {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "yml") {
                documents.push((path.display().to_string(), std::fs::read_to_string(&path)?));
            }
        }
        check!(documents.len() == 5, "expected pipeline.yml and four test-*.yml, found {}", documents.len());
        for trigger in Trigger::ALL {
            documents.push((format!("{trigger} split often"), render_trigger(&summary, trigger, SPLIT_OFTEN)?));
        }
        for (name, yaml) in documents {
            let problems = pipeline_problems(&yaml);
            check!(problems.is_empty(), "{name} is not a valid Buildkite pipeline:\n  {}", problems.join("\n  "));
        }
        Ok(())
    }

    /// The schema check rejects what Buildkite rejects: unknown attributes, wrong types,
    /// plugins that are not single-key maps, nested groups, repeated keys.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_schema_check_rejects_invalid_steps() -> TestResult {
        let cases = [
            ("steps:\n- command: a\n  timeout: 5\n", "`steps[0]`: unknown attribute `timeout`"),
            ("steps:\n- command: a\n  timeout_in_minutes: '5'\n", "`steps[0].timeout_in_minutes`: expected a positive integer, found a string"),
            ("steps:\n- command: a\n  agents: [queue=x]\n", "`steps[0].agents`: expected a mapping of agent tags to strings"),
            ("steps:\n- command: a\n  agents: {queue: {name: x}}\n", "`steps[0].agents.queue`: expected a string, found a mapping"),
            ("steps:\n- command: a\n  plugins: {docker: {}}\n", "`steps[0].plugins`: expected a sequence of plugins, found a mapping"),
            ("steps:\n- command: a\n  plugins: [{docker: {}, kubernetes: {}}]\n", "`steps[0].plugins[0]`: expected a single-key map, found 2 keys"),
            ("steps:\n- command: a\n  artifact_paths: {a: b}\n", "`steps[0].artifact_paths`: expected a string or a sequence of strings"),
            ("steps:\n- group: g\n  steps:\n  - group: h\n    steps: [{command: a}]\n", "`steps[0].steps[0]`: groups cannot be nested"),
            ("steps:\n- group: g\n  timeout_in_minutes: 5\n  steps: [{command: a}]\n", "`steps[0]`: unknown attribute `timeout_in_minutes`"),
            ("steps:\n- {command: a, key: x}\n- {command: b, key: x}\n", "`steps[1].key`: `x` is used by another step"),
            ("steps:\n- {command: a, key: 'a b'}\n", "`steps[0].key`: `a b` is not a valid key"),
            ("steps:\n- wait: ~\n", "`steps[0]`: neither a command step"),
            ("steps: []\n", "`steps`: a pipeline needs at least one step"),
            ("stepz: []\n", "the file: unknown attribute `stepz`"),
        ];
        for (yaml, expected) in cases {
            let problems = pipeline_problems(yaml);
            check!(problems.iter().any(|p| p.starts_with(expected)), "{yaml:?} gave {problems:?}, expected {expected:?}");
        }
        let valid = "env: {A: '1'}\nsteps:\n- group: g\n  key: g\n  steps:\n  - label: l\n    key: k\n    commands: [a, b]\n    \
                     agents: {queue: q}\n    plugins: [{docker#v5.12.0: {image: i}}]\n    artifact_paths: [x]\n    \
                     timeout_in_minutes: 5\n    soft_fail: [{exit_status: 1}]\n    retry: {automatic: true}\n";
        check_eq!(pipeline_problems(valid), Vec::<String>::new());
        Ok(())
    }

    /// `omnitest ci buildkite` reads the catalog from the e2e binary's `--catalog-json` and
    /// prints the same pipeline as the planner in-process; without a trigger or a folder it
    /// says what to pass.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_omnitest_ci_buildkite_plans_from_the_e2e_binary(ctx: &TestContext) -> TestResult {
        let omnitest = ctx.omnitest_binary().ok_or_else(|| TestError::harness("no omnitest binary"))?;
        let e2e = std::env::current_exe()?;
        let mut printed = std::process::Command::new(omnitest);
        printed.args(["ci", "buildkite", "--trigger", "merge", "--e2e-binary"]).arg(&e2e);
        let output = run(printed)?;
        check!(output.status.success(), "{}", text(&output.stderr));
        let (_, summary) = catalog_summary()?;
        check_eq!(text(&output.stdout), render_trigger(&summary, Trigger::Merge, PlanOptions::default())?);
        let mut nothing = std::process::Command::new(omnitest);
        nothing.args(["ci", "buildkite", "--e2e-binary"]).arg(&e2e);
        let output = run(nothing)?;
        check_eq!(output.status.code(), Some(2));
        check!(
            text(&output.stderr).contains("nothing to do: pass --trigger ready|merge|nightly|weekly to print a pipeline"),
            "{}",
            text(&output.stderr)
        );
        Ok(())
    }

    /// Every registered test runs in exactly one step of each trigger it belongs to, once per
    /// platform it names: each step's own command line, run with `--list`, selects exactly the
    /// tests the planner gave it, and together the steps cover the trigger's tests.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_every_test_runs_in_exactly_one_step_per_platform(ctx: &TestContext) -> TestResult {
        let (catalog, summary) = catalog_summary()?;
        let mut steps_checked = 0;
        for options in [PlanOptions::default(), SPLIT_OFTEN] {
            for trigger in Trigger::ALL {
                let yaml = render_trigger(&summary, trigger, options)?;
                steps_checked += check_coverage(ctx, &catalog, trigger, &yaml)?;
            }
        }
        check!(steps_checked > 10, "only {steps_checked} steps were checked");
        Ok(())
    }
}

/// The line where two texts first differ, for a readable staleness message.
fn first_difference(found: &str, expected: &str) -> Option<String> {
    if found == expected {
        return None;
    }
    let (found_lines, expected_lines): (Vec<&str>, Vec<&str>) = (found.lines().collect(), expected.lines().collect());
    let line = found_lines
        .iter()
        .zip(&expected_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(found_lines.len().min(expected_lines.len()));
    let show = |lines: &[&str]| lines.get(line).map_or("(end of file)".to_owned(), |l| format!("`{}`", l.trim()));
    Some(format!("line {} is {}, expected {}", line + 1, show(&found_lines), show(&expected_lines)))
}

/// The command steps of a pipeline: key and the harness arguments of its first command.
fn harness_steps(yaml: &str) -> Result<Vec<(String, Vec<String>)>, TestError> {
    let document: Value = yaml_serde::from_str(yaml).map_err(|err| TestError::failure(err.to_string()))?;
    let mut steps = Vec::new();
    let mut pending: Vec<&Value> = document["steps"].as_sequence().map(|s| s.iter().collect()).unwrap_or_default();
    while let Some(step) = pending.pop() {
        if let Some(inner) = step["steps"].as_sequence() {
            pending.extend(inner);
            continue;
        }
        let key = step["key"].as_str().unwrap_or_default().to_owned();
        let command = step["commands"][0].as_str().unwrap_or_default();
        let words =
            shlex::split(command).ok_or_else(|| TestError::failure(format!("{key}: unparsable `{command}`")))?;
        let Some(start) = words.iter().position(|w| w == "--") else { continue };
        let args: Vec<String> = words[start + 1..].iter().take_while(|w| *w != "||").cloned().collect();
        steps.push((key, args));
    }
    steps.sort();
    Ok(steps)
}

/// A trial's hardware group as a step's flags name it: `cpu` or `cuda:H100 ×2`.
fn group_of_args(args: &[String]) -> String {
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    match (value("--hardware"), value("--cards")) {
        (Some(hardware), Some(cards)) => format!("{hardware} ×{cards}"),
        (Some(hardware), None) => hardware,
        _ => "(no --hardware)".to_owned(),
    }
}

fn check_coverage(ctx: &TestContext, catalog: &Catalog, trigger: Trigger, yaml: &str) -> Result<usize, TestError> {
    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    let env =
        Environment::new(ResolvedBackend { backend: Backend::Mock, reason: "coverage".into() }, Some(0), None, false);
    for category in trigger.categories() {
        let options = SelectionOptions {
            run_level: trigger.run_level(),
            markers: MarkerExpr::parse(category.markers)?,
            hardware: None,
            cards: None,
            partition: None,
        };
        for trial in select(catalog, &options, &env).trials {
            let groups: Vec<String> = if trial.case.requirements.is_empty() {
                vec!["cpu".to_owned()]
            } else {
                trial.case.requirements.iter().map(|r| format!("{}:{} ×{}", r.platform, r.resource, r.cards)).collect()
            };
            for group in groups {
                *expected.entry((trial.name.clone(), group)).or_default() += 1;
            }
        }
    }
    let steps = harness_steps(yaml)?;
    let mut found: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (key, args) in &steps {
        let mut list = harness(ctx.output_dir()?)?;
        list.args(args).args(["--list", "--format", "terse"]);
        let output = run(list)?;
        check!(output.status.success(), "{trigger} step {key}: {}", text(&output.stderr));
        for line in text(&output.stdout).lines() {
            let name = line.strip_suffix(": test").unwrap_or(line).to_owned();
            found.entry((name, group_of_args(args))).or_default().push(key.clone());
        }
    }
    let mut problems = Vec::new();
    for ((trial, group), count) in &expected {
        let steps = found.get(&(trial.clone(), group.clone())).cloned().unwrap_or_default();
        if *count > 1 {
            problems.push(format!("{trial} on {group} is in {count} categories"));
        } else if steps.len() != 1 {
            problems.push(format!("{trial} on {group} runs in {} step(s): {steps:?}", steps.len()));
        }
    }
    for ((trial, group), steps) in &found {
        if !expected.contains_key(&(trial.clone(), group.clone())) {
            problems.push(format!("{trial} is not a {trigger} test on {group}, but steps {steps:?} run it"));
        }
    }
    check!(problems.is_empty(), "the {trigger} pipeline does not run each test once:\n  {}", problems.join("\n  "));
    Ok(steps.len())
}
