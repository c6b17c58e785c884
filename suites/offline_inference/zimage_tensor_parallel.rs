//! Port of `tests/e2e/offline_inference/test_zimage_tensor_parallel.py`: Z-Image with the
//! transformer split over two cards (tensor parallel 2) makes the image one card makes.

use omnitest::prelude::*;

use super::common::{cat_on_keyboard, check_images_close, single_image};

static ONE_CARD: Scenario = Scenario::offline("Tongyi-MAI/Z-Image-Turbo").id("tp1");
static TENSOR_PARALLEL_2: Scenario = Scenario::offline("Tongyi-MAI/Z-Image-Turbo")
    .args(&["--extra", r#"{"parallel_config": {"tensor_parallel_size": 2}}"#])
    .id("tp2");

omni_test! {
    /// The same prompt and seed on one card, then with tensor parallel 2: the images match within
    /// bf16 reduction-order noise.
    /// Deploy Setting: parallel_config tensor_parallel_size=1, then 2
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 2 steps, guidance 0, seed 42
    /// Datasets: single request per configuration
    #[levels(core_model, advanced_model)]
    #[markers(diffusion, parallel)]
    #[hardware(cuda = "L4", cards = 2)]
    fn test_tensor_parallel_matches_one_card_001(ctx: &TestContext) -> TestResult {
        let request = cat_on_keyboard(2);
        let out = ctx.output_dir()?;
        let one = ctx.with_runner(&ONE_CARD, |runner| runner.send(&request, &out.join("tp1")))?;
        let split = ctx.with_runner(&TENSOR_PARALLEL_2, |runner| runner.send(&request, &out.join("tp2")))?;
        check_images_close(single_image(&one)?, single_image(&split)?, 2e-2, 2e-1, "tp2 vs tp1")
    }
}
