use std::fmt;

/// How a scenario's server (or offline runner) comes to exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Launch {
    /// `vllm serve MODEL --omni …` on a real backend; the embedded mock stands in for it on the
    /// mock backend, with the profile the model implies.
    VllmOmni,
    /// Always the embedded mock server, whatever the backend: for omnitest's own tests.
    Mock,
    /// A server that is already running. An empty URL means `--server-url`.
    External(&'static str),
    /// Any server started from a command template. `{model}`, `{host}`, `{port}`,
    /// `{config}` and `{output_dir}` are substituted; the server must answer on `{port}`.
    Command(&'static str),
    /// An offline runner speaking the JSON-lines protocol: `harness/offline_runner.py` on a real
    /// backend, `omnitest mock-runner` on the mock.
    OfflineRunner,
}

/// Which deploy file a scenario hands the server, and under which flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigFile {
    /// None: the model's built-in defaults.
    None,
    /// `--stage-configs-path PATH` (legacy stage configs and the e2e suites).
    StageConfigs(&'static str),
    /// `--deploy-config PATH` (the deploy schema; the performance runner).
    Deploy(&'static str),
}

/// Whether a scenario's server is shared by its tests or fresh for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One server for all the scenario's tests, started lazily before the first and stopped
    /// right after the last.
    Shared,
    /// A fresh server per test, for tests that break their server (faults, kills).
    PerTest,
}

/// A server (or offline runner) configuration that tests name in `#[scenarios(...)]`.
///
/// Scenarios are plain data built with `const fn`s, so a suite declares them as statics:
///
/// ```
/// use omnitest::prelude::*;
///
/// static DEFAULT: Scenario = Scenario::vllm_omni("Qwen/Qwen3-Omni-30B-A3B-Instruct")
///     .deploy_config("ci/qwen3_omni_moe.yaml")
///     .updates(&[("stages.0.enforce_eager", "true")]);
/// assert_eq!(DEFAULT.model, "Qwen/Qwen3-Omni-30B-A3B-Instruct");
/// ```
///
/// Tests whose scenarios are equal share a server, whichever static names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scenario {
    /// The id in trial names (`test_fn[id]`); empty means the static's name, lower-cased.
    pub id: &'static str,
    /// The served model.
    pub model: &'static str,
    /// How the server comes to exist.
    pub launch: Launch,
    /// The deploy or stage-config file.
    pub config: ConfigFile,
    /// Extra arguments for the serve command.
    pub args: &'static [&'static str],
    /// Environment variables for the server.
    pub env: &'static [(&'static str, &'static str)],
    /// Deploy-YAML updates: a dotted key path (`stages.0.engine_args.max_model_len`, or a
    /// top-level key) and a YAML value.
    pub updates: &'static [(&'static str, &'static str)],
    /// Deploy-YAML deletions, as dotted key paths. Applied before the updates.
    pub deletes: &'static [&'static str],
    /// The mock profile standing in for the model; empty means the one the model name implies.
    pub mock_profile: &'static str,
    /// Extra arguments for the mock only, when it stands in for the server (mock flags such as
    /// `--engine-process` that a real server would reject).
    pub mock_args: &'static [&'static str],
    /// Shared or per-test.
    pub scope: Scope,
    /// How long the server may take to become ready.
    pub startup_timeout_s: u32,
    /// Whether `vllm serve` gets `--omni` (vLLM-Omni's server) or runs as plain vLLM.
    pub omni: bool,
}

impl Scenario {
    const fn base(model: &'static str, launch: Launch) -> Scenario {
        Scenario {
            id: "",
            model,
            launch,
            config: ConfigFile::None,
            args: &[],
            env: &[],
            updates: &[],
            deletes: &[],
            mock_profile: "",
            mock_args: &[],
            scope: Scope::Shared,
            startup_timeout_s: 1200,
            omni: true,
        }
    }

    /// A vLLM-Omni server for `model` (the mock on the mock backend).
    pub const fn vllm_omni(model: &'static str) -> Scenario {
        Scenario::base(model, Launch::VllmOmni)
    }

    /// The embedded mock server with `profile`, on every backend.
    pub const fn mock(model: &'static str, profile: &'static str) -> Scenario {
        let mut s = Scenario::base(model, Launch::Mock);
        s.mock_profile = profile;
        s.startup_timeout_s = 30;
        s
    }

    /// A server already running at `url` (empty: `--server-url`).
    pub const fn external(model: &'static str, url: &'static str) -> Scenario {
        Scenario::base(model, Launch::External(url))
    }

    /// A server started from a command template.
    pub const fn command(model: &'static str, template: &'static str) -> Scenario {
        Scenario::base(model, Launch::Command(template))
    }

    /// An offline runner for `model`.
    pub const fn offline(model: &'static str) -> Scenario {
        Scenario::base(model, Launch::OfflineRunner)
    }

    /// Sets the id used in trial names.
    pub const fn id(mut self, id: &'static str) -> Scenario {
        self.id = id;
        self
    }

    /// Serves with `--deploy-config PATH`.
    pub const fn deploy_config(mut self, path: &'static str) -> Scenario {
        self.config = ConfigFile::Deploy(path);
        self
    }

    /// Serves with `--stage-configs-path PATH`.
    pub const fn stage_configs(mut self, path: &'static str) -> Scenario {
        self.config = ConfigFile::StageConfigs(path);
        self
    }

    /// Extra serve arguments.
    pub const fn args(mut self, args: &'static [&'static str]) -> Scenario {
        self.args = args;
        self
    }

    /// Environment variables for the server.
    pub const fn env(mut self, env: &'static [(&'static str, &'static str)]) -> Scenario {
        self.env = env;
        self
    }

    /// Deploy-YAML updates (replaces earlier ones).
    pub const fn updates(mut self, updates: &'static [(&'static str, &'static str)]) -> Scenario {
        self.updates = updates;
        self
    }

    /// Deploy-YAML deletions (replaces earlier ones).
    pub const fn deletes(mut self, deletes: &'static [&'static str]) -> Scenario {
        self.deletes = deletes;
        self
    }

    /// The mock profile that stands in for the model on the mock backend.
    pub const fn mock_profile(mut self, profile: &'static str) -> Scenario {
        self.mock_profile = profile;
        self
    }

    /// Extra arguments for the mock only, when it stands in for the server.
    pub const fn mock_args(mut self, args: &'static [&'static str]) -> Scenario {
        self.mock_args = args;
        self
    }

    /// A fresh server for each test.
    pub const fn per_test(mut self) -> Scenario {
        self.scope = Scope::PerTest;
        self
    }

    /// Serves with plain vLLM: no `--omni` and none of vLLM-Omni's start-up flags.
    pub const fn without_omni(mut self) -> Scenario {
        self.omni = false;
        self
    }

    /// How long the server may take to become ready.
    pub const fn startup_timeout_s(mut self, seconds: u32) -> Scenario {
        self.startup_timeout_s = seconds;
        self
    }
}

impl Scenario {
    /// The scenario's id, or `fallback` when it has none.
    pub fn id_or<'a>(&'a self, fallback: &'a str) -> &'a str {
        if self.id.is_empty() { fallback } else { self.id }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.launch {
            Launch::VllmOmni => write!(f, "vllm-omni {}", self.model)?,
            Launch::Mock => write!(f, "mock {} ({})", self.model, self.mock_profile)?,
            Launch::External("") => write!(f, "external {} at --server-url", self.model)?,
            Launch::External(url) => write!(f, "external {} at {url}", self.model)?,
            Launch::Command(template) => write!(f, "command `{template}`")?,
            Launch::OfflineRunner => write!(f, "offline runner {}", self.model)?,
        }
        match self.config {
            ConfigFile::None => Ok(()),
            ConfigFile::StageConfigs(path) => write!(f, " --stage-configs-path {path}"),
            ConfigFile::Deploy(path) => write!(f, " --deploy-config {path}"),
        }
    }
}
