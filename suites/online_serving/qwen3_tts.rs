//! Qwen3-TTS through `/v1/audio/speech` at L2 (core_model) and L3 (advanced_model): the port of
//! the seed's `tests/e2e/online_serving/test_qwen3_tts_customvoice.py` and
//! `test_qwen3_tts_base.py`, plus the VoiceDesign checkpoint, which the seed serves the same
//! way. Speech comes whole, as raw chunked bytes (`stream_format: "audio"`) or as SSE events.
//!
//! What the run level checks ([`omnitest::validators`]): at every level the status, the content
//! type and the size; above core_model also that the speech says the input (a transcript,
//! hence `#[deep_needs(transcription)]`), that a preset voice has its gender, and that raw PCM
//! has the harmonics of a voice (HNR). The seed's Base tests mark `omni` and four cards; they run
//! on one L4 in its CI, as here, and are marked `tts` like the other speech tests.

use omnitest::media::analysis;
use omnitest::media::wav::decode_pcm16;
use omnitest::prelude::*;
use serde_json::{Value, json};

use super::common::{FEW, TTS_PROMPT, custom_voice};

const CUSTOM_VOICE: &str = "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice";
const VOICE_DESIGN: &str = "Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign";
const BASE: &str = "Qwen/Qwen3-TTS-12Hz-1.7B-Base";
const DEPLOY: &str = "ci/qwen3_tts.yaml";

/// The seed's CustomVoice server: the shipped deploy with the talker capped at 500 tokens.
static ASYNC_CHUNK: Scenario = Scenario::vllm_omni(CUSTOM_VOICE)
    .stage_configs(DEPLOY)
    .updates(&[("stages.0.default_sampling_params.max_tokens", "500")])
    .args(&["--trust-remote-code"]);
/// The shipped deploy as it is: code2wav with its CUDA graph.
static SHIPPED: Scenario = Scenario::vllm_omni(CUSTOM_VOICE).stage_configs(DEPLOY).args(&["--trust-remote-code"]);
/// The VoiceDesign checkpoint.
static DESIGN: Scenario = Scenario::vllm_omni(VOICE_DESIGN).stage_configs(DEPLOY).args(&["--trust-remote-code"]);
/// The Base (voice clone) checkpoint, as the seed serves it.
static CLONE: Scenario = Scenario::vllm_omni(BASE).stage_configs(DEPLOY).args(&[
    "--trust-remote-code",
    "--enforce-eager",
    "--disable-log-stats",
]);

/// What the cloned voice says, and the transcript of its reference recording.
const SYN_TEXT: &str = "Good one. Okay, fine, I'm just gonna leave this sock monkey here. Goodbye.";
const REF_TEXT: &str =
    "Okay. Yeah. I resent you. I love you. I respect you. But you know what? You blew it! And thanks to you.";
/// The reference recording's length: the sentence once, spoken by the synthetic voice.
const REF_SECONDS: f64 = 8.8;
/// Cloned speech is at least this long.
const MIN_AUDIO_BYTES: usize = 10_000;
/// Clean cloned speech has more harmonics than this; a decoder that lost the reference's
/// context on later chunks drops below 1 dB.
const MIN_HNR_DB: f64 = 1.2;

/// A pitch above this is a woman's voice, as the validators' heuristic has it.
const FEMALE_PITCH_HZ: f32 = 165.0;

fn designed_voice(model: &str, instructions: &str, mode: SpeechMode, format: &str) -> SpeechRequest {
    SpeechRequest::new(model, TTS_PROMPT)
        .response_format(format)
        .mode(mode)
        .extra("task_type", json!("VoiceDesign"))
        .extra("instructions", json!(instructions))
}

/// A Base request cloning the synthetic voice of a reference clip that says [`REF_TEXT`].
fn cloned_voice(model: &str, mode: SpeechMode, format: &str) -> Result<SpeechRequest, TestError> {
    let reference = synth::audio_with(synth::AudioOptions {
        duration_s: REF_SECONDS,
        channels: 1,
        sample_rate: 24_000,
        phrase: REF_TEXT.to_owned(),
    })?;
    let mut request = SpeechRequest::new(model, SYN_TEXT)
        .response_format(format)
        .mode(mode)
        .extra("task_type", json!("Base"))
        .extra("ref_text", json!(REF_TEXT))
        .extra("ref_audio", json!(reference.data_url()))
        .min_audio_bytes(MIN_AUDIO_BYTES);
    request.min_hnr_db = MIN_HNR_DB;
    Ok(request)
}

/// At deep levels, checks that a designed voice is pitched as its description asked.
fn check_designed_gender(client: &Client, response: &SpeechResponse, female: bool) -> TestResult {
    if !client.run_level().validates_deeply() {
        return Ok(());
    }
    let audio = response.audio.as_ref().ok_or_else(|| TestError::failure("the speech could not be decoded"))?;
    let pitch = analysis::median_f0_hz(audio).ok_or_else(|| TestError::failure("the designed voice is not voiced"))?;
    let asked = if female { "female" } else { "male" };
    check!(
        (pitch > FEMALE_PITCH_HZ) == female,
        "the voice designed as {asked} has a median pitch of {pitch:.0} Hz (the line is {FEMALE_PITCH_HZ} Hz)"
    );
    Ok(())
}

/// The stage with `stage_id` of a deploy document.
fn stage(document: &Value, stage_id: u64) -> Option<&Value> {
    document["stages"].as_array()?.iter().find(|s| s["stage_id"].as_u64() == Some(stage_id))
}

omni_test! {
    /// Both stages start with the shipped CUDA-graph configuration (code2wav not eager, no
    /// `--enforce-eager`), and the server answers `/health` and lists the model.
    /// Deploy Setting: shipped qwen3_tts.yaml
    /// Input Modal: none
    /// Output Modal: health and model list
    /// Input Setting: GET /health, GET /v1/models
    /// Datasets: none
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(SHIPPED)]
    fn test_cuda_graph_startup_001(server: &Server, client: &Client) -> TestResult {
        let deploy = server.config_path().ok_or_else(|| TestError::harness("the server has no deploy config"))?;
        let document: Value = yaml_serde::from_str(&std::fs::read_to_string(deploy)?)?;
        let code2wav = stage(&document, 1).ok_or_else(|| TestError::failure("the deploy config has no stage 1"))?;
        check_eq!(code2wav["enforce_eager"], json!(false), "stage 1 (code2wav) keeps its CUDA graph");
        check!(!SHIPPED.args.contains(&"--enforce-eager"), "the server must start without --enforce-eager");
        let health = client.health()?;
        check_eq!(health.status, 200, "/health: {}", health.text());
        let models = client.models()?;
        let listed = models.json.as_ref().and_then(|m| m["data"].as_array()).is_some_and(|data| data.iter().any(|m| m["id"] == CUSTOM_VOICE));
        check!(listed, "/v1/models does not list {CUSTOM_VOICE}: {}", models.text());
        Ok(())
    }

    /// Text input processing and audio output via the OpenAI API.
    /// Deploy Setting: default yaml (talker max_tokens 500)
    /// Input Modal: text
    /// Output Modal: audio (wav, voice vivian)
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_text_to_audio_001(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&custom_voice(server.model(), TTS_PROMPT, "vivian", SpeechMode::Whole), FEW)?;
        Ok(())
    }

    /// Text input processing and streamed audio output via the OpenAI API.
    /// Deploy Setting: default yaml (talker max_tokens 500)
    /// Input Modal: text
    /// Output Modal: audio (wav, voice vivian)
    /// Input Setting: stream=True, stream_format=audio (raw chunked bytes)
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_text_to_audio_002(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&custom_voice(server.model(), TTS_PROMPT, "vivian", SpeechMode::RawStream), 1)?;
        Ok(())
    }

    /// Text input processing and audio output as server-sent events, PCM in each delta.
    /// Deploy Setting: default yaml (talker max_tokens 500)
    /// Input Modal: text
    /// Output Modal: audio (pcm, voice vivian)
    /// Input Setting: stream=True, stream_format=sse
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ASYNC_CHUNK)]
    fn test_text_to_audio_003(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&custom_voice(server.model(), TTS_PROMPT, "vivian", SpeechMode::Sse).response_format("pcm"), 1)?;
        Ok(())
    }

    /// A voice designed from a description speaks the input, pitched as the description asks.
    /// Deploy Setting: default yaml (VoiceDesign checkpoint)
    /// Input Modal: text + voice description (female)
    /// Output Modal: audio (wav)
    /// Input Setting: stream=False, task_type=VoiceDesign
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DESIGN)]
    #[deep_needs(transcription)]
    fn test_voice_design_001(server: &Server, client: &Client) -> TestResult {
        let request = designed_voice(
            server.model(),
            "A warm, friendly female voice with a gentle tone",
            SpeechMode::Whole,
            "wav",
        );
        let response = client.send_audio_speech_request(&request, 1)?.remove(0);
        check_designed_gender(client, &response, true)
    }

    /// A designed voice streamed as raw PCM: a clean voice (HNR), pitched as asked.
    /// Deploy Setting: default yaml (VoiceDesign checkpoint)
    /// Input Modal: text + voice description (male)
    /// Output Modal: audio (pcm)
    /// Input Setting: stream=True, stream_format=audio, task_type=VoiceDesign
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DESIGN)]
    fn test_voice_design_002(server: &Server, client: &Client) -> TestResult {
        let request =
            designed_voice(server.model(), "A deep, calm male voice, speaking slowly", SpeechMode::RawStream, "pcm");
        let response = client.send_audio_speech_request(&request, 1)?.remove(0);
        check_designed_gender(client, &response, false)
    }

    /// Voice clone output is real audio, not all silence (a known regression: a speech
    /// tokenizer in bfloat16 made every sample the same).
    /// Deploy Setting: default yaml (Base checkpoint, eager)
    /// Input Modal: text + reference audio and its transcript
    /// Output Modal: audio (pcm)
    /// Input Setting: stream=False, task_type=Base
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(CLONE)]
    fn test_voice_clone_001(server: &Server, client: &Client) -> TestResult {
        let request = cloned_voice(server.model(), SpeechMode::Whole, "pcm")?;
        let response = client.send_audio_speech_request(&request, 1)?.remove(0);
        let samples = decode_pcm16(&response.bytes, 24_000, 1)?.samples;
        check!(
            samples.iter().any(|s| *s != samples[0]),
            "all-silence: {} samples, every one {:?}",
            samples.len(),
            samples.first()
        );
        Ok(())
    }

    /// The cloned voice says the input: its transcript matches it (similarity above 0.9).
    /// Deploy Setting: default yaml (Base checkpoint, eager)
    /// Input Modal: text + reference audio and its transcript
    /// Output Modal: audio (wav)
    /// Input Setting: stream=False, task_type=Base
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(CLONE)]
    #[deep_needs(transcription)]
    fn test_voice_clone_002(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&cloned_voice(server.model(), SpeechMode::Whole, "wav")?, 1)?;
        Ok(())
    }

    /// A voice clone WAV has `audio/wav` as its type, a RIFF/WAVE header and some length.
    /// Deploy Setting: default yaml (Base checkpoint, eager)
    /// Input Modal: text + reference audio and its transcript
    /// Output Modal: audio (wav)
    /// Input Setting: stream=False, task_type=Base
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(CLONE)]
    #[deep_needs(transcription)]
    fn test_voice_clone_003(server: &Server, client: &Client) -> TestResult {
        let response = client.send_audio_speech_request(&cloned_voice(server.model(), SpeechMode::Whole, "wav")?, 1)?.remove(0);
        check_eq!(response.content_type, "audio/wav");
        let header = response.bytes.get(..12).unwrap_or_default();
        check!(header.starts_with(b"RIFF") && header.ends_with(b"WAVE"), "not a WAV file: it starts {header:?}");
        Ok(())
    }

    /// Streamed voice clone PCM is not distorted: the decoder keeps the reference's context on
    /// later chunks, so the harmonics-to-noise ratio stays above 1.2 dB (a known regression
    /// lost that context).
    /// Deploy Setting: default yaml (Base checkpoint, eager)
    /// Input Modal: text + reference audio and its transcript
    /// Output Modal: audio (pcm)
    /// Input Setting: stream=True, stream_format=audio, task_type=Base
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(tts)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(CLONE)]
    fn test_voice_clone_004(server: &Server, client: &Client) -> TestResult {
        client.send_audio_speech_request(&cloned_voice(server.model(), SpeechMode::RawStream, "pcm")?, 1)?;
        Ok(())
    }
}
