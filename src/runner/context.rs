//! What a running test can ask of the harness.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::client::Client;
use crate::fixtures::slot::Owned;
use crate::fixtures::{LaunchEnv, OfflineRunner, ScenarioSlot, Server};
use crate::outcome::TestError;
use crate::registry::{Level, Scenario, ScenarioChoice};
use crate::selection::Backend;

/// The context a test runs in: its name, the run level, the backend, its scenario and its
/// output folder.
#[derive(Debug)]
pub struct TestContext {
    pub(crate) name: String,
    pub(crate) run_level: Level,
    pub(crate) backend: Backend,
    pub(crate) scenario: Option<ScenarioChoice>,
    pub(crate) output_dir: PathBuf,
    pub(crate) output_root: PathBuf,
    pub(crate) omnitest_binary: Option<PathBuf>,
    pub(crate) gpus: u32,
    pub(crate) slot: Option<Arc<ScenarioSlot>>,
    pub(crate) asr_url: Option<String>,
    pub(crate) launch: Arc<LaunchEnv>,
}

impl TestContext {
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

    /// The run's output root (`--output-dir`, else `$OUTPUT_DIR`, else a temp folder), for
    /// tests that lay out their own folders under it, as documentation examples do.
    pub fn output_root(&self) -> &Path {
        &self.output_root
    }

    /// The `omnitest` binary this run starts mock servers with (`OMNITEST_BIN`, else the one
    /// built with the e2e binary), when the harness knows one.
    pub fn omnitest_binary(&self) -> Option<&Path> {
        self.omnitest_binary.as_deref()
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

    /// The scenario's offline runner, started on first use and shared like a server.
    pub fn runner(&self) -> Result<Arc<OfflineRunner>, TestError> {
        match &self.slot {
            Some(slot) => slot.runner(),
            None => Err(TestError::harness(format!(
                "test `{}` asks for an offline runner but names no scenario: add #[scenarios(...)]",
                self.name
            ))),
        }
    }

    /// A client for the scenario's server, validating at the run level. Audio is transcribed by
    /// the `--asr-url` server when one is set, else by the server itself (the mock decodes its
    /// own speech).
    pub fn client(&self) -> Result<Client, TestError> {
        let server = self.server()?;
        let client = Client::for_server(server, self.run_level);
        Ok(match &self.asr_url {
            Some(url) => client.with_asr(url),
            None => client,
        })
    }

    /// Starts `scenario`'s offline runner for this test alone, runs `body` with it, and stops it.
    /// This is how a test compares configurations (a baseline, then sequence parallel): one after
    /// the other, as GPUs that hold one engine at a time require. Only for tests without
    /// `#[scenarios]`, whose runner would otherwise hold the GPUs while this one waits for them.
    pub fn with_runner<T>(
        &self,
        scenario: &'static Scenario,
        body: impl FnOnce(&OfflineRunner) -> Result<T, TestError>,
    ) -> Result<T, TestError> {
        let dir = self.owned_dir("runner", scenario)?;
        let runner = Owned::runner(&self.launch, scenario, &dir)?;
        body(runner.get())
    }

    /// Starts `scenario`'s server for this test alone, runs `body` with it and a client validating
    /// at the run level, and stops it; as [`TestContext::with_runner`], for tests without
    /// `#[scenarios]`.
    pub fn with_server<T>(
        &self,
        scenario: &'static Scenario,
        body: impl FnOnce(&Server, &Client) -> Result<T, TestError>,
    ) -> Result<T, TestError> {
        let dir = self.owned_dir("server", scenario)?;
        let server = Owned::server(&self.launch, scenario, &dir)?;
        let client = Client::new(server.get().url(), self.run_level);
        let client = match &self.asr_url {
            Some(url) => client.with_asr(url),
            None => client,
        };
        body(server.get(), &client)
    }

    fn owned_dir(&self, kind: &str, scenario: &Scenario) -> Result<PathBuf, TestError> {
        if self.slot.is_some() {
            return Err(TestError::harness(format!(
                "test `{}` has #[scenarios] and starts another {kind}: compare configurations in a test \
                 without #[scenarios], starting each with with_{kind}",
                self.name
            )));
        }
        let id: String = scenario
            .id_or(scenario.model)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect();
        Ok(self.output_dir()?.join(format!("{kind}-{id}")))
    }

    /// This trial's artifact folder (`<output dir>/<module path>/<test>[<scenario>]`), created on
    /// first use.
    pub fn output_dir(&self) -> Result<&Path, TestError> {
        std::fs::create_dir_all(&self.output_dir).map_err(|err| {
            TestError::harness(format!("cannot create output folder {}: {err}", self.output_dir.display()))
        })?;
        Ok(&self.output_dir)
    }
}

/// The folder of a trial under the output root: one folder per module segment, so artifacts sit
/// where the test's source does.
pub(crate) fn trial_dir(root: &Path, trial_name: &str) -> PathBuf {
    trial_name.split("::").fold(root.to_path_buf(), |dir, segment| dir.join(sanitize(segment)))
}

fn sanitize(segment: &str) -> String {
    segment.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_dirs_mirror_module_paths() {
        let dir = trial_dir(Path::new("/out"), "online_serving::qwen3_omni::test_a_001[default]");
        assert_eq!(dir, Path::new("/out/online_serving/qwen3_omni/test_a_001[default]"));
        assert_eq!(trial_dir(Path::new("/out"), "x::a/b"), Path::new("/out/x/a_b"));
    }
}
