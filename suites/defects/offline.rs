//! Offline runners' outputs.

use omnitest::prelude::*;

use super::check_caught;

omni_test! {
    /// An offline image of the wrong size fails the size check, which offline runs apply at
    /// every level.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_offline_wrong_image_size_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "wrong-image-size",
            "core_model",
            "offline_inference::cache_dit::test_cache_dit_text_to_image_001[cache_dit]",
            "image 0: expected a 256x256 image, got 128x256",
        )
    }

    /// An omni runner that drops the talker's audio fails.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_offline_missing_audio_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "no-audio",
            "core_model",
            "offline_inference::qwen3_omni::test_video_to_audio_001[ci_eager]",
            "audio was requested but the runner returned none",
        )
    }

    /// An omni runner whose thinker says nothing fails.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_offline_empty_text_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "empty-text",
            "core_model",
            "offline_inference::qwen3_omni::test_text_to_text_audio_001[ci_eager]",
            "text was requested but the runner returned none",
        )
    }

    /// Silent generated sound fails the deep audio check offline too.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_offline_silent_audio_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "silent-audio",
            "advanced_model",
            "offline_inference::diffusion_layerwise_offload::test_layerwise_offload_keeps_the_audio_001",
            "audio 0: the audio is silence: 10.00 s",
        )
    }
}
