//! Qwen3-Omni under faults: the port of the seed's
//! `tests/dfx/reliability/test_reliability_qwen3_omni.py` (chat with text and audio output; the
//! engine's processes are titled `VLLM::…`). Two H100s, as the seed's suite.

use omnitest::prelude::*;

use super::suite::reliability_suite;
use super::target::{Route, Target};

const MODEL: &str = "Qwen/Qwen3-Omni-30B-A3B-Instruct";

static TARGET: Target = Target { engine_pattern: "VLLM::", route: Route::Chat };

/// A fresh server per test. On the mock, tokens every 5 ms make the long request take seconds.
static KILLABLE: Scenario = Scenario::vllm_omni(MODEL)
    .stage_configs("ci/qwen3_omni_moe.yaml")
    .mock_args(&[super::ENGINE_PROCESS, "--itl-ms", "5"])
    .id("default")
    .per_test();

/// The same server, shared by the tests that leave it intact.
static SERVED: Scenario = Scenario::vllm_omni(MODEL).stage_configs("ci/qwen3_omni_moe.yaml").id("default");

reliability_suite! { target: TARGET, faults: KILLABLE, served: SERVED,
markers: [omni, slow], hardware: (cuda = "H100", cards = 2) }
