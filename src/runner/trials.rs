//! Turns the plan into libtest-mimic trials whose bodies record their outcome for the reports.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use libtest_mimic::{Completion, Failed, Trial};

use super::context::{TestContext, trial_dir};
use crate::fixtures::{LaunchEnv, ScenarioSlot};
use crate::outcome::{ErrorKind, TestError};
use crate::plan::Plan;
use crate::registry::{Level, Scenario, Scope};
use crate::reporters::{Recorder, TrialRecord, TrialStatus};
use crate::selection::{Backend, SelectedTrial};

/// What every trial of a run shares.
#[derive(Debug)]
pub(crate) struct RunShared {
    pub run_level: Level,
    pub backend: Backend,
    pub output_dir: PathBuf,
    pub gpus: u32,
    pub launch: Arc<LaunchEnv>,
    pub asr_url: Option<String>,
    pub recorder: Recorder,
    /// `--ignored` / `--include-ignored`: run trials even when they would be ignored.
    pub run_ignored: bool,
}

/// One libtest trial per planned trial, in plan order.
///
/// A trial that cannot run here is flagged ignored when listing (so `--list --ignored` shows
/// exactly those, as nextest requires) or when the user asked to run ignored trials; otherwise
/// it ignores itself at run time, which lets libtest print the reason.
pub(crate) fn build_trials(plan: Plan, shared: &Arc<RunShared>, listing: bool) -> Vec<Trial> {
    let flag_ignored = listing || shared.run_ignored;
    let mut trials = Vec::with_capacity(plan.len());
    for group in plan.groups {
        // One slot per scenario, shared by its trials: the server starts with the first trial
        // that asks for it and stops when the last trial has run and dropped the slot.
        let shared_slot = group.scenario.filter(|s| s.scope == Scope::Shared).map(|scenario| {
            Arc::new(ScenarioSlot::new(Arc::clone(&shared.launch), scenario, scenario_folder(scenario, None)))
        });
        for (index, planned) in group.trials.into_iter().enumerate() {
            let slot = match (&shared_slot, group.scenario) {
                (Some(slot), _) => Some(Arc::clone(slot)),
                (None, Some(scenario)) => Some(Arc::new(ScenarioSlot::new(
                    Arc::clone(&shared.launch),
                    scenario,
                    scenario_folder(scenario, Some(index)),
                ))),
                (None, None) => None,
            };
            let flagged = flag_ignored && planned.ignored.is_some();
            let name = planned.name.clone();
            let shared = Arc::clone(shared);
            trials.push(
                Trial::ignorable_test(name, move || run_trial(planned, slot, &shared)).with_ignored_flag(flagged),
            );
        }
    }
    trials
}

/// `scenarios/<id>-<hash>` (plus the trial's index for per-test servers): ids repeat across
/// suites, the hash of the whole configuration does not.
fn scenario_folder(scenario: &Scenario, trial: Option<usize>) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(format!("{scenario:?}").as_bytes());
    let id: String = scenario
        .id_or("scenario")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    match trial {
        None => format!("{id}-{:08x}", hash as u32),
        Some(i) => format!("{id}-{:08x}-trial{i}", hash as u32),
    }
}

fn run_trial(
    planned: SelectedTrial,
    slot: Option<Arc<ScenarioSlot>>,
    shared: &RunShared,
) -> Result<Completion, Failed> {
    let SelectedTrial { name, case, scenario, ignored } = planned;
    let started = Instant::now();
    let status = match ignored {
        Some(reason) if !shared.run_ignored => TrialStatus::Ignored(reason),
        _ => {
            let output_dir = trial_dir(&shared.output_dir, &name);
            let ctx = TestContext {
                name: name.clone(),
                run_level: shared.run_level,
                backend: shared.backend,
                scenario: scenario.clone(),
                output_dir,
                output_root: shared.output_dir.clone(),
                omnitest_binary: shared.launch.mock_binary.clone(),
                gpus: shared.gpus,
                slot,
                asr_url: shared.asr_url.clone(),
                launch: Arc::clone(&shared.launch),
            };
            match catch_unwind(AssertUnwindSafe(|| case.body.call(&ctx))) {
                Ok(Ok(())) => TrialStatus::Passed,
                Ok(Err(err)) => status_of(&err),
                Err(payload) => TrialStatus::Failed(format!("test panicked: {}", panic_message(payload.as_ref()))),
            }
        }
    };
    shared.recorder.record(TrialRecord {
        name,
        scenario: scenario.map(|choice| choice.id.into_owned()),
        levels: case.levels.clone(),
        markers: case.markers,
        status: status.clone(),
        duration: started.elapsed(),
    });
    match status {
        TrialStatus::Passed => Ok(Completion::Completed),
        TrialStatus::Ignored(reason) => Ok(Completion::ignored_with(reason)),
        TrialStatus::Failed(message) => Err(message.into()),
        TrialStatus::Error(message) => Err(format!("harness error: {message}").into()),
    }
}

fn status_of(err: &TestError) -> TrialStatus {
    match err.kind() {
        ErrorKind::Failure => TrialStatus::Failed(err.message().to_owned()),
        ErrorKind::Harness => TrialStatus::Error(err.message().to_owned()),
        ErrorKind::Ignored => TrialStatus::Ignored(err.message().to_owned()),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}
