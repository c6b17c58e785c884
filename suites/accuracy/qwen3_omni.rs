//! Port of `tests/e2e/accuracy/qwen3_omni/test_qwen3_omni.py`: Qwen3-Omni's thinker on the
//! omni-understanding set, against its baseline.

use omnitest::prelude::*;

use super::{answer_set, check_against_baseline, load_set};

static QWEN3_OMNI: Scenario =
    Scenario::vllm_omni("Qwen/Qwen3-Omni-30B-A3B-Instruct").stage_configs("ci/qwen3_omni_moe.yaml").id("ci_deploy");

omni_test! {
    /// Pictures, clips, speech and facts, answered in text with greedy decoding; the score must
    /// not fall significantly below the recorded baseline.
    /// Deploy Setting: ci/qwen3_omni_moe.yaml
    /// Input Modal: text + image / video / audio
    /// Output Modal: text
    /// Input Setting: stream=False, temperature 0, max_tokens 64
    /// Datasets: baselines/accuracy/omni_understanding.yaml (16 items)
    #[levels(advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(QWEN3_OMNI)]
    fn test_understanding_accuracy_001(ctx: &TestContext, server: &Server, client: &Client) -> TestResult {
        let set = load_set("omni_understanding.yaml")?;
        let score = answer_set(ctx, server, client, &set)?;
        check_against_baseline(ctx, &set, server.model(), score)
    }
}
