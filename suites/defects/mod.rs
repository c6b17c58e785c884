//! The suites can fail: real suite tests, run in a child harness against a mock with one
//! deliberate defect (`OMNITEST_MOCK_DEFECTS`), must fail with the message that names the
//! defect. If a validator stopped checking, the suite would keep passing on a broken server;
//! these tests would not.

mod diffusion;
mod offline;
mod omni;

use omnitest::prelude::*;

use crate::runner::{harness, outcome_of, run, text};

/// Runs `trial` alone at `level` against mocks with `defect`, and checks that it fails with a
/// message containing `message`.
pub(crate) fn check_caught(ctx: &TestContext, defect: &str, level: &str, trial: &str, message: &str) -> TestResult {
    let mut child = harness(ctx.output_dir()?)?;
    child.args([trial, "--exact", "--run-level", level, "--backend", "mock"]).env("OMNITEST_MOCK_DEFECTS", defect);
    let output = run(child)?;
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    check_eq!(
        outcome_of(&stdout, trial).as_deref(),
        Some("FAILED"),
        "{trial} with --defect {defect} at {level} did not fail:\n{stdout}\n{stderr}"
    );
    check!(
        stdout.contains(message),
        "{trial} failed with --defect {defect}, but not with the expected message {message:?}:\n{stdout}"
    );
    check_eq!(output.status.code(), Some(101), "the harness's exit code");
    Ok(())
}
