//! The stability configs as registered trials: one trial per enabled entry of every
//! `baselines/stability/*.json`, named `dfx::stability::<file stem>::<test_name>[<load>]`, with
//! the `full_model` level and the `slow` marker besides the case's own `mark` (its function
//! markers and the hardware of its model, as the perf trials take them), and the case's server
//! as its scenario, so that the mock stands in for it on the mock backend.
//!
//! `OMNITEST_SOAK_DURATION` (`30s`, `12h`) runs every soak for that long instead of its
//! `duration_sec`, so that CI can run a short self-test; a value that does not parse stops the
//! harness before any server starts, as does a config that cannot be read. On the mock backend a
//! soak lasts [`MOCK_DURATION`] unless the variable says otherwise, with the mock's settings
//! ([`SoakSettings::on_mock`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::config::{SoakEntry, StabilityCase, StabilityConfig};
use super::run::{SoakServer, run_soak};
use super::settings::{MOCK_DURATION, SoakSettings, describe_duration, parse_duration};
use crate::bench::trials::{file_stem, scenario};
use crate::outcome::{TestError, TestResult};
use crate::registry::{Body, GenerateContext, GenerateError, Level, Marker, TestCase, TestGenerator};
use crate::runner::TestContext;
use crate::selection::Backend;

/// Where the configs are, under the repository root.
pub const CONFIG_DIR: &str = "baselines/stability";

/// The variable that sets every soak's duration.
pub const DURATION_VARIABLE: &str = "OMNITEST_SOAK_DURATION";

inventory::submit! {
    TestGenerator { name: "stability configs (baselines/stability/*.json)", generate }
}

#[derive(Debug)]
struct Trial {
    file: PathBuf,
    case: StabilityCase,
    entry: SoakEntry,
    duration: Option<Duration>,
}

/// The trials of every config under `<root>/baselines/stability`.
pub fn generate(ctx: &GenerateContext) -> Result<Vec<TestCase>, GenerateError> {
    let dir = ctx.root.join(CONFIG_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let duration = duration_from_env().map_err(GenerateError)?;
    let configs = StabilityConfig::load_dir(&dir).map_err(|e| GenerateError(e.to_string()))?;
    let mut cases = Vec::new();
    for config in &configs {
        cases.extend(cases_of(config, duration)?);
    }
    Ok(cases)
}

/// `OMNITEST_SOAK_DURATION`, when set.
pub fn duration_from_env() -> Result<Option<Duration>, String> {
    match std::env::var(DURATION_VARIABLE) {
        Ok(text) => parse_duration(&text).map(Some).map_err(|e| format!("{DURATION_VARIABLE}: {e}")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{DURATION_VARIABLE} is not valid UTF-8")),
    }
}

/// The trials of one config, each soak lasting `duration` when given.
pub fn cases_of(config: &StabilityConfig, duration: Option<Duration>) -> Result<Vec<TestCase>, GenerateError> {
    let stem = file_stem(&config.file);
    let mut cases = Vec::new();
    for stability in &config.cases {
        let case = &stability.case;
        if case.marks.hardware.is_empty() && !case.marks.markers.contains(&Marker::Cpu) {
            return Err(GenerateError(format!(
                "{}: {}: a stability case needs a `mark` with {{\"hardware_marks\": …}} (the hardware its model \
                 runs on) or the `cpu` marker, to be a trial",
                config.file.display(),
                case.path
            )));
        }
        let mut levels = case.marks.levels.clone();
        if !levels.contains(&Level::FullModel) {
            levels.push(Level::FullModel);
        }
        let mut markers = case.marks.markers.clone();
        if !markers.contains(&Marker::Slow) {
            markers.push(Marker::Slow);
        }
        let scenario = scenario::leak_scenario(case);
        let path = format!("dfx::stability::{stem}::{}", case.test_name);
        for entry in &stability.entries {
            let id = if stability.entries.len() > 1 {
                format!("e{}-{}", entry.index, entry.load.short())
            } else {
                entry.load.short()
            };
            let doc = doc(stability, entry, &config.file);
            let trial =
                Arc::new(Trial { file: config.file.clone(), case: stability.clone(), entry: entry.clone(), duration });
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

/// The seed's docstring convention for a soak.
fn doc(stability: &StabilityCase, entry: &SoakEntry, file: &Path) -> String {
    let case = &stability.case;
    let deploy = case.server.stage_config_name.as_deref().unwrap_or("default");
    let backend = entry.options.get("backend").and_then(|v| v.as_str()).unwrap_or(match &entry.task {
        Some(task) => task.as_str(),
        None => "openai-completions",
    });
    let ranged: Vec<String> = entry.ranges.iter().map(|option| format!("{} {}", option.key, option.range)).collect();
    format!(
        "Stability soak `{}` (entry {}) of {}.\nDeploy Setting: {deploy}\nInput Modal: as the config's dataset\n\
         Output Modal: as {backend}\nInput Setting: {} for {}, batches of {}{}{}\nDatasets: {}",
        case.test_name,
        entry.index,
        file.display(),
        entry.load,
        describe_duration(entry.duration),
        entry.batch_size,
        if ranged.is_empty() { "" } else { ", drawn per batch: " },
        ranged.join(", "),
        entry.options.get("dataset_name").and_then(|v| v.as_str()).unwrap_or("random"),
    )
}

fn run_trial(ctx: &TestContext, trial: &Trial) -> TestResult {
    let server = ctx.server()?;
    let settings = if server.backend() == Backend::Mock {
        SoakSettings::for_entry(&trial.entry, trial.duration.or(Some(MOCK_DURATION))).on_mock()
    } else {
        SoakSettings::for_entry(&trial.entry, trial.duration)
    };
    let target = SoakServer { url: server.url(), model: server.model(), pid: server.pid() };
    let report = run_soak(&trial.file, &trial.case, &trial.entry, target, &settings, ctx.output_dir()?)
        .map_err(|e| TestError::harness(e.to_string()))?;
    println!("{}", report.render());
    if report.passed() { Ok(()) } else { Err(TestError::failure(report.failure_summary())) }
}
