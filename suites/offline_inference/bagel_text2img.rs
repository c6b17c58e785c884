//! Port of `tests/e2e/offline_inference/test_bagel_text2img.py`: BAGEL text-to-image, the
//! understanding stage handing its KV cache to the diffusion stage over the shared-memory
//! connector. The original also runs the Mooncake connector, which needs a `mooncake_master`
//! process beside the engine; that variant is not ported. Its golden-pixel comparison needs the
//! real weights and a reference image made with them, which this repository does not ship.

use omnitest::prelude::*;

use super::common::single_image;

static BAGEL_SHARED_MEMORY: Scenario = Scenario::offline("ByteDance-Seed/BAGEL-7B-MoT")
    .stage_configs("ci/offline/bagel_shared_memory.yaml")
    .args(&["--extra", r#"{"stage_init_timeout": 300}"#])
    .id("shared_memory_connector");

omni_test! {
    /// A prompt in BAGEL's chat format in, one 1024x1024 image out.
    /// Deploy Setting: ci/offline/bagel_shared_memory.yaml (thinker → DiT over shared memory)
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 15 inference steps, seed 52
    /// Datasets: single request
    #[levels(core_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100")]
    #[scenarios(BAGEL_SHARED_MEMORY)]
    fn test_text2img_shared_memory_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let request = OfflineRequest::diffusion("<|im_start|>A cute cat<|im_end|>")
            .size(1024, 1024)
            .steps(15)
            .seed(52)
            .outputs(1);
        let outputs = runner.send(&request, &ctx.output_dir()?.join("outputs"))?;
        let image = single_image(&outputs)?;
        check_eq!((image.width, image.height), (1024, 1024));
        Ok(())
    }
}
