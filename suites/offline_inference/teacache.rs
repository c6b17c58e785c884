//! Port of `tests/e2e/offline_inference/test_teacache.py`: the TeaCache backend still produces the
//! requested image, and repeating a seeded request gives the same image (the cache is per
//! request, not carried across requests).

use omnitest::prelude::*;

use super::common::{cat_on_keyboard, check_images_close, single_image};

static TEA_CACHE: Scenario = Scenario::offline("riverclouds/qwen_image_random")
    .args(&["--extra", r#"{"cache_backend": "tea_cache", "cache_config": {"rel_l1_thresh": 0.2}}"#])
    .id("tea_cache");

omni_test! {
    /// TeaCache on a random-weight Qwen-Image: one image of the requested size, twice alike.
    /// Deploy Setting: cache_backend tea_cache, rel_l1_thresh 0.2
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 4 steps, guidance 0, seed 42
    /// Datasets: the same request twice
    #[levels(core_model)]
    #[markers(diffusion, cache)]
    #[hardware(cuda = "L4")]
    #[scenarios(TEA_CACHE)]
    fn test_teacache_text_to_image_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let request = cat_on_keyboard(4);
        let out = ctx.output_dir()?;
        let first = runner.send(&request, &out.join("first"))?;
        let second = runner.send(&request, &out.join("second"))?;
        check_images_close(single_image(&first)?, single_image(&second)?, 0.0, 0.0, "the same seeded request twice")
    }
}
