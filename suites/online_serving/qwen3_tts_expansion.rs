//! Qwen3-TTS CustomVoice's wider scenarios at L4 (full_model, nightly, the seed's
//! `full_model and L4 and tts` selection): the port of the seed's
//! `tests/e2e/online_serving/test_qwen3_tts_expansion.py`.
//!
//! Two deploy settings, as the seed's parameters: the shipped pipeline, where code2wav decodes
//! the talker's codec chunks as they come (`async_chunk`), and the sequential one
//! (`--no-async-chunk`). Inputs in English and Chinese, presets of either gender.

use omnitest::prelude::*;

use super::common::{FEW, TTS_PROMPT, custom_voice};

const MODEL: &str = "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice";
const DEPLOY: &str = "ci/qwen3_tts.yaml";

/// Code2wav decodes codec chunks as the talker makes them.
static ASYNC_CHUNK: Scenario =
    Scenario::vllm_omni(MODEL).stage_configs(DEPLOY).args(&["--trust-remote-code", "--disable-log-stats"]);
/// Code2wav runs after the talker has finished.
static NO_ASYNC_CHUNK: Scenario = Scenario::vllm_omni(MODEL).stage_configs(DEPLOY).args(&[
    "--trust-remote-code",
    "--disable-log-stats",
    "--no-async-chunk",
]);

/// The seed's Chinese input: the Beijing sentence again.
const PROMPT_CHINESE: &str =
    "北京，中国的首都，是一座融合了紫禁城、长城等历史遗迹与现代建筑的国际化大都市，充满了独特的文化与活力";

omni_test! {
    /// Chinese text in, Chinese speech out.
    /// Deploy Setting: default yaml (async chunk); no async chunk
    /// Input Modal: text (Chinese)
    /// Output Modal: audio (wav, voice vivian)
    /// Input Setting: stream=False, language=chinese
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ASYNC_CHUNK, NO_ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_language_001(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&custom_voice(server.model(), PROMPT_CHINESE, "vivian", SpeechMode::Whole), 1)?;
        Ok(())
    }

    /// The preset voice Eric, several requests at once. The seed reads the answer as a stream
    /// but sends no stream format, so the server answers with the whole file.
    /// Deploy Setting: default yaml (async chunk); no async chunk
    /// Input Modal: text
    /// Output Modal: audio (wav, voice eric)
    /// Input Setting: stream=True (read as it arrives), voice=eric
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ASYNC_CHUNK, NO_ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_voice_001(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&custom_voice(server.model(), TTS_PROMPT, "eric", SpeechMode::Whole), FEW)?;
        Ok(())
    }

    /// The preset voice Serena, named with a capital: a woman's voice.
    /// Deploy Setting: default yaml (async chunk); no async chunk
    /// Input Modal: text
    /// Output Modal: audio (wav, voice Serena)
    /// Input Setting: stream=False, voice=Serena
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ASYNC_CHUNK, NO_ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_voice_002(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&custom_voice(server.model(), TTS_PROMPT, "Serena", SpeechMode::Whole), 1)?;
        Ok(())
    }
}
