//! Every `OMNITEST_*` variable omnitest reads. A variable with that prefix that is not listed is
//! an error, not silently ignored: a typo such as `OMNITEST_RUNLEVEL` must not run the wrong set.

/// The variables, with what they set.
pub const KNOWN_VARIABLES: &[(&str, &str)] = &[
    ("OMNITEST_RUN_LEVEL", "--run-level"),
    ("OMNITEST_MARKERS", "-m/--markers"),
    ("OMNITEST_HARDWARE", "--hardware"),
    ("OMNITEST_CARDS", "--cards"),
    ("OMNITEST_PARTITION", "--partition"),
    ("OMNITEST_GPUS", "--gpus"),
    ("OMNITEST_BACKEND", "--backend"),
    ("OMNITEST_SERVER_URL", "--server-url"),
    ("OMNITEST_ASR_URL", "--asr-url"),
    ("OMNITEST_OUTPUT_DIR", "--output-dir"),
    ("OMNITEST_JUNIT", "--junit"),
    ("OMNITEST_SUMMARY", "--summary"),
    ("OMNITEST_BIN", "the omnitest binary that runs the mock"),
    ("OMNITEST_DEPLOY_DIR", "where relative deploy configs are found"),
    ("OMNITEST_MOCK_ARGS", "extra arguments for every mock server"),
    ("OMNITEST_MOCK_DEFECTS", "deliberate defects for every mock server and runner, comma-separated"),
    ("OMNITEST_SYNTH_CACHE", "where synthetic test media are cached"),
    ("OMNITEST_BENCH_HARDWARE", "the hardware label of per-hardware perf baselines"),
    ("OMNITEST_BENCH_ADVISORY", "perf baselines printed, not asserted (1)"),
    ("OMNITEST_BENCH_FULL_SIZE", "perf configs run as written on the mock too (1)"),
    ("OMNITEST_BENCH_STRICT_HEALTH", "an invalid perf run fails on the mock too (1)"),
    ("OMNITEST_SOAK_DURATION", "how long each soak runs (`omnitest soak --duration`, the stability trials)"),
    ("OMNITEST_E2E_BINARY", "the e2e binary `omnitest ci buildkite` reads the tests from (--e2e-binary)"),
    ("OMNITEST_DOC_EXAMPLE", "set by a running documentation example, so that the run it starts skips the examples"),
];

/// An `OMNITEST_*` variable omnitest does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown environment variable {name} (omnitest reads: {})\n(hint: unset it, or fix its name)",
    KNOWN_VARIABLES.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownVariable {
    /// The variable's name.
    pub name: String,
}

/// Checks that every `OMNITEST_*` variable in `vars` is one omnitest reads.
pub fn check_variables<I, K>(vars: I) -> Result<(), UnknownVariable>
where
    I: IntoIterator<Item = K>,
    K: AsRef<std::ffi::OsStr>,
{
    for name in vars {
        let Some(name) = name.as_ref().to_str() else {
            continue;
        };
        if name.starts_with("OMNITEST_") && !KNOWN_VARIABLES.iter().any(|(known, _)| *known == name) {
            return Err(UnknownVariable { name: name.to_owned() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_typos_and_accepts_known_and_foreign_names() {
        assert!(check_variables(["OMNITEST_RUN_LEVEL", "PATH", "OUTPUT_DIR"]).is_ok());
        let err = check_variables(["OMNITEST_RUNLEVEL"]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown environment variable OMNITEST_RUNLEVEL (omnitest reads: OMNITEST_RUN_LEVEL,")
        );
    }
}
