//! The harness's main loop: parse, collect, select, plan, run, report.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;

use super::args::HarnessArgs;
use super::env::{UnknownVariable, check_variables};
use super::trials::{RunShared, build_trials};
use crate::fixtures::LaunchEnv;
use crate::plan::Plan;
use crate::registry::{Catalog, GenerateContext, RegistryError, trial_names_of};
use crate::reporters::{self, Recorder, ReportError, RunInfo};
use crate::selection::{Environment, MarkerExpr, Selection, SelectionOptions, deselection_reason, select};

/// Why the harness stopped before, or after, running tests.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// An `OMNITEST_*` variable omnitest does not read.
    #[error(transparent)]
    UnknownVariable(#[from] UnknownVariable),
    /// The registered tests break the registry's rules.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// `--exact NAME` names no selected test or test function.
    #[error("no test matches `{name}` exactly: {hint}")]
    NoExactMatch {
        /// The name given.
        name: String,
        /// Why: unknown, or deselected and how to select it.
        hint: String,
    },
    /// A report could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// `OMNITEST_MOCK_ARGS` or `OMNITEST_MOCK_DEFECTS` cannot be used.
    #[error("{variable}={value:?}: {problem}")]
    BadVariable {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What is wrong, with the valid values.
        problem: String,
    },
    /// Server processes survived teardown.
    #[error("server processes survived teardown: {pids:?} (a teardown bug; they were sent SIGKILL)")]
    Survivors {
        /// Their process ids.
        pids: Vec<u32>,
    },
}

impl HarnessError {
    /// 2 for what the user typed (as clap uses), 3 for the rest.
    fn exit_code(&self) -> u8 {
        match self {
            HarnessError::UnknownVariable(_) | HarnessError::NoExactMatch { .. } | HarnessError::BadVariable { .. } => {
                2
            }
            HarnessError::Registry(_) | HarnessError::Report(_) | HarnessError::Survivors { .. } => 3,
        }
    }
}

/// Runs the harness on the process's arguments and environment.
pub fn main() -> ExitCode {
    run_with_args(std::env::args_os(), &Paths::default())
}

/// What the e2e binary knows at compile time.
#[derive(Clone, Debug, Default)]
pub struct Paths {
    /// The `omnitest` binary (`env!("CARGO_BIN_EXE_omnitest")`), which runs the mock.
    pub omnitest_bin: Option<PathBuf>,
}

/// Runs the harness with the `omnitest` binary at `omnitest_bin` (for the mock backend).
pub fn main_with_binary(omnitest_bin: &str) -> ExitCode {
    run_with_args(std::env::args_os(), &Paths { omnitest_bin: Some(PathBuf::from(omnitest_bin)) })
}

/// Runs the harness on the given arguments (the first is the program name).
pub fn run_with_args(args: impl IntoIterator<Item = impl Into<OsString> + Clone>, paths: &Paths) -> ExitCode {
    if let Err(err) = check_variables(std::env::vars_os().map(|(name, _)| name)) {
        reporters::print_error(&err);
        return ExitCode::from(2);
    }
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let parsed = match HarnessArgs::try_parse_from(&args) {
        Ok(parsed) => parsed,
        Err(err) => {
            let _ = err.print();
            if let Some(note) = env_source_note(&err, &args) {
                reporters::print_note(&note);
            }
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match run(parsed, paths) {
        Ok(code) => code,
        Err(err) => {
            reporters::print_error(&err);
            ExitCode::from(err.exit_code())
        }
    }
}

fn run(mut args: HarnessArgs, paths: &Paths) -> Result<ExitCode, HarnessError> {
    let started = Instant::now();
    let catalog = Catalog::collect(&GenerateContext { root: PathBuf::from(env!("CARGO_MANIFEST_DIR")) })?;
    if args.catalog_json {
        return print_catalog(&catalog);
    }
    let options = SelectionOptions {
        run_level: args.run_level,
        markers: args.markers.clone().unwrap_or_else(|| MarkerExpr::parse("").expect("empty expression parses")),
        hardware: args.hardware,
        cards: args.cards,
        partition: args.partition,
    };
    let backend = args.backend.resolve(std::env::var("PATH").ok().as_deref());
    let env = Environment::new(backend, args.gpus, std::env::var("CUDA_VISIBLE_DEVICES").ok(), args.asr_url.is_some());
    let selection = select(&catalog, &options, &env);
    let selection = resolve_exact_function(&mut args.libtest, selection, &catalog, &options)?;
    let plan = Plan::new(selection);
    let output_dir = output_root(args.output_dir.clone());
    let launch = launch_env(&args, env.backend.backend, &output_dir, paths)?;
    let shared = Arc::new(RunShared {
        run_level: args.run_level,
        backend: env.backend.backend,
        output_dir,
        launch: Arc::new(launch),
        asr_url: args.asr_url.clone(),
        // Listing must stay side-effect free and fast: no GPU probe.
        gpus: if args.libtest.list { 0 } else { env.gpus().count },
        recorder: Recorder::default(),
        run_ignored: args.runs_ignored(),
    });

    if args.libtest.list {
        crate::cli::die_quietly_on_closed_stdout();
        let _ = libtest_mimic::run(&args.libtest, build_trials(plan, &shared, true));
        return Ok(ExitCode::SUCCESS);
    }

    // What libtest's own name filter (`FILTER`, `--skip`) will leave, for an honest header.
    let waives = !env.backend.backend.needs_hardware();
    let facts: Vec<(bool, bool, Option<&'static crate::registry::Scenario>)> = plan
        .trials()
        .map(|trial| {
            let waived = waives && !trial.case.requirements.is_empty();
            (trial.ignored.is_some(), waived, trial.scenario.as_ref().map(|choice| choice.scenario))
        })
        .collect();
    let deselected = plan.deselected;
    let trials = build_trials(plan, &shared, false);
    let mut scenarios: std::collections::HashSet<&crate::registry::Scenario> = std::collections::HashSet::new();
    let (mut planned, mut ignored, mut filtered, mut hardware_waived) = (0, 0, 0, 0);
    for (trial, (is_ignored, waived, scenario)) in trials.iter().zip(facts) {
        if args.libtest.is_filtered_out(trial) {
            filtered += 1;
            continue;
        }
        planned += 1;
        ignored += usize::from(is_ignored);
        hardware_waived += usize::from(waived);
        scenarios.extend(scenario);
    }
    let info = RunInfo {
        run_level: args.run_level,
        backend: env.backend.clone(),
        gpus: env.gpus().clone(),
        selection: describe_selection(&args),
        planned,
        ignored,
        deselected: deselected + filtered,
        hardware_waived,
        scenarios: scenarios.len(),
        output_dir: shared.output_dir.clone(),
    };
    reporters::print_header(&info);
    let conclusion = libtest_mimic::run(&args.libtest, trials);
    let shared = Arc::into_inner(shared).expect("every trial has finished and dropped its handle");
    let servers = shared.launch.stats();
    let records = shared.recorder.into_records();
    let written = write_reports(&args, &info, &records, started.elapsed())?;
    let written: Vec<(&str, &std::path::Path)> = written.iter().map(|(what, path)| (*what, path.as_path())).collect();
    reporters::print_footer(&records, &written);
    reporters::print_servers(servers.started, servers.scenarios.len(), servers.failed, &servers.survivors);
    if !servers.survivors.is_empty() {
        return Err(HarnessError::Survivors { pids: servers.survivors });
    }
    Ok(conclusion.exit_code())
}

/// `--catalog-json`: the catalog as one JSON document on stdout.
fn print_catalog(catalog: &Catalog) -> Result<ExitCode, HarnessError> {
    crate::cli::die_quietly_on_closed_stdout();
    let summary = crate::ci::CatalogSummary::of(catalog);
    // Serializing plain strings and numbers cannot fail.
    let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

/// When clap rejects a value that came from an `OMNITEST_*` variable rather than the command
/// line, says so: clap's message names only the flag.
fn env_source_note(err: &clap::Error, args: &[OsString]) -> Option<String> {
    let clap::error::ContextValue::String(arg) = err.get(clap::error::ContextKind::InvalidArg)? else {
        return None;
    };
    let flag = arg.split_whitespace().next()?;
    let typed = args.iter().any(|a| a.to_str().is_some_and(|a| a == flag || a.starts_with(&format!("{flag}="))));
    let (variable, _) = super::env::KNOWN_VARIABLES.iter().find(|(_, f)| f.split('/').any(|f| f == flag))?;
    (!typed && std::env::var_os(variable).is_some()).then(|| format!("the value comes from {variable}"))
}

/// rust-analyzer runs a test with `<module::test_fn> --exact`, but trials with scenarios are
/// named `test_fn[scenario]`: an exact name of a test function selects all its trials. An exact
/// name that matches nothing is an error, not a run of zero tests that passes.
fn resolve_exact_function(
    libtest: &mut libtest_mimic::Arguments,
    mut selection: Selection,
    catalog: &Catalog,
    options: &SelectionOptions,
) -> Result<Selection, HarnessError> {
    let (true, Some(name)) = (libtest.exact, libtest.filter.clone()) else {
        return Ok(selection);
    };
    if selection.trials.iter().any(|trial| trial.name == name) {
        return Ok(selection);
    }
    let before = selection.trials.len();
    selection.trials.retain(|trial| trial.case.path == name);
    if !selection.trials.is_empty() {
        selection.deselected += before - selection.trials.len();
        libtest.filter = None;
        return Ok(selection);
    }
    let known = catalog.cases().iter().find(|case| case.path == name || trial_names_of(case).contains(&name));
    let hint = match known {
        Some(case) => format!("the test exists but is not selected: {}", deselection_reason(case, options)),
        None => "no registered test or test function has this name (hint: list them with --list)".to_owned(),
    };
    Err(HarnessError::NoExactMatch { name, hint })
}

/// How servers are launched in this run. `OMNITEST_BIN` overrides the `omnitest` binary,
/// `OMNITEST_DEPLOY_DIR` the folder relative deploy configs are found in, and
/// `OMNITEST_MOCK_ARGS` adds arguments to every mock server, and `OMNITEST_MOCK_DEFECTS`
/// deliberate defects to every mock server and runner.
fn launch_env(
    args: &HarnessArgs,
    backend: crate::selection::Backend,
    output_dir: &std::path::Path,
    paths: &Paths,
) -> Result<LaunchEnv, HarnessError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let deploy_dir =
        std::env::var_os("OMNITEST_DEPLOY_DIR").map_or_else(|| root.join("baselines/deploy"), PathBuf::from);
    let mut launch = LaunchEnv::new(backend, args.run_level, output_dir.to_path_buf(), deploy_dir);
    launch.server_url = args.server_url.clone();
    launch.mock_binary = std::env::var_os("OMNITEST_BIN").map(PathBuf::from).or_else(|| paths.omnitest_bin.clone());
    if let Ok(value) = std::env::var("OMNITEST_MOCK_ARGS") {
        launch.mock_args = shlex::split(&value).ok_or_else(|| HarnessError::BadVariable {
            variable: "OMNITEST_MOCK_ARGS",
            problem: "not a shell-quoted argument list (an unclosed quote?)".to_owned(),
            value,
        })?;
    }
    if let Ok(value) = std::env::var("OMNITEST_MOCK_DEFECTS") {
        launch.mock_defects = parse_defects(&value).map_err(|err| HarnessError::BadVariable {
            variable: "OMNITEST_MOCK_DEFECTS",
            value,
            problem: err.to_string(),
        })?;
    }
    Ok(launch)
}

fn parse_defects(value: &str) -> Result<Vec<crate::mock::defects::Defect>, crate::mock::defects::UnknownDefect> {
    value.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::parse).collect()
}

/// `--output-dir`, else the seed's `OUTPUT_DIR`, else a new folder under the temp dir.
fn output_root(flag: Option<PathBuf>) -> PathBuf {
    if let Some(dir) = flag.or_else(|| std::env::var_os("OUTPUT_DIR").map(PathBuf::from)) {
        return dir;
    }
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    std::env::temp_dir().join(format!("omnitest-{stamp}-{}", std::process::id()))
}

fn describe_selection(args: &HarnessArgs) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(markers) = &args.markers {
        parts.push(format!("-m \"{markers}\""));
    }
    if let Some(hardware) = args.hardware {
        parts.push(format!("--hardware {hardware}"));
    }
    if let Some(cards) = args.cards {
        parts.push(format!("--cards {cards}"));
    }
    if let Some(partition) = args.partition {
        parts.push(format!("--partition {partition}"));
    }
    if let Some(filter) = &args.libtest.filter {
        parts.push(format!("filter `{filter}`{}", if args.libtest.exact { " (exact)" } else { "" }));
    }
    parts
}

fn write_reports(
    args: &HarnessArgs,
    info: &RunInfo,
    records: &[reporters::TrialRecord],
    elapsed: std::time::Duration,
) -> Result<Vec<(&'static str, PathBuf)>, HarnessError> {
    if std::env::var_os("NEXTEST").is_some() {
        if args.junit.is_some() || args.summary.is_some() {
            reporters::print_note(
                "under nextest each test is its own process: use nextest's JUnit report \
                 ([profile.ci.junit] in .config/nextest.toml) instead of --junit/--summary",
            );
        }
        return Ok(Vec::new());
    }
    let mut written = Vec::new();
    if let Some(path) = &args.junit {
        create_parent(path)?;
        reporters::write_junit(path, info, records, elapsed)?;
        written.push(("JUnit report", path.clone()));
    }
    let summary = args.summary.clone().unwrap_or_else(|| info.output_dir.join("summary.md"));
    create_parent(&summary)?;
    let markdown = reporters::render_markdown(info, records, elapsed);
    std::fs::write(&summary, markdown).map_err(|source| ReportError::Write {
        what: "Markdown summary",
        path: summary.clone(),
        source,
    })?;
    written.push(("Markdown summary", summary));
    Ok(written)
}

fn create_parent(path: &std::path::Path) -> Result<(), ReportError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent)
            .map_err(|source| ReportError::Write { what: "report folder", path: parent.to_path_buf(), source }),
        _ => Ok(()),
    }
}
