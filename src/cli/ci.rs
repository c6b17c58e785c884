//! `omnitest ci buildkite`: the Buildkite pipelines of `.buildkite/`, planned from the tests the
//! e2e binary registers.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::ci::{
    CatalogSourceError, CatalogSummary, DEFAULT_MAX_TRIALS_PER_CPU_STEP, DEFAULT_MAX_TRIALS_PER_STEP, PlanError,
    PlanOptions, Trigger, build_e2e_binary, pipeline_files, read_catalog, render_trigger,
};

/// `omnitest ci …`.
#[derive(clap::Subcommand, Debug)]
pub(crate) enum CiCommand {
    /// Prints or writes the Buildkite pipelines: one step per hardware group of each trigger's
    /// tests, split into hash partitions when a group is large.
    Buildkite(BuildkiteArgs),
}

#[derive(clap::Args, Debug)]
pub(crate) struct BuildkiteArgs {
    /// The trigger whose pipeline to print (with --write, the only one to write).
    #[arg(long, value_parser = parse_trigger)]
    trigger: Option<Trigger>,

    /// Writes the pipelines into DIR (pipeline.yml and test-<trigger>.yml) instead of printing.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,

    /// The e2e test binary whose tests to plan [default: built with `cargo test --test e2e
    /// --no-run`].
    #[arg(long, env = "OMNITEST_E2E_BINARY", value_name = "PATH")]
    e2e_binary: Option<PathBuf>,

    /// How many trials a step on accelerators runs before its hardware group is split into
    /// `hash` partitions.
    #[arg(long, default_value_t = DEFAULT_MAX_TRIALS_PER_STEP, value_parser = parse_positive)]
    max_trials_per_step: usize,

    /// The same for CPU steps, which run against the mock.
    #[arg(long, default_value_t = DEFAULT_MAX_TRIALS_PER_CPU_STEP, value_parser = parse_positive)]
    max_trials_per_cpu_step: usize,
}

fn parse_trigger(value: &str) -> Result<Trigger, crate::ci::UnknownTrigger> {
    value.parse()
}

fn parse_positive(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("expected a whole number of at least 1, got `{value}`")),
    }
}

/// Why the pipelines were not written.
#[derive(Debug, thiserror::Error)]
enum CiError {
    #[error("nothing to do: pass --trigger {} to print a pipeline, or --write DIR to write them all", Trigger::valid_names().replace(", ", "|"))]
    NothingToDo,
    #[error(transparent)]
    Source(#[from] CatalogSourceError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

pub(crate) fn run(command: &CiCommand) -> ExitCode {
    let CiCommand::Buildkite(args) = command;
    match buildkite(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            crate::reporters::print_error(&err);
            ExitCode::from(if matches!(err, CiError::NothingToDo) { 2 } else { 1 })
        }
    }
}

fn buildkite(args: &BuildkiteArgs) -> Result<(), CiError> {
    if args.trigger.is_none() && args.write.is_none() {
        return Err(CiError::NothingToDo);
    }
    let binary = match &args.e2e_binary {
        Some(path) => path.clone(),
        None => build_e2e_binary()?,
    };
    let catalog: CatalogSummary = read_catalog(&binary)?;
    let options = PlanOptions {
        max_trials_per_step: args.max_trials_per_step,
        max_trials_per_cpu_step: args.max_trials_per_cpu_step,
    };
    let Some(dir) = &args.write else {
        let trigger = args.trigger.ok_or(CiError::NothingToDo)?;
        crate::cli::die_quietly_on_closed_stdout();
        print!("{}", render_trigger(&catalog, trigger, options)?);
        return Ok(());
    };
    let triggers: Vec<Trigger> = args.trigger.map_or_else(|| Trigger::ALL.to_vec(), |t| vec![t]);
    std::fs::create_dir_all(dir).map_err(|source| CiError::Write { path: dir.clone(), source })?;
    for (name, text) in pipeline_files(&catalog, &triggers, options)? {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| CiError::Write { path: path.clone(), source })?;
        eprintln!("omnitest: wrote {}", path.display());
    }
    Ok(())
}
