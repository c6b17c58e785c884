//! Port of `tests/e2e/offline_inference/test_z_image.py`: Z-Image-Turbo text-to-image through the
//! offline API on one L4.

use omnitest::prelude::*;

use super::common::images;

static Z_IMAGE: Scenario = Scenario::offline("Tongyi-MAI/Z-Image-Turbo").id("default");

omni_test! {
    /// One prompt, two images of the requested size, with Turbo's few steps and no guidance.
    /// Deploy Setting: default
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 512x512, 2 steps, guidance 0, 2 outputs per prompt
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4")]
    #[scenarios(Z_IMAGE)]
    fn test_text_to_image_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let request = OfflineRequest::diffusion("a photo of a cat sitting on a laptop keyboard")
            .size(512, 512)
            .steps(2)
            .guidance_scale(0.0)
            .seed(42)
            .outputs(2);
        let outputs = runner.send(&request, &ctx.output_dir()?.join("outputs"))?;
        check_eq!(images(&outputs).len(), 2);
        Ok(())
    }

    /// Non-square sizes keep their orientation: width and height are not swapped.
    /// Deploy Setting: default
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 768x512 and 512x768, 2 steps
    /// Datasets: two requests
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4")]
    #[scenarios(Z_IMAGE)]
    fn test_text_to_image_002(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        for (width, height) in [(768, 512), (512, 768)] {
            let request = OfflineRequest::diffusion("a lighthouse on a cliff").size(width, height).steps(2).seed(7);
            runner.send(&request, &ctx.output_dir()?.join(format!("{width}x{height}")))?;
        }
        Ok(())
    }
}
