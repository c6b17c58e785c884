//! Tests of the benchmark runner itself, against the mock: the load generator's accuracy,
//! vLLM's numbers from recorded streams, asserted baselines, and configs rejected before any
//! server starts. The perf configs' own trials are `dfx::perf::…`.

mod accuracy;
mod baselines;
mod configs;
mod vllm_formulas;

use std::path::Path;
use std::process::Command;

use omnitest::bench::load::StepSpec;
use omnitest::bench::{PerfConfig, SweepStep, expand_case};
use omnitest::prelude::*;

/// The steps of a perf config given as JSON text, read as `omnitest bench` reads a file named
/// `file`.
pub(crate) fn steps_of(config: &serde_json::Value, file: &str) -> Result<Vec<(SweepStep, StepSpec)>, TestError> {
    let config = PerfConfig::parse(&config.to_string(), Path::new(file))?;
    let mut steps = Vec::new();
    for case in &config.cases {
        for step in expand_case(&config.file, case)? {
            let spec = StepSpec::from_step(&step, case)?;
            steps.push((step, spec));
        }
    }
    Ok(steps)
}

/// `command` without the `OMNITEST_*` variables of the run that spawns it, which would steer the
/// child (its backend, server URL, advisory mode) where its flags do not.
pub(crate) fn without_omnitest_env(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OMNITEST_") {
            command.env_remove(name);
        }
    }
    command
}
