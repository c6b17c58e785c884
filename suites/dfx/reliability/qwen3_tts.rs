//! Qwen3-TTS under faults, following the seed's reliability suites (`/v1/audio/speech`; the
//! engine's processes are titled `VLLM::…`). One H100, as the seed's reliability suites run.

use omnitest::prelude::*;

use super::suite::reliability_suite;
use super::target::{Route, Target};

const MODEL: &str = "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice";
const DEPLOY: &str = "ci/qwen3_tts.yaml";

static TARGET: Target = Target { engine_pattern: "VLLM::", route: Route::Speech };

/// A fresh server per test. On the mock, speech made at a fifth of real time keeps the long
/// request busy for seconds.
static KILLABLE: Scenario = Scenario::vllm_omni(MODEL)
    .stage_configs(DEPLOY)
    .args(&["--trust-remote-code"])
    .mock_args(&[super::ENGINE_PROCESS, "--audio-rtf", "0.2"])
    .id("custom_voice")
    .per_test();

/// The same server, shared by the tests that leave it intact.
static SERVED: Scenario =
    Scenario::vllm_omni(MODEL).stage_configs(DEPLOY).args(&["--trust-remote-code"]).id("custom_voice");

reliability_suite! { target: TARGET, faults: KILLABLE, served: SERVED,
markers: [tts, slow], hardware: (cuda = "H100", cards = 1) }
