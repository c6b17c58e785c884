//! Planning a trigger's Buildkite pipeline from the catalog: one group per category, one step
//! per hardware group, split with `--partition hash:M/N` when a group is large.
//!
//! A test goes to the step of every hardware group it names (a test for `cuda = "H100", rocm =
//! "MI325"` runs once on each platform), and to exactly one step of each: the steps run the real
//! selection (`--run-level`, `-m`, `--hardware`, `--cards`, `--partition`), and the planner asks
//! the same filters ([`is_selected`], [`Partition::contains`]) which tests each step takes.
//!
//! Step labels and keys name hardware and shards, never test counts, so adding a test changes
//! the YAML only when it opens a hardware group or moves a group past a split threshold.

use std::collections::BTreeMap;

use super::catalog::{CatalogSummary, TrialSummary};
use super::pipeline::{CommandStep, GroupStep, Pipeline, Step};
use super::presets::{HardwareGroup, NoPreset, preset_for};
use super::trigger::{Category, Trigger};
use crate::selection::{MarkerExpr, Partition, PartitionKind, SelectionOptions, is_selected};

/// How many trials a step on accelerators runs at most before its hardware group is split
/// across `hash` partitions.
///
/// 48 keeps an L3 GPU step within its 60-minute budget when a real-model server takes up to
/// five minutes to start and the step starts around eight of them (trials of one scenario share
/// a server and a partition).
pub const DEFAULT_MAX_TRIALS_PER_STEP: usize = 48;

/// The same for CPU steps, which run against the mock: omnitest's own 60 core_model trials take
/// about 25 s on two cores, so a CPU step is split only when it would run for several minutes.
pub const DEFAULT_MAX_TRIALS_PER_CPU_STEP: usize = 400;

/// The command that regenerates every pipeline, quoted in the files and in staleness errors.
pub const REGENERATE_COMMAND: &str = "cargo run -- ci buildkite --write .buildkite";

/// How to plan.
#[derive(Clone, Copy, Debug)]
pub struct PlanOptions {
    /// See [`DEFAULT_MAX_TRIALS_PER_STEP`].
    pub max_trials_per_step: usize,
    /// See [`DEFAULT_MAX_TRIALS_PER_CPU_STEP`].
    pub max_trials_per_cpu_step: usize,
}

impl PlanOptions {
    fn limit(&self, group: HardwareGroup) -> usize {
        let limit = if group == HardwareGroup::Cpu { self.max_trials_per_cpu_step } else { self.max_trials_per_step };
        limit.max(1)
    }
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            max_trials_per_step: DEFAULT_MAX_TRIALS_PER_STEP,
            max_trials_per_cpu_step: DEFAULT_MAX_TRIALS_PER_CPU_STEP,
        }
    }
}

/// Why a pipeline cannot be planned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Tests need hardware no agent preset serves.
    #[error("{source}; it is needed by {}", tests.join(", "))]
    NoPreset {
        /// What is missing.
        #[source]
        source: NoPreset,
        /// Some of the tests that need it.
        tests: Vec<String>,
    },
    /// The pipeline cannot be written as YAML.
    #[error("cannot write {file} as YAML: {message}")]
    Yaml {
        /// The file.
        file: String,
        /// Why.
        message: String,
    },
}

/// Variables every test job gets, as vLLM-Omni's CUDA pipelines set them.
fn pipeline_env() -> BTreeMap<String, String> {
    [
        ("HF_HUB_DOWNLOAD_TIMEOUT", "300"),
        ("HF_HUB_ETAG_TIMEOUT", "60"),
        ("VLLM_USE_FLASHINFER_MOE_FP16", "0"),
        ("VLLM_WORKER_MULTIPROC_METHOD", "spawn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The pipeline of `trigger` over `catalog`.
pub fn plan_pipeline(catalog: &CatalogSummary, trigger: Trigger, options: PlanOptions) -> Result<Pipeline, PlanError> {
    let mut steps = Vec::new();
    for category in trigger.categories() {
        let group_steps = plan_category(catalog, trigger, category, options)?;
        if !group_steps.is_empty() {
            steps.push(Step::Group(GroupStep {
                group: category.label.to_owned(),
                key: format!("{trigger}-{}", category.key),
                steps: group_steps,
            }));
        }
    }
    if steps.is_empty() {
        steps.push(Step::Command(nothing_to_run(trigger)));
    }
    Ok(Pipeline { env: pipeline_env(), steps })
}

/// The step of a trigger no registered test belongs to: Buildkite rejects a pipeline upload
/// without steps, and the build should say why it ran nothing.
fn nothing_to_run(trigger: Trigger) -> CommandStep {
    CommandStep {
        label: format!("{}: no tests", trigger.levels_label()),
        key: format!("{trigger}-none"),
        condition: None,
        commands: vec![format!(
            "echo 'No registered test belongs to the {trigger} pipeline: regenerate it with `{REGENERATE_COMMAND}` once one does.'"
        )],
        agents: [("queue".to_owned(), "cpu_queue_premerge".to_owned())].into_iter().collect(),
        plugins: Vec::new(),
        artifact_paths: Vec::new(),
        timeout_in_minutes: 5,
    }
}

/// The trials of a category, by the hardware group whose step runs them.
pub fn category_groups<'a>(
    catalog: &'a CatalogSummary,
    trigger: Trigger,
    category: &Category,
) -> BTreeMap<HardwareGroup, Vec<(&'a str, &'a TrialSummary)>> {
    let options = selection_options(trigger, category);
    let mut groups: BTreeMap<HardwareGroup, Vec<(&str, &TrialSummary)>> = BTreeMap::new();
    for test in &catalog.tests {
        let requirements = test.platform_requirements();
        if !is_selected(&test.levels, test.marker_set(), &requirements, &options) {
            continue;
        }
        let test_groups: Vec<HardwareGroup> = if requirements.is_empty() {
            vec![HardwareGroup::Cpu]
        } else {
            requirements.iter().map(HardwareGroup::of).collect()
        };
        for group in test_groups {
            groups.entry(group).or_default().extend(test.trials.iter().map(|trial| (test.path.as_str(), trial)));
        }
    }
    groups
}

fn selection_options(trigger: Trigger, category: &Category) -> SelectionOptions {
    SelectionOptions {
        run_level: trigger.run_level(),
        // The categories' expressions are constants; their parsing is checked by a unit test.
        markers: MarkerExpr::parse(category.markers).unwrap_or_else(|_| MarkerExpr::parse("").expect("empty parses")),
        hardware: None,
        cards: None,
        partition: None,
    }
}

fn plan_category(
    catalog: &CatalogSummary,
    trigger: Trigger,
    category: &Category,
    options: PlanOptions,
) -> Result<Vec<CommandStep>, PlanError> {
    let mut steps = Vec::new();
    for (group, trials) in category_groups(catalog, trigger, category) {
        let preset = preset_for(group).map_err(|source| {
            let mut tests: Vec<String> = trials.iter().map(|(path, _)| (*path).to_owned()).collect();
            tests.dedup();
            tests.truncate(5);
            PlanError::NoPreset { source, tests }
        })?;
        let shards = trials.len().div_ceil(options.limit(group)).max(1) as u32;
        for index in 1..=shards {
            let partition = (shards > 1).then_some(Partition { kind: PartitionKind::Hash, index, total: shards });
            // A shard the hash leaves empty gets no step; regeneration adds it when a test lands there.
            if let Some(partition) = partition
                && !trials.iter().any(|(_, trial)| partition.contains(&trial.partition_key, 0))
            {
                continue;
            }
            steps.push(command_step(trigger, category, group, partition, &preset));
        }
    }
    Ok(steps)
}

fn command_step(
    trigger: Trigger,
    category: &Category,
    group: HardwareGroup,
    partition: Option<Partition>,
    preset: &super::presets::Preset,
) -> CommandStep {
    let mut key = format!("{trigger}-{}-{}", category.key, group.key());
    let mut label = format!("{} · {group}", category.label);
    let mut args = vec!["--run-level".to_owned(), trigger.run_level().to_string()];
    if !category.markers.is_empty() {
        args.push("-m".into());
        args.push(category.markers.into());
    }
    args.extend(group.harness_args());
    if let Some(partition) = partition {
        key.push_str(&format!("-p{}of{}", partition.index, partition.total));
        label.push_str(&format!(" · {}/{}", partition.index, partition.total));
        args.push("--partition".into());
        args.push(partition.to_string());
    }
    // The CPU agents have no vLLM: CPU tests need no server or name mock scenarios. Accelerator
    // jobs pin vllm-omni rather than trusting `auto` to find it.
    let backend = if group == HardwareGroup::Cpu { "mock" } else { "vllm-omni" };
    let out = format!("out/{key}");
    args.extend(["--backend".into(), backend.into(), "--junit".into(), format!("{out}/junit.xml")]);
    args.extend(["--output-dir".into(), out.clone()]);
    let quoted: Vec<String> =
        args.iter().map(|arg| shlex::try_quote(arg).map(|q| q.into_owned()).unwrap_or_else(|_| arg.clone())).collect();
    let commands = vec![
        // `$$` is a literal `$` once Buildkite has interpolated the pipeline at upload.
        format!("cargo test --locked --test e2e -- {} || status=$$?", quoted.join(" ")),
        "style=success; [ \"$${status:-0}\" -eq 0 ] || style=error".to_owned(),
        format!(
            "[ ! -f {out}/summary.md ] || buildkite-agent annotate --style \"$$style\" --context {key} < {out}/summary.md"
        ),
        "exit \"$${status:-0}\"".to_owned(),
    ];
    let mut artifact_paths = vec![format!("{out}/junit.xml"), format!("{out}/summary.md")];
    if category.markers == "benchmark" {
        artifact_paths.push(format!("{out}/**/*.json"));
    }
    CommandStep {
        label,
        key,
        condition: None,
        commands,
        agents: preset.agents.clone(),
        plugins: preset.plugins.clone(),
        artifact_paths,
        timeout_in_minutes: trigger.step_timeout_minutes(),
    }
}

/// `pipeline.yml`: one step per trigger that uploads its pipeline when the build matches.
pub fn upload_pipeline() -> Pipeline {
    let steps = Trigger::ALL
        .into_iter()
        .map(|trigger| {
            Step::Command(CommandStep {
                label: format!(":pipeline: {} ({})", trigger.levels_label(), trigger.file_name()),
                key: format!("upload-{trigger}"),
                condition: Some(trigger.condition().to_owned()),
                commands: vec![format!("buildkite-agent pipeline upload .buildkite/{}", trigger.file_name())],
                agents: [("queue".to_owned(), "cpu_queue_premerge".to_owned())].into_iter().collect(),
                plugins: Vec::new(),
                artifact_paths: Vec::new(),
                timeout_in_minutes: 10,
            })
        })
        .collect();
    Pipeline { env: BTreeMap::new(), steps }
}

/// The files `omnitest ci buildkite --write DIR` writes for `triggers`, with their contents:
/// `pipeline.yml` (when every trigger is written) and `test-<trigger>.yml`.
pub fn pipeline_files(
    catalog: &CatalogSummary,
    triggers: &[Trigger],
    options: PlanOptions,
) -> Result<Vec<(String, String)>, PlanError> {
    let mut files = Vec::new();
    if triggers.len() == Trigger::ALL.len() {
        let header = format!(
            "Uploads the pipeline of each trigger whose condition the build meets.\n\
             Generated by `omnitest ci buildkite`: do not edit; regenerate with `{REGENERATE_COMMAND}`."
        );
        files.push(("pipeline.yml".to_owned(), render(&upload_pipeline(), &header, "pipeline.yml")?));
    }
    for &trigger in triggers {
        files.push((trigger.file_name(), render_trigger(catalog, trigger, options)?));
    }
    Ok(files)
}

/// The YAML of `trigger`'s pipeline, as checked in.
pub fn render_trigger(catalog: &CatalogSummary, trigger: Trigger, options: PlanOptions) -> Result<String, PlanError> {
    let header = format!(
        "{} tests ({}): one step per hardware group, from the registered tests.\n\
         Generated by `omnitest ci buildkite --trigger {trigger}`: do not edit. After adding or moving\n\
         tests, regenerate every pipeline with `{REGENERATE_COMMAND}`.",
        trigger.levels_label(),
        trigger.run_level()
    );
    render(&plan_pipeline(catalog, trigger, options)?, &header, &trigger.file_name())
}

fn render(pipeline: &Pipeline, header: &str, file: &str) -> Result<String, PlanError> {
    pipeline.render(header).map_err(|err| PlanError::Yaml { file: file.to_owned(), message: err.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::catalog::{CATALOG_FORMAT, RequirementSummary, TestSummary};
    use crate::registry::{Level, Marker, Platform, PlatformRequirement, Resource};

    fn test(
        path: &str,
        levels: &[Level],
        markers: &[Marker],
        requirements: &[(Platform, Resource, u32)],
    ) -> TestSummary {
        let mut all: Vec<Marker> = markers.to_vec();
        all.extend(levels.iter().map(|&level| Marker::from(level)));
        TestSummary {
            path: path.to_owned(),
            source: None,
            levels: levels.to_vec(),
            markers: all,
            requirements: requirements
                .iter()
                .map(|&(platform, resource, cards)| {
                    RequirementSummary(PlatformRequirement { platform, resource, cards })
                })
                .collect(),
            trials: vec![TrialSummary { name: path.to_owned(), partition_key: path.to_owned() }],
        }
    }

    fn catalog(tests: Vec<TestSummary>) -> CatalogSummary {
        CatalogSummary { omnitest_catalog: CATALOG_FORMAT, tests }
    }

    fn step_keys(pipeline: &Pipeline) -> Vec<String> {
        pipeline
            .steps
            .iter()
            .flat_map(|step| match step {
                Step::Group(group) => group.steps.iter().map(|s| s.key.clone()).collect::<Vec<_>>(),
                Step::Command(command) => vec![command.key.clone()],
            })
            .collect()
    }

    #[test]
    fn one_step_per_hardware_group_and_platform() {
        let tests = vec![
            test("s::cpu", &[Level::CoreModel], &[Marker::Cpu], &[]),
            test(
                "s::two",
                &[Level::CoreModel],
                &[],
                &[(Platform::Cuda, Resource::H100, 2), (Platform::Rocm, Resource::Mi325, 2)],
            ),
            test("s::merge_only", &[Level::AdvancedModel], &[], &[(Platform::Cuda, Resource::L4, 1)]),
        ];
        let ready = plan_pipeline(&catalog(tests.clone()), Trigger::Ready, PlanOptions::default()).unwrap();
        assert_eq!(step_keys(&ready), ["ready-core-cpu", "ready-core-cuda-h100-x2", "ready-core-rocm-mi325-x2"]);
        let merge = plan_pipeline(&catalog(tests), Trigger::Merge, PlanOptions::default()).unwrap();
        assert_eq!(step_keys(&merge), ["merge-advanced-cuda-l4-x1"]);
        let Step::Group(group) = &merge.steps[0] else { panic!("not a group") };
        assert_eq!(group.steps[0].agents["queue"], "gpu_1_queue");
        assert!(group.steps[0].commands[0].starts_with(
            "cargo test --locked --test e2e -- --run-level advanced_model --hardware cuda:L4 --cards 1 --backend vllm-omni"
        ));
    }

    #[test]
    fn nightly_splits_function_perf_and_docs_and_weekly_takes_the_slow_tests() {
        let tests = vec![
            test("s::expansion", &[Level::FullModel], &[Marker::Cpu], &[]),
            test("s::perf", &[Level::FullModel], &[Marker::Benchmark], &[(Platform::Cuda, Resource::H100, 1)]),
            test("s::doc", &[Level::FullModel], &[Marker::Example, Marker::Cpu], &[]),
            test("s::soak", &[Level::FullModel], &[Marker::Slow], &[(Platform::Cuda, Resource::H100, 2)]),
        ];
        let nightly = plan_pipeline(&catalog(tests.clone()), Trigger::Nightly, PlanOptions::default()).unwrap();
        assert_eq!(step_keys(&nightly), ["nightly-e2e-cpu", "nightly-perf-cuda-h100-x1", "nightly-docs-cpu"]);
        let weekly = plan_pipeline(&catalog(tests), Trigger::Weekly, PlanOptions::default()).unwrap();
        assert_eq!(step_keys(&weekly), ["weekly-slow-cuda-h100-x2"]);
    }

    #[test]
    fn large_groups_split_into_hash_partitions_covering_each_trial_once() {
        let tests: Vec<TestSummary> =
            (0..30).map(|i| test(&format!("s::t{i:02}"), &[Level::CoreModel], &[Marker::Cpu], &[])).collect();
        let options = PlanOptions { max_trials_per_step: 48, max_trials_per_cpu_step: 7 };
        let summary = catalog(tests);
        let ready = plan_pipeline(&summary, Trigger::Ready, options).unwrap();
        let keys = step_keys(&ready);
        assert!(keys.len() > 1 && keys.len() <= 5, "{keys:?}");
        assert!(keys.iter().all(|k| k.starts_with("ready-core-cpu-p") && k.ends_with("of5")), "{keys:?}");
        for test in &summary.tests {
            let shards = (1..=5)
                .filter(|&i| Partition { kind: PartitionKind::Hash, index: i, total: 5 }.contains(&test.path, 0))
                .filter(|i| keys.contains(&format!("ready-core-cpu-p{i}of5")))
                .count();
            assert_eq!(shards, 1, "{} is in {shards} steps", test.path);
        }
    }

    #[test]
    fn hardware_without_a_preset_names_the_tests() {
        let tests = vec![test("s::musa", &[Level::CoreModel], &[], &[(Platform::Musa, Resource::S5000, 1)])];
        let err = plan_pipeline(&catalog(tests), Trigger::Ready, PlanOptions::default()).unwrap_err().to_string();
        assert!(err.starts_with("no Buildkite agent preset runs musa:S5000 ×1"), "{err}");
        assert!(err.ends_with("it is needed by s::musa"), "{err}");
    }

    #[test]
    fn writing_every_trigger_adds_the_upload_pipeline() {
        let files = pipeline_files(&catalog(vec![]), &Trigger::ALL, PlanOptions::default()).unwrap();
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["pipeline.yml", "test-ready.yml", "test-merge.yml", "test-nightly.yml", "test-weekly.yml"]);
        assert!(files[0].1.contains("buildkite-agent pipeline upload .buildkite/test-nightly.yml"));
        assert!(files[1].1.starts_with("# L1/L2 tests (core_model)"));
        assert!(files[4].1.contains("key: weekly-none"), "{}", files[4].1);
        assert!(files[4].1.contains("No registered test belongs to the weekly pipeline"), "{}", files[4].1);
    }
}
