//! The four CI triggers and what each runs: the seed's levels as Buildkite pipelines.

use std::fmt;
use std::str::FromStr;

use crate::registry::Level;

/// When a pipeline runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trigger {
    /// L1/L2: a pull request labelled `ready`.
    Ready,
    /// L3: a merge to main.
    Merge,
    /// L4: nightly.
    Nightly,
    /// L5: weekly.
    Weekly,
}

/// A part of a trigger's tests, run as one Buildkite group: a marker expression over the
/// trigger's level. The categories of a trigger partition its tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Category {
    /// A short key for step keys.
    pub key: &'static str,
    /// The group's label.
    pub label: &'static str,
    /// The `-m` expression; empty for all the level's tests but the slow ones.
    pub markers: &'static str,
}

impl Trigger {
    /// Every trigger, in CI order.
    pub const ALL: [Trigger; 4] = [Trigger::Ready, Trigger::Merge, Trigger::Nightly, Trigger::Weekly];

    /// The name `--trigger` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Trigger::Ready => "ready",
            Trigger::Merge => "merge",
            Trigger::Nightly => "nightly",
            Trigger::Weekly => "weekly",
        }
    }

    /// The pipeline file under `.buildkite/`.
    pub fn file_name(self) -> String {
        format!("test-{}.yml", self.name())
    }

    /// The seed's levels this trigger runs.
    pub const fn levels_label(self) -> &'static str {
        match self {
            Trigger::Ready => "L1/L2",
            Trigger::Merge => "L3",
            Trigger::Nightly => "L4",
            Trigger::Weekly => "L5",
        }
    }

    /// The run level.
    pub const fn run_level(self) -> Level {
        match self {
            Trigger::Ready => Level::CoreModel,
            Trigger::Merge => Level::AdvancedModel,
            Trigger::Nightly | Trigger::Weekly => Level::FullModel,
        }
    }

    /// Its groups. Nightly splits full function, performance and doc tests, as the seed's L4
    /// does; weekly is the `slow` tests at full_model.
    pub const fn categories(self) -> &'static [Category] {
        match self {
            Trigger::Ready => &[Category { key: "core", label: "L1/L2 core_model", markers: "" }],
            Trigger::Merge => &[Category { key: "advanced", label: "L3 advanced_model", markers: "" }],
            Trigger::Nightly => &[
                Category { key: "e2e", label: "L4 full function", markers: "not benchmark and not example" },
                Category { key: "perf", label: "L4 performance", markers: "benchmark" },
                Category { key: "docs", label: "L4 doc tests", markers: "example" },
            ],
            Trigger::Weekly => &[Category { key: "slow", label: "L5 stability and reliability", markers: "slow" }],
        }
    }

    /// How long one of its steps may run, in minutes: the seed's time budget per level (L1 15
    /// min, L3 30 min, L4 3 h, L5 a 12-hour soak), with room for the image pull and server
    /// start-up of GPU steps.
    pub const fn step_timeout_minutes(self) -> u32 {
        match self {
            Trigger::Ready => 30,
            Trigger::Merge => 60,
            Trigger::Nightly => 180,
            Trigger::Weekly => 1440,
        }
    }

    /// The Buildkite conditional under which `pipeline.yml` uploads this trigger's pipeline.
    pub const fn condition(self) -> &'static str {
        match self {
            Trigger::Ready => "build.pull_request.id != null && build.pull_request.labels includes \"ready\"",
            Trigger::Merge => {
                "(build.branch == \"main\" && build.env(\"NIGHTLY\") != \"1\" && build.env(\"WEEKLY\") != \"1\") || (build.pull_request.id != null && build.pull_request.labels includes \"merge-test\")"
            }
            Trigger::Nightly => {
                "(build.branch == \"main\" && build.env(\"NIGHTLY\") == \"1\") || (build.pull_request.id != null && build.pull_request.labels includes \"nightly-test\")"
            }
            Trigger::Weekly => {
                "(build.branch == \"main\" && build.env(\"WEEKLY\") == \"1\") || (build.pull_request.id != null && build.pull_request.labels includes \"weekly-test\")"
            }
        }
    }

    /// The valid names, comma separated.
    pub fn valid_names() -> String {
        Trigger::ALL.map(Trigger::name).join(", ")
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--trigger` value that names no trigger.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown trigger `{given}` (valid triggers: {})", Trigger::valid_names())]
pub struct UnknownTrigger {
    /// What was given.
    pub given: String,
}

impl FromStr for Trigger {
    type Err = UnknownTrigger;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Trigger::ALL.into_iter().find(|t| t.name() == s).ok_or_else(|| UnknownTrigger { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selection::MarkerExpr;

    #[test]
    fn names_round_trip_and_unknown_ones_list_the_valid() {
        for trigger in Trigger::ALL {
            assert_eq!(trigger.name().parse::<Trigger>(), Ok(trigger));
        }
        assert_eq!(
            "daily".parse::<Trigger>().unwrap_err().to_string(),
            "unknown trigger `daily` (valid triggers: ready, merge, nightly, weekly)"
        );
    }

    #[test]
    fn category_expressions_parse() {
        for trigger in Trigger::ALL {
            for category in trigger.categories() {
                assert!(MarkerExpr::parse(category.markers).is_ok(), "{}", category.markers);
            }
        }
    }
}
