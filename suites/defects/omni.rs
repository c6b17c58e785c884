//! Omni and speech outputs: text, audio, and whether they say the same thing.

use omnitest::prelude::*;

use super::check_caught;

/// A text+audio omni test that validates its answer deeply at advanced_model.
const OMNI_TRIAL: &str = "online_serving::qwen2_5_omni::test_mix_to_text_audio_001[default]";

omni_test! {
    /// An answer without its audio fails the modality check.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_missing_audio_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "no-audio",
            "advanced_model",
            OMNI_TRIAL,
            "omni request 1/1: audio was requested but the answer has no audio",
        )
    }

    /// Audio that speaks other words than the text fails the transcript similarity check.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_mismatched_audio_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "mismatched-audio",
            "advanced_model",
            OMNI_TRIAL,
            "omni request 1/1: the audio does not say the text: similarity",
        )
    }

    /// An empty text answer counts as no text.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_empty_text_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "empty-text",
            "advanced_model",
            OMNI_TRIAL,
            "omni request 1/1: text was requested but the answer has no text",
        )
    }

    /// Speech that is noise fails the transcript match of the speech route.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_noise_speech_is_caught(ctx: &TestContext) -> TestResult {
        check_caught(
            ctx,
            "noise-speech",
            "advanced_model",
            "online_serving::qwen3_tts::test_text_to_audio_002[async_chunk]",
            "speech request 1/1: the speech does not say the input: similarity",
        )
    }
}
