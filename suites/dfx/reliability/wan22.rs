//! Wan2.2 text-to-video under faults: the port of the seed's
//! `tests/dfx/reliability/test_reliability_wan22.py` (the `/v1/videos` job API; the diffusion
//! workers are titled `vLLM-Omni::…`). One H100, with the seed's start-up budget.

use omnitest::prelude::*;

use super::suite::reliability_suite;
use super::target::{Route, Target};

const MODEL: &str = "Wan-AI/Wan2.2-T2V-A14B-Diffusers";
const SERVE_ARGS: &[&str] = &["--init-timeout", "2100", "--stage-init-timeout", "2100"];

static TARGET: Target = Target { engine_pattern: "vLLM-Omni::", route: Route::Videos };

/// A fresh server per test. On the mock, 100 ms diffusion steps make the long job take seconds.
static KILLABLE: Scenario = Scenario::vllm_omni(MODEL)
    .args(SERVE_ARGS)
    .mock_args(&[super::ENGINE_PROCESS, "--diffusion-step-ms", "100"])
    .startup_timeout_s(2100)
    .id("t2v")
    .per_test();

/// The same server, shared by the tests that leave it intact.
static SERVED: Scenario = Scenario::vllm_omni(MODEL).args(SERVE_ARGS).startup_timeout_s(2100).id("t2v");

reliability_suite! { target: TARGET, faults: KILLABLE, served: SERVED,
markers: [diffusion, slow], hardware: (cuda = "H100", cards = 1) }
