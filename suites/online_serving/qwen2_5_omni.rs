//! Qwen2.5-Omni online serving at L2 (core_model) and L3 (advanced_model): the port of the
//! seed's `tests/e2e/online_serving/test_qwen2_5_omni.py`.
//!
//! The seed skips its mixed-media test on real hardware because Qwen2.5-Omni does not recognise
//! its synthetic video; the test is kept here (the mock describes the balls honestly), so a real
//! run shows whether the model has caught up.

use omnitest::prelude::*;

use super::common::{FEW, PROMPT_MIX, PROMPT_TEXT_ONLY, VIDEO_KEY, capital_in_text, mixed_media, qwen_messages};

/// The seed's server: the CI deploy of Qwen2.5-Omni-7B on two cards.
static DEFAULT: Scenario = Scenario::vllm_omni("Qwen/Qwen2.5-Omni-7B").stage_configs("ci/qwen2_5_omni.yaml");

omni_test! {
    /// Multi-modal input processing and text/audio output generation via the OpenAI API.
    /// Deploy Setting: default yaml
    /// Input Modal: text + audio (16 kHz) + video + image
    /// Output Modal: text + audio
    /// Input Setting: stream=True
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT)]
    #[deep_needs(transcription)]
    fn test_mix_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), mixed_media(PROMPT_MIX, 16_000)?)
            .stream(true)
            .key_words(KeyWords::video(VIDEO_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// Text input processing and text output generation via the OpenAI API.
    /// Deploy Setting: default yaml
    /// Input Modal: text
    /// Output Modal: text
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT)]
    #[deep_needs(real_model)]
    fn test_text_to_text_001(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&capital_in_text(server.model(), qwen_messages(PROMPT_TEXT_ONLY)), FEW)?;
        Ok(())
    }
}
