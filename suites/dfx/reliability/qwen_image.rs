//! Qwen-Image under faults, following the seed's reliability suites (`/v1/images/generations`;
//! the diffusion workers are titled `vLLM-Omni::…`). One H100.

use omnitest::prelude::*;

use super::suite::reliability_suite;
use super::target::{Route, Target};

const MODEL: &str = "Qwen/Qwen-Image";

static TARGET: Target = Target { engine_pattern: "vLLM-Omni::", route: Route::Images };

/// A fresh server per test. On the mock, 100 ms diffusion steps make the long request take
/// seconds.
static KILLABLE: Scenario = Scenario::vllm_omni(MODEL)
    .mock_args(&[super::ENGINE_PROCESS, "--diffusion-step-ms", "100"])
    .id("default")
    .per_test();

/// The same server, shared by the tests that leave it intact.
static SERVED: Scenario = Scenario::vllm_omni(MODEL).id("default");

reliability_suite! { target: TARGET, faults: KILLABLE, served: SERVED,
markers: [diffusion, slow], hardware: (cuda = "H100", cards = 1) }
