//! The official `openai` Python client parses the mock's chat (streaming and not), speech and
//! images answers without error.

use std::process::Command;

use omnitest::prelude::*;

use super::{IMAGE, OMNI, TTS, tool};

fn run_check(server: &Server, kind: &str) -> TestResult {
    let python = tool("python3")?;
    let probe = Command::new(&python).args(["-c", "import openai"]).output()?;
    if !probe.status.success() {
        return Err(TestError::ignored("the openai Python package is not installed (pip install openai)"));
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/suites/mock/openai_check.py");
    let output = Command::new(python).args([script, server.url(), server.model(), kind]).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    check!(
        output.status.success() && stdout.trim() == "ok",
        "the openai client failed on the {kind} answers:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

omni_test! {
    /// Chat completions, streamed and not, with text and audio choices.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OMNI)]
    fn test_openai_client_parses_chat(server: &Server) -> TestResult {
        run_check(server, "chat")
    }

    /// Speech, whole and streamed.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TTS)]
    fn test_openai_client_parses_speech(server: &Server) -> TestResult {
        run_check(server, "speech")
    }

    /// Image generations.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(IMAGE)]
    fn test_openai_client_parses_images(server: &Server) -> TestResult {
        run_check(server, "images")
    }
}
