//! Port of `tests/e2e/offline_inference/test_cache_dit.py`: the Cache-DiT backend, with the
//! minimal warm-up the original uses to stay fast, still produces the requested image.

use omnitest::prelude::*;

use super::common::{cat_on_keyboard, single_image};

static CACHE_DIT: Scenario = Scenario::offline("riverclouds/qwen_image_random")
    .args(&[
        "--extra",
        r#"{"cache_backend": "cache_dit", "cache_config": {"Fn_compute_blocks": 1, "Bn_compute_blocks": 0,
            "max_warmup_steps": 2, "residual_diff_threshold": 0.24, "max_continuous_cached_steps": 3}}"#,
    ])
    .id("cache_dit");

omni_test! {
    /// Cache-DiT on a random-weight Qwen-Image: one image of the requested size.
    /// Deploy Setting: cache_backend cache_dit, 1 forward / 0 backward compute blocks, 2 warm-up steps
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 4 steps, guidance 0, seed 42
    /// Datasets: single request
    #[levels(core_model)]
    #[markers(diffusion, cache)]
    #[hardware(cuda = "L4")]
    #[scenarios(CACHE_DIT)]
    fn test_cache_dit_text_to_image_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let request = cat_on_keyboard(4);
        let outputs = runner.send(&request, &ctx.output_dir()?.join("outputs"))?;
        let image = single_image(&outputs)?;
        check_eq!((image.width, image.height), (256, 256));
        Ok(())
    }
}
