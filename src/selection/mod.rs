//! Selection: which registered tests a run takes, and which of those it must report ignored.
//!
//! A test is *selected* when it carries the run level (membership, not "this level and below"),
//! matches the marker expression, is not `slow` (unless the expression asks about `slow`), sits
//! in the hardware shard and card count asked for, and falls in the partition. A selected test
//! is *ignored with a reason* when the backend needs real hardware and the machine has fewer
//! cards than the test needs, or when the backend lacks a capability the test needs: never
//! silently dropped.

mod backend;
mod expr;
pub(crate) mod gpus;
mod partition;
mod shard;

use std::sync::{Arc, OnceLock};

pub use backend::{Backend, BackendChoice, ResolvedBackend, find_executable};
pub use expr::{ExprError, MarkerExpr};
pub use gpus::{GpuInventory, GpuSource};
pub use partition::{Partition, PartitionError, PartitionKind};
pub use shard::{HardwareShard, ShardError};

use crate::registry::{
    Catalog, Level, Marker, MarkerSet, PlatformRequirement, Scenario, ScenarioChoice, TestCase, serverless_trial_name,
};

/// What the command line (or its environment twins) asks for.
#[derive(Clone, Debug)]
pub struct SelectionOptions {
    /// The level whose members run.
    pub run_level: Level,
    /// The marker expression (`-m`).
    pub markers: MarkerExpr,
    /// The hardware shard (`--hardware`).
    pub hardware: Option<HardwareShard>,
    /// The card count (`--cards`).
    pub cards: Option<u32>,
    /// The partition (`--partition`).
    pub partition: Option<Partition>,
}

/// The machine and backend a run has: what decides whether a selected test can run.
#[derive(Debug)]
pub struct Environment {
    /// The backend.
    pub backend: ResolvedBackend,
    /// Whether `OMNITEST_ASR_URL` names a speech-recognition server.
    pub asr_configured: bool,
    gpu_override: Option<u32>,
    cuda_visible_devices: Option<String>,
    gpus: OnceLock<GpuInventory>,
}

impl Environment {
    /// An environment; GPUs are detected on first use (listing with the mock never needs them).
    pub fn new(
        backend: ResolvedBackend,
        gpu_override: Option<u32>,
        cuda_visible_devices: Option<String>,
        asr_configured: bool,
    ) -> Environment {
        Environment { backend, asr_configured, gpu_override, cuda_visible_devices, gpus: OnceLock::new() }
    }

    /// The GPUs this run may use.
    pub fn gpus(&self) -> &GpuInventory {
        self.gpus.get_or_init(|| match self.gpu_override {
            Some(count) => GpuInventory::overridden(count),
            None => GpuInventory::detect(self.cuda_visible_devices.as_deref()),
        })
    }

    /// Why `case` cannot run here, or `None` when it can.
    pub fn ignore_reason(
        &self,
        case: &TestCase,
        level: Level,
        platform: Option<crate::registry::Platform>,
    ) -> Option<String> {
        let backend = self.backend.backend;
        if backend.needs_hardware() {
            let needed = case.cards_needed(platform);
            if needed > 0 {
                let found = self.gpus().count;
                if needed > found {
                    let plural = if needed == 1 { "" } else { "s" };
                    return Some(format!("needs {needed} GPU{plural}, found {found}"));
                }
            }
        }
        case.needs_at(level).find_map(|capability| {
            let gpus = if capability == crate::registry::Capability::GpuMemory { self.gpus().count } else { 0 };
            let lacking = backend.lacks(capability, self.asr_configured, gpus)?;
            Some(if case.needs.contains(&capability) { lacking } else { format!("validating at {level} {lacking}") })
        })
    }
}

/// One trial a run takes: a test under one of its scenarios.
#[derive(Debug, Clone)]
pub struct SelectedTrial {
    /// `path` or `path[scenario]`.
    pub name: String,
    /// The test.
    pub case: Arc<TestCase>,
    /// The scenario, for tests that have them.
    pub scenario: Option<ScenarioChoice>,
    /// Why it will not run, when it will not.
    pub ignored: Option<String>,
}

/// The outcome of selection.
#[derive(Debug, Default)]
pub struct Selection {
    /// The trials taken, in catalog order.
    pub trials: Vec<SelectedTrial>,
    /// How many trials were left out (other levels, markers, shards, partitions).
    pub deselected: usize,
    /// How many selected trials have a hardware requirement the backend waives (the mock).
    pub hardware_waived: usize,
}

/// Selects the trials of `catalog` that `options` ask for, in `env`.
pub fn select(catalog: &Catalog, options: &SelectionOptions, env: &Environment) -> Selection {
    let mut selection = Selection::default();
    let keep_slow = options.markers.mentions(Marker::Slow);
    let platform = options.hardware.and_then(|shard| shard.platform());
    // Slice partitions deal out the trials that pass every other filter, in order.
    let mut candidates = 0usize;
    for case in catalog.cases() {
        let trial_count = case.scenarios.len().max(1);
        if !case_matches(case, options, keep_slow) {
            selection.deselected += trial_count;
            continue;
        }
        let ignored = env.ignore_reason(case, options.run_level, platform);
        let waived = !env.backend.backend.needs_hardware() && !case.requirements.is_empty();
        let mut push = |name: String, scenario: Option<ScenarioChoice>, key: &str| {
            let position = candidates;
            candidates += 1;
            if options.partition.is_some_and(|p| !p.contains(key, position)) {
                selection.deselected += 1;
                return;
            }
            selection.hardware_waived += usize::from(waived);
            selection.trials.push(SelectedTrial { name, case: Arc::clone(case), scenario, ignored: ignored.clone() });
        };
        if case.scenarios.is_empty() {
            let name = serverless_trial_name(case);
            let key = partition_key(&name, None);
            push(name, None, &key);
        } else {
            for choice in &case.scenarios {
                let name = format!("{}[{}]", case.path, choice.id);
                let key = partition_key(&name, Some(choice.scenario));
                push(name, Some(choice.clone()), &key);
            }
        }
    }
    selection
}

fn case_matches(case: &TestCase, options: &SelectionOptions, keep_slow: bool) -> bool {
    matches_filters(&case.levels, case.markers, &case.requirements, options, keep_slow)
}

/// Whether a test with these levels, markers and hardware requirements passes every filter of
/// `options` but the partition: what [`select`] decides per test, for tools that plan CI jobs
/// from a catalog description rather than from registered tests.
pub fn is_selected(
    levels: &[Level],
    markers: MarkerSet,
    requirements: &[PlatformRequirement],
    options: &SelectionOptions,
) -> bool {
    matches_filters(levels, markers, requirements, options, options.markers.mentions(Marker::Slow))
}

fn matches_filters(
    levels: &[Level],
    markers: MarkerSet,
    requirements: &[PlatformRequirement],
    options: &SelectionOptions,
    keep_slow: bool,
) -> bool {
    if !levels.contains(&options.run_level) {
        return false;
    }
    if !options.markers.matches(markers) {
        return false;
    }
    if markers.contains(Marker::Slow) && !keep_slow {
        return false;
    }
    match (options.hardware, options.cards) {
        (Some(shard), cards) => shard.contains_requirements(requirements, cards),
        (None, Some(cards)) => requirements.iter().any(|r| r.cards == cards),
        (None, None) => true,
    }
}

/// What `--partition hash:M/N` hashes for a trial. Trials sharing a server hash the scenario,
/// so they stay in one shard and each shard starts the server once; other trials hash their
/// own name.
pub fn partition_key(trial_name: &str, scenario: Option<&Scenario>) -> String {
    match scenario {
        Some(scenario) => format!("{scenario:?}"),
        None => trial_name.to_owned(),
    }
}

/// Why `case` is not in a run with these options, for the hint when an `--exact` name matches
/// no selected trial.
pub fn deselection_reason(case: &TestCase, options: &SelectionOptions) -> String {
    let levels: Vec<&str> = case.levels.iter().map(|level| level.name()).collect();
    if !case.levels.contains(&options.run_level) {
        return format!(
            "it runs at {} and this run is {} (hint: add --run-level={})",
            levels.join(", "),
            options.run_level,
            levels.first().copied().unwrap_or("core_model")
        );
    }
    if !options.markers.matches(case.markers) {
        return format!("its markers ({}) do not match -m \"{}\"", case.markers, options.markers);
    }
    if case.markers.contains(Marker::Slow) && !options.markers.mentions(Marker::Slow) {
        return "it is a slow test (hint: add -m slow)".to_owned();
    }
    if let Some(shard) = options.hardware
        && !shard.contains(case, options.cards)
    {
        return format!("it is not in the hardware shard {shard}");
    }
    if let (None, Some(cards)) = (options.hardware, options.cards)
        && !case.requirements.iter().any(|r| r.cards == cards)
    {
        return format!("it does not need exactly {cards} card(s)");
    }
    "it falls outside --partition".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Body, Capability, Platform, PlatformRequirement, Resource, Scenario};

    static SHARED: Scenario = Scenario::mock("m", "text");

    fn cpu(path: &str, levels: &[Level], markers: &[Marker]) -> TestCase {
        let mut markers = markers.to_vec();
        markers.push(Marker::Cpu);
        TestCase::new(path.to_owned(), levels, &markers, Body::Static(|_| Ok(())))
    }

    fn gpu(path: &str, cards: u32) -> TestCase {
        TestCase::new(path.to_owned(), &[Level::CoreModel], &[Marker::Omni], Body::Static(|_| Ok(())))
            .with_requirements(vec![PlatformRequirement { platform: Platform::Cuda, resource: Resource::H100, cards }])
    }

    fn options(level: Level, expr: &str) -> SelectionOptions {
        SelectionOptions {
            run_level: level,
            markers: MarkerExpr::parse(expr).unwrap(),
            hardware: None,
            cards: None,
            partition: None,
        }
    }

    fn env(backend: Backend, gpus: u32) -> Environment {
        Environment::new(ResolvedBackend { backend, reason: "test".into() }, Some(gpus), None, false)
    }

    fn names(selection: &Selection) -> Vec<&str> {
        selection.trials.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn level_is_membership_not_threshold() {
        let catalog = Catalog::from_cases(vec![
            cpu("s::core", &[Level::CoreModel], &[]),
            cpu("s::advanced", &[Level::AdvancedModel], &[]),
            cpu("s::both", &[Level::CoreModel, Level::AdvancedModel], &[]),
        ])
        .unwrap();
        let selection = select(&catalog, &options(Level::AdvancedModel, ""), &env(Backend::Mock, 0));
        assert_eq!(names(&selection), ["s::advanced", "s::both"]);
        assert_eq!(selection.deselected, 1);
    }

    #[test]
    fn slow_tests_need_an_expression_that_asks_for_them() {
        let catalog = Catalog::from_cases(vec![
            cpu("s::quick", &[Level::FullModel], &[Marker::Omni]),
            cpu("s::soak", &[Level::FullModel], &[Marker::Omni, Marker::Slow]),
        ])
        .unwrap();
        let mock = env(Backend::Mock, 0);
        assert_eq!(names(&select(&catalog, &options(Level::FullModel, "omni"), &mock)), ["s::quick"]);
        assert_eq!(names(&select(&catalog, &options(Level::FullModel, "slow"), &mock)), ["s::soak"]);
        assert_eq!(names(&select(&catalog, &options(Level::FullModel, "not slow"), &mock)), ["s::quick"]);
    }

    #[test]
    fn missing_gpus_ignore_with_a_reason_on_real_backends_only() {
        let catalog = Catalog::from_cases(vec![gpu("s::two_cards", 2)]).unwrap();
        let real = select(&catalog, &options(Level::CoreModel, ""), &env(Backend::VllmOmni, 0));
        assert_eq!(real.trials[0].ignored.as_deref(), Some("needs 2 GPUs, found 0"));
        let mock = select(&catalog, &options(Level::CoreModel, ""), &env(Backend::Mock, 0));
        assert_eq!(mock.trials[0].ignored, None);
        assert_eq!(mock.hardware_waived, 1);
    }

    #[test]
    fn lacking_capabilities_ignore_with_a_reason() {
        let case = cpu("s::sees", &[Level::AdvancedModel], &[]).with_needs(&[Capability::RealModel]);
        let catalog = Catalog::from_cases(vec![case]).unwrap();
        let selection = select(&catalog, &options(Level::AdvancedModel, ""), &env(Backend::Mock, 0));
        assert_eq!(
            selection.trials[0].ignored.as_deref(),
            Some("needs a real model's perception: the mock backend has no real model")
        );
    }

    #[test]
    fn deep_needs_apply_only_when_validating_deeply() {
        let case = cpu("s::keywords", &[Level::CoreModel, Level::AdvancedModel], &[])
            .with_deep_needs(&[Capability::RealModel]);
        let catalog = Catalog::from_cases(vec![case]).unwrap();
        let mock = env(Backend::Mock, 0);
        assert_eq!(select(&catalog, &options(Level::CoreModel, ""), &mock).trials[0].ignored, None);
        assert_eq!(
            select(&catalog, &options(Level::AdvancedModel, ""), &mock).trials[0].ignored.as_deref(),
            Some("validating at advanced_model needs a real model's perception: the mock backend has no real model")
        );
        let real = env(Backend::VllmOmni, 0);
        assert_eq!(select(&catalog, &options(Level::AdvancedModel, ""), &real).trials[0].ignored, None);
    }

    #[test]
    fn scenarios_expand_into_named_trials() {
        let case = cpu("s::t", &[Level::CoreModel], &[]).with_scenario("a", &SHARED).with_scenario("b", &SHARED);
        let catalog = Catalog::from_cases(vec![case]).unwrap();
        let selection = select(&catalog, &options(Level::CoreModel, ""), &env(Backend::Mock, 0));
        assert_eq!(names(&selection), ["s::t[a]", "s::t[b]"]);
    }

    #[test]
    fn hardware_shard_and_cards_select_one_ci_job() {
        let catalog =
            Catalog::from_cases(vec![gpu("s::one", 1), gpu("s::two", 2), cpu("s::cpu", &[Level::CoreModel], &[])])
                .unwrap();
        let mut opts = options(Level::CoreModel, "");
        opts.hardware = Some("cuda:H100".parse().unwrap());
        opts.cards = Some(2);
        assert_eq!(names(&select(&catalog, &opts, &env(Backend::Mock, 0))), ["s::two"]);
        opts.hardware = Some(HardwareShard::Cpu);
        opts.cards = None;
        assert_eq!(names(&select(&catalog, &opts, &env(Backend::Mock, 0))), ["s::cpu"]);
    }

    #[test]
    fn partitions_cover_the_selection_exactly_once() {
        let cases: Vec<TestCase> = (0..40).map(|i| cpu(&format!("s::t{i:02}"), &[Level::CoreModel], &[])).collect();
        let catalog = Catalog::from_cases(cases).unwrap();
        let mut seen = Vec::new();
        for spec in ["hash:1/3", "hash:2/3", "hash:3/3"] {
            let mut opts = options(Level::CoreModel, "");
            opts.partition = Some(spec.parse().unwrap());
            let selection = select(&catalog, &opts, &env(Backend::Mock, 0));
            assert_eq!(selection.trials.len() + selection.deselected, 40);
            seen.extend(selection.trials.into_iter().map(|t| t.name));
        }
        seen.sort();
        assert_eq!(seen.len(), 40);
        seen.dedup();
        assert_eq!(seen.len(), 40);
    }
}
