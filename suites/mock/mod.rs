//! L1/L2 tests of the embedded mock server, talking to a real mock process over HTTP: routes and
//! wire formats, media checked by real tools, fault modes seen from outside, bad requests, and
//! the official `openai` Python client.

mod bad_requests;
mod config;
mod faults;
mod media_tools;
mod openai_client;
mod routes;
mod runner;

use omnitest::prelude::*;

/// Fast timings so the suite runs in seconds.
pub(crate) const FAST: &[&str] =
    &["--ttft-ms", "5", "--itl-ms", "1", "--audio-rtf", "0.01", "--diffusion-step-ms", "1"];

pub(crate) static OMNI: Scenario =
    Scenario::mock("Qwen/Qwen3-Omni-30B-A3B-Instruct", "qwen3-omni").id("qwen3_omni").args(FAST);
pub(crate) static TTS: Scenario =
    Scenario::mock("Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice", "qwen3-tts").id("qwen3_tts").args(FAST);
pub(crate) static IMAGE: Scenario = Scenario::mock("Qwen/Qwen-Image", "qwen-image").id("qwen_image").args(FAST);
pub(crate) static VIDEO: Scenario = Scenario::mock("Wan-AI/Wan2.2-T2V-A14B-Diffusers", "wan2.2").id("wan22").args(FAST);
/// Tokens every 15 ms: a stream that takes seconds, long enough to interrupt.
pub(crate) static LONG: Scenario = Scenario::mock("omnitest/long-text", "text").id("long").args(&[
    "--ttft-ms",
    "5",
    "--itl-ms",
    "15",
    "--jitter",
    "0",
]);
pub(crate) static TEXT: Scenario = Scenario::mock("omnitest/text-model", "text").id("text").args(FAST);

/// The path of a program on PATH, or an ignore naming it: tool checks need the real tool.
pub(crate) fn tool(name: &str) -> Result<std::path::PathBuf, TestError> {
    omnitest::selection::find_executable(name, std::env::var("PATH").ok().as_deref())
        .ok_or_else(|| TestError::ignored(format!("`{name}` is not installed (apt-get install {name})")))
}
