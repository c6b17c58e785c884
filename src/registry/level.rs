use std::fmt;
use std::str::FromStr;

/// A CI level a test belongs to. A run selects tests by membership: `--run-level=advanced_model`
/// runs the tests marked `advanced_model`, not those marked only `core_model`.
///
/// The level also sets how deep validation goes and, for vLLM-Omni, what is served: `core_model`
/// serves dummy weights and checks structure only; the higher levels load real weights and check
/// content (keywords, transcripts, sizes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// L1 unit tests and L2 basic end-to-end tests, run on every PR labelled ready.
    CoreModel,
    /// L3 merge-time integration and accuracy tests with real models.
    AdvancedModel,
    /// L4 nightly: full function, performance, documentation examples; L5 with `slow`.
    FullModel,
}

impl Level {
    /// Every level, in CI order.
    pub const ALL: [Level; 3] = [Level::CoreModel, Level::AdvancedModel, Level::FullModel];

    /// The name used on the command line, in marker expressions and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Level::CoreModel => "core_model",
            Level::AdvancedModel => "advanced_model",
            Level::FullModel => "full_model",
        }
    }

    /// Whether validators check content (keywords, transcripts, sizes) and not only structure.
    pub const fn validates_deeply(self) -> bool {
        !matches!(self, Level::CoreModel)
    }

    /// The valid names, comma separated, for error messages.
    pub fn valid_names() -> String {
        Level::ALL.map(Level::name).join(", ")
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a string that names no level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown run level `{given}` (valid levels: {})", Level::valid_names())]
pub struct UnknownLevel {
    /// What was given.
    pub given: String,
}

impl FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL.into_iter().find(|level| level.name() == s).ok_or_else(|| UnknownLevel { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for level in Level::ALL {
            assert_eq!(level.name().parse::<Level>(), Ok(level));
        }
    }

    #[test]
    fn unknown_level_lists_the_valid_ones() {
        let err = "bogus".parse::<Level>().unwrap_err();
        assert_eq!(err.to_string(), "unknown run level `bogus` (valid levels: core_model, advanced_model, full_model)");
    }
}
