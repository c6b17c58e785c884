//! L1: the runner as cargo, IDEs, nextest and CI invoke it — these tests run the e2e binary
//! itself as a child process.

mod cli;
mod reports;
mod teardown;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use omnitest::TestError;

/// A test of the harness's own behaviour, run in a child process.
pub(crate) const NAMED_TEST: &str = "registry::registration::test_names_drop_the_crate_and_keep_docs";
/// A test with two scenarios.
pub(crate) const SCENARIO_TEST: &str = "plan::ordering::test_each_scenario_is_a_named_trial";
/// A test needing two cards.
pub(crate) const TWO_CARD_TEST: &str = "registry::registration::test_hardware_requirement_derives_markers";

/// The e2e binary with a clean environment: no `OMNITEST_*`, `NEXTEST*` or `OUTPUT_DIR` from the
/// run that spawns it, and its output under `out`.
pub(crate) fn harness(out: &Path) -> Result<Command, TestError> {
    let exe =
        std::env::current_exe().map_err(|err| TestError::harness(format!("cannot find the e2e binary: {err}")))?;
    let mut command = Command::new(exe);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("OMNITEST_") || name.starts_with("NEXTEST") || name == "OUTPUT_DIR" {
            command.env_remove(name);
        }
    }
    command.env("OMNITEST_OUTPUT_DIR", out).stdin(Stdio::null());
    Ok(command)
}

/// Runs the command to completion within 60 s, killing it if it takes longer.
pub(crate) fn run(mut command: Command) -> Result<Output, TestError> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| TestError::harness(format!("cannot start the e2e binary: {err}")))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(TestError::failure("the e2e binary did not finish within 60 s"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(err) => {
                return Err(TestError::harness(format!("waiting for the e2e binary failed: {err}")));
            }
        }
    };
    let joined = |reader: std::thread::JoinHandle<Vec<u8>>| reader.join().unwrap_or_default();
    Ok(Output { status, stdout: joined(stdout), stderr: joined(stderr) })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buffer = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buffer);
        }
        buffer
    })
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The outcome libtest printed for `name` (`ok`, `FAILED`, `ignored (reason)`), ignoring the
/// padding it aligns names with.
pub(crate) fn outcome_of(stdout: &str, name: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let rest = line.strip_prefix("test ")?.strip_prefix(name)?;
        rest.trim_start().strip_prefix("... ").map(str::to_owned)
    })
}
