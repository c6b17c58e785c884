//! Port of `tests/e2e/offline_inference/test_sequence_parallel.py`: Ulysses sequence parallel over
//! two cards makes the image the unsplit model makes, in float16 and bfloat16.

use omnitest::prelude::*;

use super::common::{cat_on_keyboard, check_images_close, single_image};

const MODEL: &str = "riverclouds/qwen_image_random";

static BASELINE_FP16: Scenario = Scenario::offline(MODEL)
    .args(&["--extra", r#"{"dtype": "float16", "parallel_config": {"ulysses_degree": 1, "ring_degree": 1}}"#])
    .id("fp16_baseline");
static ULYSSES_2_FP16: Scenario = Scenario::offline(MODEL)
    .args(&["--extra", r#"{"dtype": "float16", "parallel_config": {"ulysses_degree": 2, "ring_degree": 1}}"#])
    .id("fp16_ulysses2");
static BASELINE_BF16: Scenario = Scenario::offline(MODEL)
    .args(&["--extra", r#"{"dtype": "bfloat16", "parallel_config": {"ulysses_degree": 1, "ring_degree": 1}}"#])
    .id("bf16_baseline");
static ULYSSES_2_BF16: Scenario = Scenario::offline(MODEL)
    .args(&["--extra", r#"{"dtype": "bfloat16", "parallel_config": {"ulysses_degree": 2, "ring_degree": 1}}"#])
    .id("bf16_ulysses2");

/// Half-precision runs may differ by the order of the split attention's reductions.
const MEAN_THRESHOLD: f64 = 2e-2;
const MAX_THRESHOLD: f64 = 2e-1;

fn compare(ctx: &TestContext, baseline: &'static Scenario, split: &'static Scenario) -> TestResult {
    let request = cat_on_keyboard(4);
    let out = ctx.output_dir()?;
    let base = ctx.with_runner(baseline, |runner| runner.send(&request, &out.join(baseline.id)))?;
    let sp = ctx.with_runner(split, |runner| runner.send(&request, &out.join(split.id)))?;
    check_images_close(single_image(&base)?, single_image(&sp)?, MEAN_THRESHOLD, MAX_THRESHOLD, "ulysses 2 vs 1")
}

omni_test! {
    /// Ulysses degree 2 against degree 1 in float16.
    /// Deploy Setting: parallel_config ulysses_degree=1, then 2 (ring_degree=1), dtype float16
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 4 steps, guidance 0, seed 42
    /// Datasets: single request per configuration
    #[levels(core_model, advanced_model)]
    #[markers(diffusion, parallel, sp)]
    #[hardware(cuda = "L4", cards = 2)]
    fn test_ulysses_matches_baseline_001(ctx: &TestContext) -> TestResult {
        compare(ctx, &BASELINE_FP16, &ULYSSES_2_FP16)
    }

    /// Ulysses degree 2 against degree 1 in bfloat16.
    /// Deploy Setting: parallel_config ulysses_degree=1, then 2 (ring_degree=1), dtype bfloat16
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 4 steps, guidance 0, seed 42
    /// Datasets: single request per configuration
    #[levels(core_model, advanced_model)]
    #[markers(diffusion, parallel, sp)]
    #[hardware(cuda = "L4", cards = 2)]
    fn test_ulysses_matches_baseline_002(ctx: &TestContext) -> TestResult {
        compare(ctx, &BASELINE_BF16, &ULYSSES_2_BF16)
    }
}
