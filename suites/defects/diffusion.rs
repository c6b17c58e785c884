//! Diffusion outputs: images, videos and generated sound.

use omnitest::prelude::*;

use super::check_caught;

omni_test! {
    /// Images at half the requested width fail the deep size check.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_wrong_image_size_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "wrong-image-size",
            "advanced_model",
            "online_serving::qwen_image::test_text_to_image_001[default]",
            "diffusion request 1/1: image 0: expected a 512x512 image, got 256x512",
        )
    }

    /// One image fewer than asked fails the count check, at every level.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_missing_image_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "missing-image",
            "core_model",
            "online_serving::qwen_image_edit::test_images_edits_001[edit]",
            "expected 1 image(s), got 0",
        )
    }

    /// A video with `num_frames` frames instead of `(n // 4) * 4 + 1` fails the frame rule.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_wrong_video_frames_are_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "wrong-video-frames",
            "core_model",
            "online_serving::wan22::test_text_to_video_001[t2v]",
            "the video has 8 frames (expected (n // 4) * 4 + 1 = 9 for n = 8)",
        )
    }

    /// Silence from a text-to-audio model fails the deep audio check.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_silent_audio_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "silent-audio",
            "advanced_model",
            "online_serving::stable_audio::test_text_to_audio_001[default]",
            "generated audio: the audio is silence: 2.00 s",
        )
    }
}
