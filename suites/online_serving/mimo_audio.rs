//! MiMo-Audio online serving at L2 (core_model) and L3 (advanced_model): the port of the seed's
//! `tests/e2e/online_serving/test_mimo_audio.py`.
//!
//! The seed serves MiMo-Audio with the chat template of vLLM-Omni's
//! `examples/online_serving/mimo_audio/` and with `MIMO_AUDIO_TOKENIZER_PATH` pointing at a
//! downloaded `XiaomiMiMo/MiMo-Audio-Tokenizer`; both live outside this repository, so a real
//! run sets the variable in its environment (the server inherits it) and the scenario names no
//! template.

use omnitest::prelude::*;
use serde_json::json;

use super::common::{AUDIO_KEY, FEW, PROMPT_TEXT_ONLY, capital_in_text, speech_url};

/// The production MiMo-Audio deploy on one card.
static DEFAULT: Scenario = Scenario::vllm_omni("XiaomiMiMo/MiMo-Audio-7B-Instruct").stage_configs("ci/mimo_audio.yaml");

/// The synthetic audio repeats one word; a one-word answer keeps the speech and the text alike.
const PROMPT_AUDIO: &str = "What one English word is repeated in the audio? Reply with that single word only.";

/// Five seconds of the synthetic speech at 24 kHz, and the prompt about it.
fn audio_question() -> Result<Messages, TestError> {
    Ok(Messages::user(PROMPT_AUDIO).audio(speech_url(5.0, 24_000)?))
}

/// Caps both stages (thinker and talker) at 64 tokens, so the answer's speech stays short enough
/// to be compared with its text.
fn capped_stages() -> serde_json::Value {
    json!([{"max_tokens": 64}, {"max_tokens": 64}])
}

omni_test! {
    /// Audio and text input processing and text/audio output generation via the OpenAI API.
    /// Deploy Setting: mimo_audio.yaml; per-request sampling_params_list caps max_tokens
    /// Input Modal: text + audio
    /// Output Modal: text + audio
    /// Input Setting: stream=True
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", rocm = "MI325", cards = 1)]
    #[scenarios(DEFAULT)]
    #[deep_needs(real_model, transcription)]
    fn test_audio_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), audio_question()?)
            .stream(true)
            .extra("sampling_params_list", capped_stages())
            .key_words(KeyWords::audio(AUDIO_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// The answer to an audio question, whole: its speech says its text (no keywords, so no
    /// real model is needed to check it).
    /// Deploy Setting: mimo_audio.yaml; per-request sampling_params_list caps max_tokens
    /// Input Modal: text + audio
    /// Output Modal: text + audio
    /// Input Setting: stream=False
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", rocm = "MI325", cards = 1)]
    #[scenarios(DEFAULT)]
    #[deep_needs(transcription)]
    fn test_audio_to_text_audio_002(server: &Server, client: &Client) -> TestResult {
        let request =
            OmniRequest::new(server.model(), audio_question()?).extra("sampling_params_list", capped_stages());
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// Text input processing and text-only output generation via the OpenAI API.
    /// Deploy Setting: mimo_audio.yaml
    /// Input Modal: text
    /// Output Modal: text
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", rocm = "MI325", cards = 1)]
    #[scenarios(DEFAULT)]
    #[deep_needs(real_model)]
    fn test_text_to_text_001(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&capital_in_text(server.model(), Messages::user(PROMPT_TEXT_ONLY)), FEW)?;
        Ok(())
    }
}
