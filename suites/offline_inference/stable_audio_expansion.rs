//! Port of `tests/e2e/offline_inference/test_stable_audio_expansion.py`: Stable Audio Open with the
//! L4 feature combinations (FP8 with TeaCache; FP8 with CPU offload), each making a two-second
//! stereo clip at 44.1 kHz. Weekly (`slow`), as in the original.

use omnitest::prelude::*;

use super::common::single_audio;

const MODEL: &str = "stabilityai/stable-audio-open-1.0";
static FP8_TEACACHE: Scenario = Scenario::offline(MODEL)
    .args(&[
        "--extra",
        r#"{"model_class_name": "StableAudioPipeline", "quantization": "fp8", "cache_backend": "tea_cache",
            "cache_config": {"rel_l1_thresh": 0.2}}"#,
    ])
    .id("fp8_teacache");
static FP8_CPU_OFFLOAD: Scenario = Scenario::offline(MODEL)
    .args(&["--extra", r#"{"quantization": "fp8", "enable_cpu_offload": true}"#])
    .id("fp8_offload");

const SAMPLE_RATE: u32 = 44_100;

fn dog_barking() -> OfflineRequest {
    OfflineRequest::diffusion("The sound of a dog barking")
        .field("negative_prompt", serde_json::json!("Low quality."))
        .steps(4)
        .guidance_scale(7.0)
        .seed(42)
        .outputs(1)
        .audio_clip(0.0, 2.0)
}

fn check_clip(outputs: &[OfflineOutput]) -> TestResult {
    let audio = single_audio(outputs)?;
    check_eq!((audio.sample_rate, audio.channels), (SAMPLE_RATE, 2), "rate and channels of the clip");
    Ok(())
}

omni_test! {
    /// FP8 weights with TeaCache: a 2 s stereo clip.
    /// Deploy Setting: quantization fp8, cache_backend tea_cache (rel_l1_thresh 0.2)
    /// Input Modal: text (+ negative prompt)
    /// Output Modal: audio
    /// Input Setting: 0–2 s, 4 steps, guidance 7.0, seed 42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, cache, slow)]
    #[hardware(cuda = "L4", xpu = "B60")]
    #[scenarios(FP8_TEACACHE)]
    fn test_quantization_and_teacache_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        check_clip(&runner.send(&dog_barking(), &ctx.output_dir()?.join("outputs"))?)
    }

    /// FP8 weights with CPU offload: a 2 s stereo clip.
    /// Deploy Setting: quantization fp8, enable_cpu_offload
    /// Input Modal: text (+ negative prompt)
    /// Output Modal: audio
    /// Input Setting: 0–2 s, 4 steps, guidance 7.0, seed 42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, slow)]
    #[hardware(cuda = "L4", xpu = "B60")]
    #[scenarios(FP8_CPU_OFFLOAD)]
    fn test_cpu_offload_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        check_clip(&runner.send(&dog_barking(), &ctx.output_dir()?.join("outputs"))?)
    }
}
