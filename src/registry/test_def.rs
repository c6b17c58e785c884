use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::{Capability, Hardware, Level, Marker, MarkerSet, PlatformRequirement, Scenario};
use crate::outcome::TestResult;
use crate::runner::TestContext;

/// A test body, adapted to one signature whatever parameters the test function takes.
pub type TestBody = fn(&TestContext) -> TestResult;

/// A scenario as a test names it: the static's name (for the default id) and the scenario.
#[derive(Debug)]
pub struct ScenarioEntry {
    /// The static's name as written, e.g. `DEFAULT` or `super::DEFAULT`.
    pub name: &'static str,
    /// The scenario.
    pub scenario: &'static Scenario,
}

/// A test as `omni_test!` registers it: a const record collected with `inventory`.
#[derive(Debug)]
pub struct TestDef {
    /// The function's name.
    pub name: &'static str,
    /// `module_path!()` where the test is defined; the crate name is dropped from test names.
    pub module: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line of the `omni_test!` invocation.
    pub line: u32,
    /// The doc comment (Deploy Setting, Input Modal, …), one line per `///`.
    pub doc: &'static str,
    /// The levels the test runs at.
    pub levels: &'static [Level],
    /// The markers it declares (function markers, `cpu`, `slow`).
    pub markers: &'static [Marker],
    /// Its hardware requirement, if it needs an accelerator.
    pub hardware: Option<Hardware>,
    /// Its scenarios: one trial each.
    pub scenarios: &'static [ScenarioEntry],
    /// What it needs from the backend.
    pub needs: &'static [Capability],
    /// What its deep validation (advanced_model, full_model) needs from the backend; at
    /// core_model, which checks structure only, it runs without.
    pub deep_needs: &'static [Capability],
    /// The body.
    pub body: TestBody,
}

inventory::collect!(TestDef);

/// What a [`TestGenerator`] is given: where the repository's data lives.
#[derive(Debug, Clone)]
pub struct GenerateContext {
    /// The repository root (baselines/, docs/ and README.md are under it).
    pub root: std::path::PathBuf,
}

/// Registers tests made at start-up from data (benchmark configs, documentation pages). A
/// generator must be quick and side-effect free: it runs on every listing.
#[derive(Debug)]
pub struct TestGenerator {
    /// A name for error messages.
    pub name: &'static str,
    /// Makes the tests.
    pub generate: fn(&GenerateContext) -> Result<Vec<TestCase>, GenerateError>,
}

inventory::collect!(TestGenerator);

/// Why a generator could not make its tests; the message names the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GenerateError(pub String);

/// A test body that closes over data, for generated tests.
pub type DynamicBody = Arc<dyn Fn(&TestContext) -> TestResult + Send + Sync>;

/// How a test runs.
#[derive(Clone)]
pub enum Body {
    /// A registered function.
    Static(TestBody),
    /// A closure made by a generator.
    Dynamic(DynamicBody),
}

impl Body {
    /// Runs the body.
    pub fn call(&self, ctx: &TestContext) -> TestResult {
        match self {
            Body::Static(body) => body(ctx),
            Body::Dynamic(body) => body(ctx),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Body::Static(_) => "Body::Static",
            Body::Dynamic(_) => "Body::Dynamic",
        })
    }
}

/// A scenario a test runs under, with the id that names its trial.
#[derive(Debug, Clone)]
pub struct ScenarioChoice {
    /// The id in the trial name, `test_fn[id]`.
    pub id: Cow<'static, str>,
    /// The scenario.
    pub scenario: &'static Scenario,
}

/// A test, static or generated, as selection sees it.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// `module::path::test_fn`, without the crate name: what rust-analyzer passes with `--exact`.
    pub path: Cow<'static, str>,
    /// Where it is defined, when known.
    pub source: Option<(Cow<'static, str>, u32)>,
    /// The doc comment.
    pub doc: Cow<'static, str>,
    /// Its levels.
    pub levels: Vec<Level>,
    /// Declared markers, levels and the markers derived from the hardware requirement.
    pub markers: MarkerSet,
    /// The hardware requirement per platform; empty for CPU tests.
    pub requirements: Vec<PlatformRequirement>,
    /// Its scenarios; empty for tests without a server.
    pub scenarios: Vec<ScenarioChoice>,
    /// The id of a generated test's data item (a documentation block), for tests without
    /// scenarios: the trial is then named `path[param]`, as pytest names a parametrised case.
    pub param: Option<Cow<'static, str>>,
    /// What it needs from the backend.
    pub needs: Vec<Capability>,
    /// What it needs from the backend when validating deeply.
    pub deep_needs: Vec<Capability>,
    /// The body.
    pub body: Body,
}

impl TestCase {
    /// A generated test with the given path, levels and declared markers, for a CPU or a
    /// hardware requirement set afterwards.
    pub fn new(path: impl Into<Cow<'static, str>>, levels: &[Level], markers: &[Marker], body: Body) -> TestCase {
        let mut set: MarkerSet = markers.iter().copied().collect();
        for level in levels {
            set.insert(Marker::from(*level));
        }
        TestCase {
            path: path.into(),
            source: None,
            doc: Cow::Borrowed(""),
            levels: levels.to_vec(),
            markers: set,
            requirements: Vec::new(),
            scenarios: Vec::new(),
            param: None,
            needs: Vec::new(),
            deep_needs: Vec::new(),
            body,
        }
    }

    /// Adds hardware requirements, with the markers they imply.
    #[must_use]
    pub fn with_requirements(mut self, requirements: Vec<PlatformRequirement>) -> TestCase {
        for req in &requirements {
            self.markers = req.derived_markers().iter().fold(self.markers, MarkerSet::with);
        }
        self.requirements = requirements;
        self
    }

    /// Adds a scenario.
    #[must_use]
    pub fn with_scenario(mut self, id: impl Into<Cow<'static, str>>, scenario: &'static Scenario) -> TestCase {
        self.scenarios.push(ScenarioChoice { id: id.into(), scenario });
        self
    }

    /// Names the data item a generated test runs (its trial becomes `path[param]`).
    #[must_use]
    pub fn with_param(mut self, param: impl Into<Cow<'static, str>>) -> TestCase {
        self.param = Some(param.into());
        self
    }

    /// Sets the doc comment.
    #[must_use]
    pub fn with_doc(mut self, doc: impl Into<Cow<'static, str>>) -> TestCase {
        self.doc = doc.into();
        self
    }

    /// Sets what the test needs from the backend.
    #[must_use]
    pub fn with_needs(mut self, needs: &[Capability]) -> TestCase {
        self.needs = needs.to_vec();
        self
    }

    /// Sets what the test needs from the backend when validating deeply.
    #[must_use]
    pub fn with_deep_needs(mut self, needs: &[Capability]) -> TestCase {
        self.deep_needs = needs.to_vec();
        self
    }

    /// What the test needs from the backend at `level`.
    pub fn needs_at(&self, level: Level) -> impl Iterator<Item = Capability> + '_ {
        let deep: &[Capability] = if level.validates_deeply() { &self.deep_needs } else { &[] };
        self.needs.iter().chain(deep).copied()
    }

    /// The case a static registration describes.
    pub(crate) fn from_def(def: &'static TestDef) -> TestCase {
        let module = strip_crate(def.module);
        let path =
            if module.is_empty() { Cow::Borrowed(def.name) } else { Cow::Owned(format!("{module}::{}", def.name)) };
        let requirements = def.hardware.map(|hw| hw.requirements()).unwrap_or_default();
        let scenarios = def
            .scenarios
            .iter()
            .map(|entry| ScenarioChoice { id: scenario_id(entry), scenario: entry.scenario })
            .collect();
        let case = TestCase::new(path, def.levels, def.markers, Body::Static(def.body))
            .with_requirements(requirements)
            .with_needs(def.needs)
            .with_deep_needs(def.deep_needs)
            .with_doc(def.doc);
        TestCase { source: Some((Cow::Borrowed(def.file), def.line)), scenarios, ..case }
    }

    /// The number of cards the test needs on `platform`, or on its least demanding platform when
    /// none is given; zero for a CPU test.
    pub fn cards_needed(&self, platform: Option<super::Platform>) -> u32 {
        let on_platform = platform.and_then(|p| self.requirements.iter().find(|r| r.platform == p));
        match on_platform {
            Some(req) => req.cards,
            None => self.requirements.iter().map(|r| r.cards).min().unwrap_or(0),
        }
    }
}

/// `e2e::online_serving::qwen3_omni` → `online_serving::qwen3_omni`, as libtest names tests.
fn strip_crate(module_path: &str) -> &str {
    module_path.split_once("::").map_or("", |(_, rest)| rest)
}

/// The trial id of a scenario: its own id, or the static's name lower-cased.
fn scenario_id(entry: &ScenarioEntry) -> Cow<'static, str> {
    if !entry.scenario.id.is_empty() {
        return Cow::Borrowed(entry.scenario.id);
    }
    let last = entry.name.rsplit("::").next().unwrap_or(entry.name).trim();
    Cow::Owned(last.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_crate_from_module_paths() {
        assert_eq!(strip_crate("e2e::online_serving::qwen3_omni"), "online_serving::qwen3_omni");
        assert_eq!(strip_crate("e2e"), "");
    }

    #[test]
    fn scenario_ids_default_to_the_lower_cased_static_name() {
        static S: Scenario = Scenario::mock("m", "text");
        static NAMED: Scenario = Scenario::mock("m", "text").id("async_chunk");
        assert_eq!(scenario_id(&ScenarioEntry { name: "super :: DEFAULT", scenario: &S }), "default");
        assert_eq!(scenario_id(&ScenarioEntry { name: "DEFAULT", scenario: &NAMED }), "async_chunk");
    }
}
