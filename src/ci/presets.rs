//! Where a shard's job runs: the agent queue and runtime for each hardware group, after the
//! `mirror_hardwares` presets of vLLM-Omni's Buildkite (`l4_1`, `h100_2`, …).
//!
//! | group | preset | agents | runtime |
//! |---|---|---|---|
//! | cpu | `cpu` | `queue: cpu_queue_premerge` | docker plugin, CI image |
//! | cuda:L4 ×1 | `l4_1` | `queue: gpu_1_queue` | docker plugin, all GPUs, 8 GB shm, HF cache, `HF_TOKEN` |
//! | cuda:L4 ×2–4 | `l4_4` | `queue: gpu_4_queue` | the same |
//! | cuda:H100 ×1–4 | `h100_N` | `queue: mithril-h100-pool` | kubernetes plugin, `nvidia.com/gpu: N`, H100 SXM nodes |
//! | rocm:MI325 ×1, 2, 4 | `mi325_N` | `agent_pool: mi325_N` | the AMD agents' own runtime |
//! | npu:A2 ×1, 4, 8 | `a2b3_npu_N` | `queue: ascend-a2b3`, `resource_class: npu-N` | the NPU agents' own runtime |
//! | npu:A3 ×2, 4, 8, 16 | `a3_npu_N` | `queue: ascend-a3`, `resource_class: npu-N` | the same |
//! | xpu:B60 ×1 | `xpu_1` | `queue: intel-gpu-omni` | the Intel agents' own runtime |
//!
//! A card count between preset sizes goes to the next larger preset (3 MI325s run on an
//! `mi325_4` agent). A group with no preset (MUSA, or more cards than the largest preset) is an
//! error: add its preset here before registering such a test.

use std::collections::BTreeMap;
use std::fmt;

use super::pipeline::{Plugin, mapping, string, strings};
use crate::registry::{Platform, PlatformRequirement, Resource};
use yaml_serde::Value;

/// The image CI jobs run in, built for each commit by the image step of the CI setup.
pub const CI_IMAGE: &str = "public.ecr.aws/q9t5s3a7/vllm-ci-test-repo:$BUILDKITE_COMMIT";

/// The hardware a group of tests needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HardwareGroup {
    /// No accelerator: `--hardware cpu`.
    Cpu,
    /// `cards` of `resource` on `platform`: `--hardware PLATFORM:RESOURCE --cards N`.
    Accelerator {
        /// The platform.
        platform: Platform,
        /// The accelerator model.
        resource: Resource,
        /// The card count.
        cards: u32,
    },
}

impl HardwareGroup {
    /// The group of one platform requirement.
    pub fn of(requirement: &PlatformRequirement) -> HardwareGroup {
        HardwareGroup::Accelerator {
            platform: requirement.platform,
            resource: requirement.resource,
            cards: requirement.cards,
        }
    }

    /// The harness flags selecting the group.
    pub fn harness_args(&self) -> Vec<String> {
        match self {
            HardwareGroup::Cpu => vec!["--hardware".into(), "cpu".into()],
            HardwareGroup::Accelerator { platform, resource, cards } => {
                vec!["--hardware".into(), format!("{platform}:{resource}"), "--cards".into(), cards.to_string()]
            }
        }
    }

    /// A step-key fragment: `cpu`, `cuda-h100-x2`.
    pub fn key(&self) -> String {
        match self {
            HardwareGroup::Cpu => "cpu".into(),
            HardwareGroup::Accelerator { platform, resource, cards } => {
                format!("{platform}-{}-x{cards}", resource.name().to_ascii_lowercase())
            }
        }
    }
}

impl fmt::Display for HardwareGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HardwareGroup::Cpu => f.write_str("cpu"),
            HardwareGroup::Accelerator { platform, resource, cards } => write!(f, "{platform}:{resource} ×{cards}"),
        }
    }
}

/// Where a group's jobs run.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    /// The preset's name, as vLLM-Omni's CI calls it.
    pub name: String,
    /// The agent tags.
    pub agents: BTreeMap<String, String>,
    /// The plugins that give the job its runtime.
    pub plugins: Vec<Plugin>,
}

/// A hardware group no agent preset serves.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no Buildkite agent preset runs {group}: {why} (hint: add one in src/ci/presets.rs)")]
pub struct NoPreset {
    /// The group.
    pub group: HardwareGroup,
    /// Why none fits.
    pub why: String,
}

/// The preset a group's jobs run on.
pub fn preset_for(group: HardwareGroup) -> Result<Preset, NoPreset> {
    let HardwareGroup::Accelerator { platform, resource, cards } = group else {
        return Ok(preset("cpu", &[("queue", "cpu_queue_premerge")], vec![docker(false)]));
    };
    let none = |why: String| NoPreset { group, why };
    let size = |sizes: &[u32]| {
        sizes.iter().copied().find(|&size| size >= cards).ok_or_else(|| {
            let largest = sizes.last().copied().unwrap_or(0);
            none(format!("the largest {platform}:{resource} preset has {largest} card(s)"))
        })
    };
    match (platform, resource) {
        (Platform::Cuda, Resource::L4) => match size(&[1, 4])? {
            1 => Ok(preset("l4_1", &[("queue", "gpu_1_queue")], vec![docker(true)])),
            _ => Ok(preset("l4_4", &[("queue", "gpu_4_queue")], vec![docker(true)])),
        },
        (Platform::Cuda, Resource::H100) => {
            let n = size(&[1, 2, 3, 4])?;
            Ok(preset(&format!("h100_{n}"), &[("queue", "mithril-h100-pool")], vec![kubernetes_h100(n)]))
        }
        (Platform::Rocm, Resource::Mi325) => {
            let n = size(&[1, 2, 4])?;
            Ok(preset(&format!("mi325_{n}"), &[("agent_pool", &format!("mi325_{n}"))], vec![]))
        }
        (Platform::Npu, Resource::A2) => {
            let n = size(&[1, 4, 8])?;
            let class = format!("npu-{n}");
            Ok(preset(&format!("a2b3_npu_{n}"), &[("queue", "ascend-a2b3"), ("resource_class", &class)], vec![]))
        }
        (Platform::Npu, Resource::A3) => {
            let n = size(&[2, 4, 8, 16])?;
            let class = format!("npu-{n}");
            Ok(preset(&format!("a3_npu_{n}"), &[("queue", "ascend-a3"), ("resource_class", &class)], vec![]))
        }
        (Platform::Xpu, Resource::B60) => {
            size(&[1])?;
            Ok(preset("xpu_1", &[("queue", "intel-gpu-omni")], vec![]))
        }
        _ => Err(none(format!("omnitest's CI has no {platform} agents"))),
    }
}

fn preset(name: &str, agents: &[(&str, &str)], plugins: Vec<Plugin>) -> Preset {
    Preset {
        name: name.to_owned(),
        agents: agents.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        plugins,
    }
}

/// The docker plugin as vLLM-Omni's L4 presets configure it: the per-commit CI image, 8 GB of
/// shared memory for engine workers, the Hugging Face cache and token.
fn docker(gpus: bool) -> Plugin {
    let mut config = vec![
        ("image", string(CI_IMAGE)),
        ("always-pull", Value::Bool(true)),
        ("propagate-environment", Value::Bool(true)),
        ("shm-size", string("8gb")),
        ("environment", strings(&["HF_TOKEN"])),
        ("volumes", strings(&["/root/.cache/huggingface:/root/.cache/huggingface"])),
    ];
    if gpus {
        config.push(("gpus", string("all")));
    }
    let mut map = yaml_serde::Mapping::new();
    for (key, value) in config {
        map.insert(string(key), value);
    }
    Plugin { name: "docker#v5.12.0".into(), config: Value::Mapping(map) }
}

/// The kubernetes plugin as vLLM-Omni's H100 presets configure it: a pod with `cards` GPUs on
/// an H100 SXM node.
fn kubernetes_h100(cards: u32) -> Plugin {
    let container = mapping([
        ("image", string(CI_IMAGE)),
        ("resources", mapping([("limits", mapping([("nvidia.com/gpu", Value::Number(cards.into()))]))])),
        (
            "env",
            Value::Sequence(vec![mapping([
                ("name", string("HF_TOKEN")),
                (
                    "valueFrom",
                    mapping([(
                        "secretKeyRef",
                        mapping([("name", string("hf-token-secret")), ("key", string("token"))]),
                    )]),
                ),
            ])]),
        ),
    ]);
    let pod = mapping([
        ("containers", Value::Sequence(vec![container])),
        ("nodeSelector", mapping([("node.kubernetes.io/instance-type", string("gpu-h100-sxm"))])),
    ]);
    Plugin { name: "kubernetes".into(), config: mapping([("podSpec", pod)]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(platform: Platform, resource: Resource, cards: u32) -> HardwareGroup {
        HardwareGroup::Accelerator { platform, resource, cards }
    }

    #[test]
    fn presets_follow_the_reference_queues() {
        let name = |g| preset_for(g).unwrap().name;
        assert_eq!(name(HardwareGroup::Cpu), "cpu");
        assert_eq!(name(group(Platform::Cuda, Resource::L4, 1)), "l4_1");
        assert_eq!(name(group(Platform::Cuda, Resource::L4, 2)), "l4_4");
        assert_eq!(name(group(Platform::Cuda, Resource::H100, 3)), "h100_3");
        assert_eq!(name(group(Platform::Rocm, Resource::Mi325, 3)), "mi325_4");
        assert_eq!(name(group(Platform::Npu, Resource::A3, 1)), "a3_npu_2");
        let h100 = preset_for(group(Platform::Cuda, Resource::H100, 2)).unwrap();
        assert_eq!(h100.agents["queue"], "mithril-h100-pool");
        let yaml = yaml_serde::to_string(&h100.plugins).unwrap();
        assert!(yaml.contains("nvidia.com/gpu: 2"), "{yaml}");
    }

    #[test]
    fn groups_without_a_preset_are_errors() {
        let err = preset_for(group(Platform::Cuda, Resource::H100, 8)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no Buildkite agent preset runs cuda:H100 ×8: the largest cuda:H100 preset has 4 card(s) \
             (hint: add one in src/ci/presets.rs)"
        );
        assert!(preset_for(group(Platform::Musa, Resource::S5000, 1)).unwrap_err().why.contains("no musa agents"));
    }

    #[test]
    fn groups_name_their_harness_flags() {
        let g = group(Platform::Cuda, Resource::H100, 2);
        assert_eq!(g.harness_args(), ["--hardware", "cuda:H100", "--cards", "2"]);
        assert_eq!(g.key(), "cuda-h100-x2");
        assert_eq!(g.to_string(), "cuda:H100 ×2");
    }
}
