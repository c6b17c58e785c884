//! What a running test can ask of the harness.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fixtures::{ScenarioSlot, Server};
use crate::outcome::TestError;
use crate::registry::{Level, Scenario, ScenarioChoice};
use crate::selection::Backend;

/// The context a test runs in: its name, the run level, the backend, its scenario and its
/// output folder.
#[derive(Debug)]
pub struct TestContext {
    name: String,
    run_level: Level,
    backend: Backend,
    scenario: Option<ScenarioChoice>,
    output_dir: PathBuf,
    gpus: u32,
    slot: Option<Arc<ScenarioSlot>>,
}

impl TestContext {
    pub(crate) fn new(
        name: String,
        run_level: Level,
        backend: Backend,
        scenario: Option<ScenarioChoice>,
        output_dir: PathBuf,
        gpus: u32,
        slot: Option<Arc<ScenarioSlot>>,
    ) -> TestContext {
        TestContext {
            name,
            run_level,
            backend,
            scenario,
            output_dir,
            gpus,
            slot,
        }
    }

    /// The trial's name, `module::test_fn[scenario]`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The level being run, which sets validation depth.
    pub fn run_level(&self) -> Level {
        self.run_level
    }

    /// The backend serving the scenarios.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The GPUs this run may use (detected, or `--gpus`).
    pub fn gpus(&self) -> u32 {
        self.gpus
    }

    /// The scenario this trial runs under, if it has one.
    pub fn scenario(&self) -> Option<&'static Scenario> {
        self.scenario.as_ref().map(|choice| choice.scenario)
    }

    /// The scenario's server, started on first use and shared with the scenario's other trials.
    /// A server that cannot start is a harness error, not a test failure.
    pub fn server(&self) -> Result<Arc<Server>, TestError> {
        match &self.slot {
            Some(slot) => slot.server(),
            None => Err(TestError::harness(format!(
                "test `{}` asks for a server but names no scenario: add #[scenarios(...)]",
                self.name
            ))),
        }
    }

    /// This trial's artifact folder (`<output dir>/<module path>/<test>[<scenario>]`), created on
    /// first use.
    pub fn output_dir(&self) -> Result<&Path, TestError> {
        std::fs::create_dir_all(&self.output_dir).map_err(|err| {
            TestError::harness(format!(
                "cannot create output folder {}: {err}",
                self.output_dir.display()
            ))
        })?;
        Ok(&self.output_dir)
    }
}

/// The folder of a trial under the output root: one folder per module segment, so artifacts sit
/// where the test's source does.
pub(crate) fn trial_dir(root: &Path, trial_name: &str) -> PathBuf {
    trial_name
        .split("::")
        .fold(root.to_path_buf(), |dir, segment| {
            dir.join(sanitize(segment))
        })
}

fn sanitize(segment: &str) -> String {
    segment
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_dirs_mirror_module_paths() {
        let dir = trial_dir(
            Path::new("/out"),
            "online_serving::qwen3_omni::test_a_001[default]",
        );
        assert_eq!(
            dir,
            Path::new("/out/online_serving/qwen3_omni/test_a_001[default]")
        );
        assert_eq!(
            trial_dir(Path::new("/out"), "x::a/b"),
            Path::new("/out/x/a_b")
        );
    }
}
