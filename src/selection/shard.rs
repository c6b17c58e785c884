//! `--hardware PLATFORM:RESOURCE` (or `cpu`) with `--cards N`: exactly one CI shard.

use std::fmt;
use std::str::FromStr;

use crate::registry::{Platform, PlatformRequirement, Resource, TestCase};

/// The hardware a CI job has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HardwareShard {
    /// A CPU-only job: the tests without a hardware requirement.
    Cpu,
    /// An accelerator job.
    Accelerator(Platform, Resource),
}

/// A `--hardware` value that names no shard.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid hardware `{given}`: expected one of {}", HardwareShard::valid_names())]
pub struct ShardError {
    /// What was given.
    pub given: String,
}

impl HardwareShard {
    /// Every valid `--hardware` value, comma separated.
    pub fn valid_names() -> String {
        let mut names = vec!["cpu".to_owned()];
        for platform in Platform::ALL {
            for resource in platform.resources() {
                names.push(format!("{platform}:{resource}"));
            }
        }
        names.join(", ")
    }

    /// The platform of an accelerator shard.
    pub fn platform(&self) -> Option<Platform> {
        match self {
            HardwareShard::Cpu => None,
            HardwareShard::Accelerator(platform, _) => Some(*platform),
        }
    }

    /// Whether the test belongs to this shard with `cards` cards (any count when `None`).
    pub fn contains(&self, case: &TestCase, cards: Option<u32>) -> bool {
        self.contains_requirements(&case.requirements, cards)
    }

    /// Whether a test with these hardware requirements belongs to this shard with `cards` cards.
    pub fn contains_requirements(&self, requirements: &[PlatformRequirement], cards: Option<u32>) -> bool {
        match self {
            HardwareShard::Cpu => requirements.is_empty(),
            HardwareShard::Accelerator(platform, resource) => requirements
                .iter()
                .any(|r| r.platform == *platform && r.resource == *resource && cards.is_none_or(|n| r.cards == n)),
        }
    }
}

impl FromStr for HardwareShard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "cpu" {
            return Ok(HardwareShard::Cpu);
        }
        let err = || ShardError { given: s.to_owned() };
        let (platform, resource) = s.split_once(':').ok_or_else(err)?;
        let platform: Platform = platform.parse().map_err(|()| err())?;
        let resource = Resource::on_platform(platform, resource).ok_or_else(err)?;
        Ok(HardwareShard::Accelerator(platform, resource))
    }
}

impl fmt::Display for HardwareShard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HardwareShard::Cpu => f.write_str("cpu"),
            HardwareShard::Accelerator(platform, resource) => write!(f, "{platform}:{resource}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Body, Level, Marker};

    fn gpu_test(platform: Platform, resource: Resource, cards: u32) -> TestCase {
        TestCase::new("s::t", &[Level::CoreModel], &[], Body::Static(|_| Ok(())))
            .with_requirements(vec![PlatformRequirement { platform, resource, cards }])
    }

    #[test]
    fn parses_every_listed_value_and_rejects_others() {
        for name in HardwareShard::valid_names().split(", ") {
            assert_eq!(name.parse::<HardwareShard>().unwrap().to_string(), name);
        }
        let err = "cuda:MI325".parse::<HardwareShard>().unwrap_err();
        assert!(err.to_string().starts_with("invalid hardware `cuda:MI325`: expected one of cpu, cuda:L4, cuda:H100"));
    }

    #[test]
    fn selects_by_platform_resource_and_cards() {
        let h100x2 = gpu_test(Platform::Cuda, Resource::H100, 2);
        let shard: HardwareShard = "cuda:H100".parse().unwrap();
        assert!(shard.contains(&h100x2, Some(2)));
        assert!(shard.contains(&h100x2, None));
        assert!(!shard.contains(&h100x2, Some(1)));
        assert!(!"cuda:L4".parse::<HardwareShard>().unwrap().contains(&h100x2, None));
        assert!(!HardwareShard::Cpu.contains(&h100x2, None));
    }

    #[test]
    fn cpu_shard_holds_tests_without_requirements() {
        let cpu = TestCase::new("s::t", &[Level::CoreModel], &[Marker::Cpu], Body::Static(|_| Ok(())));
        assert!(HardwareShard::Cpu.contains(&cpu, None));
    }
}
