//! Port of `tests/e2e/offline_inference/test_wan22.py`: Wan2.2 text-to-video through the offline
//! API; the encoded video must have the requested size, fps and `(n // 4) * 4 + 1` frames.

use omnitest::prelude::*;

static WAN22_T2V: Scenario = Scenario::offline("Wan-AI/Wan2.2-T2V-A14B-Diffusers")
    .args(&["--extra", r#"{"boundary_ratio": 0.875, "flow_shift": 5.0}"#])
    .id("t2v");

omni_test! {
    /// A short clip: 8 frames requested, 9 encoded.
    /// Deploy Setting: boundary_ratio 0.875, flow_shift 5.0
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: 512x512, 8 frames at 8 fps, 2 steps, guidance 4.0, seed 42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100")]
    #[scenarios(WAN22_T2V)]
    fn test_text_to_video_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let request = OfflineRequest::diffusion("A cat walks on the grass, realistic")
            .size(512, 512)
            .frames(8, 8)
            .steps(2)
            .guidance_scale(4.0)
            .seed(42);
        runner.send(&request, &ctx.output_dir()?.join("outputs"))?;
        Ok(())
    }

    /// A landscape clip whose frame count is already of the form 4k + 1.
    /// Deploy Setting: boundary_ratio 0.875, flow_shift 5.0
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: 832x480, 17 frames at 16 fps, 2 steps
    /// Datasets: single request
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100")]
    #[scenarios(WAN22_T2V)]
    fn test_text_to_video_002(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let request = OfflineRequest::diffusion("Waves rolling onto a beach at sunset")
            .size(832, 480)
            .frames(17, 16)
            .steps(2)
            .seed(42);
        runner.send(&request, &ctx.output_dir()?.join("outputs"))?;
        Ok(())
    }
}
