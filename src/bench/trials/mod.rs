//! The perf configs as registered trials: one trial per (case × sweep step) of every
//! `baselines/perf/*.json`, named `dfx::perf::<file stem>::<test_name>[<step>]`, with the
//! `full_model` level and the `benchmark` marker besides the case's own `mark`, and the case's
//! server as its scenario, so that the mock stands in for it on the mock backend.
//!
//! A step is named by its load and size (`c=4,n=16`, `qps=0.5,n=10`), prefixed by its entry
//! (`e1-c=4,n=16`) when the case has more than one enabled entry. A config that cannot be read,
//! expanded or run (an unknown option, lists of different lengths) stops the harness with an
//! error naming the file, before any server starts.
//!
//! Trials take a process-wide turn while they generate load, so that two benchmark steps never
//! overlap; other tests running at the same time still share the machine, which the client's
//! health check notices. Run them with `-m benchmark` for clean numbers.
//!
//! | module | what |
//! |---|---|
//! | [`scenario`] | a case's server as a scenario |
//! | [`hardware`] | the hardware label of per-hardware baselines |

pub mod hardware;
pub mod scenario;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::config::{PerfCase, PerfConfig};
use super::load::{Api, MockScale, StepSpec, cpu};
use super::report;
use super::step::{ServerRef, StepSettings, Verdict, run_step};
use super::sweep::{SweepStep, expand_case};
use crate::outcome::{TestError, TestResult};
use crate::registry::{Body, GenerateContext, GenerateError, Level, Marker, TestCase, TestGenerator};
use crate::runner::TestContext;
use crate::selection::Backend;

/// Where the configs are, under the repository root.
pub const CONFIG_DIR: &str = "baselines/perf";

inventory::submit! {
    TestGenerator { name: "perf configs (baselines/perf/*.json)", generate }
}

/// One benchmark step (or soak) runs at a time in a process.
static TURN: Mutex<()> = Mutex::new(());

/// Waits for the process-wide turn of runs that generate load (benchmark steps, soaks): two at
/// once would each measure the other's load.
pub(crate) fn load_turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything a trial needs, shared by its closure.
#[derive(Debug)]
struct Trial {
    step: SweepStep,
    spec: StepSpec,
    /// The steps of the same entry, for the entry's summary and charts.
    entry_steps: Vec<SweepStep>,
    switches: Switches,
}

/// The `OMNITEST_BENCH_*` variables, read and checked once, when the trials are generated, so
/// that a bad value stops the run before anything starts.
#[derive(Clone, Debug, Default)]
struct Switches {
    /// `OMNITEST_BENCH_HARDWARE`: the label per-hardware baselines are chosen by.
    hardware: Option<String>,
    /// `OMNITEST_BENCH_ADVISORY`: baselines printed, not asserted.
    advisory: bool,
    /// `OMNITEST_BENCH_FULL_SIZE`: configs run as written on the mock too.
    full_size: bool,
    /// `OMNITEST_BENCH_STRICT_HEALTH`: an invalid run fails on the mock too.
    strict_health: bool,
}

impl Switches {
    fn from_env() -> Result<Switches, GenerateError> {
        let hardware = match std::env::var("OMNITEST_BENCH_HARDWARE") {
            Ok(label) => Some(label),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(GenerateError("OMNITEST_BENCH_HARDWARE is not valid UTF-8".to_owned()));
            }
        };
        Ok(Switches {
            hardware,
            advisory: switch_from_env("OMNITEST_BENCH_ADVISORY")?,
            full_size: switch_from_env("OMNITEST_BENCH_FULL_SIZE")?,
            strict_health: switch_from_env("OMNITEST_BENCH_STRICT_HEALTH")?,
        })
    }
}

/// Whether the switch `variable` is on (see [`parse_switch`]); unset leaves it off.
fn switch_from_env(variable: &str) -> Result<bool, GenerateError> {
    match std::env::var(variable) {
        Ok(value) => parse_switch(&value).map_err(|problem| GenerateError(format!("{variable}={value:?}: {problem}"))),
        Err(std::env::VarError::NotPresent) => Ok(false),
        Err(std::env::VarError::NotUnicode(_)) => Err(GenerateError(format!("{variable} is not valid UTF-8"))),
    }
}

/// A switch's value, from a variable or a flag: `1`, `true` or `yes` turn it on; `0`, `false`,
/// `no` or nothing leave it off; anything else is an error, never silently off.
pub(crate) fn parse_switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" | "" => Ok(false),
        _ => Err("expected 1, true or yes to switch it on, or 0, false, no or nothing to leave it off".to_owned()),
    }
}

/// The trials of every config under `<root>/baselines/perf`.
pub fn generate(ctx: &GenerateContext) -> Result<Vec<TestCase>, GenerateError> {
    let dir = ctx.root.join(CONFIG_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let configs = PerfConfig::load_dir(&dir).map_err(|e| GenerateError(e.to_string()))?;
    let mut cases = Vec::new();
    for config in &configs {
        cases.extend(cases_of(config)?);
    }
    Ok(cases)
}

/// The trials of one config.
pub fn cases_of(config: &PerfConfig) -> Result<Vec<TestCase>, GenerateError> {
    let switches = Switches::from_env()?;
    let stem = file_stem(&config.file);
    let mut cases = Vec::new();
    for case in &config.cases {
        let steps = expand_case(&config.file, case).map_err(|e| GenerateError(e.to_string()))?;
        let specs = steps
            .iter()
            .map(|step| StepSpec::from_step(step, case))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| GenerateError(e.to_string()))?;
        let scenario = scenario::leak_scenario(case);
        let ids = step_ids(case, &steps);
        let mut levels = case.marks.levels.clone();
        if !levels.contains(&Level::FullModel) {
            levels.push(Level::FullModel);
        }
        let mut markers = case.marks.markers.clone();
        markers.push(Marker::Benchmark);
        let path = format!("dfx::perf::{stem}::{}", case.test_name);
        for ((step, spec), id) in steps.iter().zip(specs).zip(ids) {
            let entry_steps: Vec<SweepStep> =
                steps.iter().filter(|s| s.entry_index == step.entry_index).cloned().collect();
            let doc = doc(case, step, &spec, &config.file);
            let trial = Arc::new(Trial { step: step.clone(), spec, entry_steps, switches: switches.clone() });
            let body = Body::Dynamic(Arc::new(move |ctx: &TestContext| run_trial(ctx, &trial)));
            cases.push(
                TestCase::new(path.clone(), &levels, &markers, body)
                    .with_requirements(case.marks.hardware.clone())
                    .with_scenario(id, scenario)
                    .with_doc(doc),
            );
        }
    }
    Ok(cases)
}

/// `test_qwen_omni.json` → `test_qwen_omni`, with characters a test path cannot hold replaced.
pub(crate) fn file_stem(file: &Path) -> String {
    let stem = file.file_stem().map_or_else(|| "config".to_owned(), |s| s.to_string_lossy().into_owned());
    stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

/// The trial id of each step: its label, with the entry when the case has several, and the
/// position when two steps would otherwise share a name.
fn step_ids(case: &PerfCase, steps: &[SweepStep]) -> Vec<String> {
    let several_entries = case.benchmarks.len() > 1;
    let base: Vec<String> = steps
        .iter()
        .map(|s| if several_entries { format!("e{}-{}", s.entry_index, s.label) } else { s.label.clone() })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for id in &base {
        *seen.entry(id.as_str()).or_default() += 1;
    }
    base.iter()
        .zip(steps)
        .map(|(id, step)| if seen[id.as_str()] > 1 { format!("{id}-s{}", step.position) } else { id.clone() })
        .collect()
}

/// The seed's docstring convention for a step.
fn doc(case: &PerfCase, step: &SweepStep, spec: &StepSpec, file: &Path) -> String {
    let deploy = case.server.stage_config_name.as_deref().unwrap_or("default");
    let args = scenario::serve_args(case).join(" ");
    let (input, output) = match spec.api {
        Api::Chat | Api::Completions => ("text", "text"),
        Api::ChatOmni => ("text", "text + audio"),
        Api::Speech => ("text", "audio (PCM stream)"),
        Api::ImageChat | Api::ImageGenerations => ("text (+ image)", "image"),
        Api::Video => ("text (+ image)", "video"),
    };
    let input = match &spec.dataset {
        super::load::DatasetSpec::RandomMultiModal { .. } => "text + synthetic media",
        _ => input,
    };
    let dataset = step.options.get_str("dataset_name").or(step.options.get_str("dataset")).unwrap_or("random");
    format!(
        "Performance benchmark `{}`, step {} of {}.\nDeploy Setting: {deploy}{}{args}\nInput Modal: {input}\n\
         Output Modal: {output}\nInput Setting: {} at {}, {} requests\nDatasets: {dataset}",
        case.test_name,
        step.label,
        file.display(),
        if args.is_empty() { "" } else { ", " },
        spec.api,
        step.load,
        step.num_prompts,
    )
}

fn run_trial(ctx: &TestContext, trial: &Trial) -> TestResult {
    let _turn = load_turn();
    let server = ctx.server()?;
    let trial_dir = ctx.output_dir()?;
    let dir = trial_dir.parent().unwrap_or(trial_dir).to_path_buf();
    let on_mock = server.backend() == Backend::Mock;
    // The mock runs on this machine: kept on a core of its own, it cannot delay the client.
    let cpu = server.pid().filter(|_| on_mock).and_then(cpu::separate_from_mock);
    let settings = StepSettings {
        hardware: hardware::label(ctx.backend(), trial.switches.hardware.as_deref()),
        advisory: trial.switches.advisory,
        mock_scale: (on_mock && !trial.switches.full_size).then(MockScale::default),
        health_advisory: on_mock && !trial.switches.strict_health,
        cpu,
        ..StepSettings::default()
    };
    let report =
        run_step(&trial.step, &trial.spec, ServerRef { url: server.url(), model: server.model() }, &dir, &settings)
            .map_err(|e| TestError::failure(e.to_string()))?;
    println!("{}", report.render());
    if let Err(error) = report::write_entry(&dir, &trial.entry_steps) {
        return Err(TestError::harness(format!("the step ran but its summary could not be written: {error}")));
    }
    match report.verdict() {
        Verdict::Pass => Ok(()),
        Verdict::Invalid(message) | Verdict::RequestsFailed(message) | Verdict::Breach(message) => {
            Err(TestError::failure(message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_switch;

    #[test]
    fn switches_are_on_off_or_an_error() {
        for on in ["1", "true", "YES", " yes "] {
            assert_eq!(parse_switch(on), Ok(true), "{on:?}");
        }
        for off in ["0", "false", "No", ""] {
            assert_eq!(parse_switch(off), Ok(false), "{off:?}");
        }
        for bad in ["maybe", "on", "2"] {
            assert!(parse_switch(bad).is_err(), "{bad:?}");
        }
    }
}
