//! `POST /v1/audio/speech`: Qwen3-TTS-style speech — raw bytes, raw chunked streaming
//! (`stream_format: "audio"`) or SSE (`speech.audio.delta` / `done` / `error`).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::stream;
use serde_json::json;
use tokio::time::Instant;

use super::sse::{self, Out, Stop};
use crate::media::speech::{self as voice_model, Voice};
use crate::media::{Audio, analysis, data_url, wav};
use crate::mock::content;
use crate::mock::defects::Defect;
use crate::mock::errors::ApiError;
use crate::mock::profile::Route;
use crate::mock::routes::chat::request::AudioFormat;
use crate::mock::state::AppState;
use crate::mock::text::count_tokens;
use crate::mock::validate::{Fields, parse_object};

/// The preset speakers of the CustomVoice task.
pub const SPEAKERS: &[&str] = &["vivian", "serena", "chelsie", "uncle_fu", "ethan", "ryan", "aiden", "dylan", "eric"];

/// Codec frames per second of audio, what `output_tokens` counts.
const CODEC_FRAMES_PER_S: f64 = 12.0;

#[derive(Debug)]
struct SpeechRequest {
    model: Option<String>,
    input: String,
    format: AudioFormat,
    speed: f32,
    mode: Mode,
    voice: Voice,
}

#[derive(Debug, PartialEq)]
enum Mode {
    Whole,
    RawStream,
    Sse,
}

fn parse(bytes: &[u8]) -> Result<SpeechRequest, ApiError> {
    let body = parse_object(bytes)?;
    let mut f = Fields::new(&body);
    let model = f.string("model", false).map(str::to_owned);
    let input = f.string("input", true).map(str::to_owned);
    let voice_name = f.string("voice", false).or_else(|| f.string("speaker", false)).map(str::to_lowercase);
    let format = f.string("response_format", false).map(str::to_owned);
    let speed = f.float("speed").unwrap_or(1.0);
    let stream = f.bool("stream").unwrap_or(false);
    let stream_format = f.string("stream_format", false).map(str::to_owned);
    let task = f.string("task_type", false).unwrap_or("CustomVoice").to_owned();
    let instructions = f.string("instructions", false).map(str::to_owned);
    let ref_audio = f.string("ref_audio", false).map(str::to_owned);
    let ref_text = f.string("ref_text", false).map(str::to_owned);
    let x_vector_only = f.bool("x_vector_only_mode").unwrap_or(false);
    f.unsigned("max_new_tokens");
    f.unsigned("seed");
    f.finish()?;

    let input = input.unwrap_or_default();
    if input.trim().is_empty() {
        return Err(ApiError::bad_request("Input text cannot be empty").with_param("input"));
    }
    if !(0.25..=4.0).contains(&speed) {
        return Err(
            ApiError::bad_request(format!("speed must be between 0.25 and 4.0, got {speed}")).with_param("speed")
        );
    }
    let format = AudioFormat::parse(format.as_deref().unwrap_or("wav"))?;
    let mode = match stream_format.as_deref() {
        Some("audio") => Mode::RawStream,
        Some("sse") => Mode::Sse,
        None if stream => Mode::Sse,
        None => Mode::Whole,
        Some(other) => {
            return Err(ApiError::bad_request(format!("Invalid stream_format `{other}`: expected `sse` or `audio`"))
                .with_param("stream_format"));
        }
    };
    if mode == Mode::RawStream && format == AudioFormat::Flac {
        return Err(ApiError::bad_request("Raw audio streaming supports response_format pcm or wav")
            .with_param("response_format"));
    }
    let voice = match task.as_str() {
        "CustomVoice" => {
            let name = voice_name.unwrap_or_else(|| "vivian".to_owned());
            if !SPEAKERS.contains(&name.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "Invalid speaker '{name}'. Supported: {}",
                    SPEAKERS.join(", ")
                ))
                .with_param("voice"));
            }
            voice_model::voice(&name)
        }
        "VoiceDesign" => {
            let description = instructions.ok_or_else(|| {
                ApiError::bad_request("VoiceDesign task requires 'instructions'").with_param("instructions")
            })?;
            designed_voice(&description)
        }
        "Base" => {
            let reference = ref_audio
                .ok_or_else(|| ApiError::bad_request("Base task requires 'ref_audio'").with_param("ref_audio"))?;
            if ref_text.is_none() && !x_vector_only {
                return Err(ApiError::bad_request("Base task requires 'ref_text' unless x_vector_only_mode is set")
                    .with_param("ref_text"));
            }
            cloned_voice(&reference)?
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid task_type '{other}'. Supported: CustomVoice, VoiceDesign, Base"
            ))
            .with_param("task_type"));
        }
    };
    Ok(SpeechRequest { model, input, format, speed: speed as f32, mode, voice })
}

/// A voice designed from a description: pitched as a woman's when the description asks for a
/// female voice, as a man's when it asks for a male one, else anywhere in the range; the same
/// description always gives the same voice.
fn designed_voice(description: &str) -> Voice {
    let lowered = description.to_lowercase();
    let words: Vec<&str> = lowered.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let says = |names: &[&str], hanzi: char| words.iter().any(|w| names.contains(w)) || lowered.contains(hanzi);
    let hashed = voice_model::voice(description);
    let f0_hz = if says(&["female", "woman", "girl", "feminine", "lady"], '女') {
        190.0 + hashed.f0_hz % 50.0
    } else if says(&["male", "man", "boy", "masculine", "gentleman"], '男') {
        95.0 + hashed.f0_hz % 45.0
    } else {
        hashed.f0_hz
    };
    Voice { name: hashed.name, f0_hz }
}

/// A voice cloned from reference audio: the reference's pitch.
fn cloned_voice(reference: &str) -> Result<Voice, ApiError> {
    let bad = |detail: String| ApiError::bad_request(format!("Invalid ref_audio: {detail}")).with_param("ref_audio");
    let bytes = data_url::decode(reference).map_err(|e| bad(e.to_string()))?.bytes;
    let audio = wav::decode_any(&bytes).map_err(|e| bad(e.to_string()))?;
    let f0 = analysis::median_f0_hz(&audio).ok_or_else(|| bad("no voiced speech found in it".to_owned()))?;
    Ok(Voice { name: "clone".to_owned(), f0_hz: f0 })
}

/// The handler.
pub async fn speech(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(state, headers, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn handle(state: AppState, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    state.check_route(Route::Speech, "/v1/audio/speech")?;
    let request = parse(&body)?;
    state.check_model(request.model.as_deref())?;
    let id = super::request_id(&state, &headers, "speech");
    let input_tokens = count_tokens(&request.input).max(1) as u64;
    state.admit(input_tokens, &id)?;
    let rate = state.profile.sample_rate();
    let (text, voice, speed) = (request.input.clone(), request.voice.clone(), request.speed);
    let noise = state.config.defects.has(Defect::NoiseSpeech).then_some(input_tokens);
    let audio = tokio::task::spawn_blocking(move || {
        let speech = voice_model::synthesize(&text, &voice, rate, speed);
        match noise {
            Some(seed) => content::noise_like(&speech, seed),
            None => speech,
        }
    })
    .await
    .map_err(|err| ApiError::internal(format!("speech synthesis failed: {err}")))?;
    match request.mode {
        Mode::Whole => {
            let mut seq = state.engine.admit(input_tokens, &id).await?;
            seq.next_token().await?;
            let started = Instant::now();
            seq.work(audio.duration_s() * 1000.0 * state.config.timing.audio_rtf).await?;
            record(&state, &audio, started, seq.arrival());
            seq.finish("stop");
            let bytes = content::encode_audio(&audio, request.format)?;
            Ok(([(header::CONTENT_TYPE, request.format.mime())], bytes).into_response())
        }
        Mode::RawStream => Ok(raw_stream(state, id, input_tokens, audio, request.format).await),
        Mode::Sse => {
            let (mut out, response) = sse::channel(state.engine.faults().truncate_after());
            tokio::spawn(async move {
                let result = sse_events(&state, &id, input_tokens, &audio, request.format, &mut out).await;
                if let Err(Stop::Engine(err)) = &result {
                    let error = json!({"type": "speech.audio.error", "error": {
                        "message": err.body()["error"]["message"], "type": "server_error", "param": null, "code": err.status().as_u16()}});
                    let _ = out.send_event(Event::default().event("speech.audio.error").data(error.to_string())).await;
                }
            });
            Ok(response)
        }
    }
}

fn record(state: &AppState, audio: &Audio, started: Instant, arrival: Instant) {
    let metrics = state.engine.metrics();
    metrics.audio_ttfp.observe(arrival.elapsed().as_secs_f64());
    metrics.audio_duration.observe(audio.duration_s());
    if audio.duration_s() > 0.0 {
        metrics.audio_rtf.observe(started.elapsed().as_secs_f64() / audio.duration_s());
    }
}

async fn sse_events(
    state: &AppState,
    id: &str,
    input_tokens: u64,
    audio: &Audio,
    format: AudioFormat,
    out: &mut Out,
) -> Result<(), Stop> {
    let mut seq = state.engine.admit(input_tokens, id).await?;
    seq.next_token().await?;
    let started = Instant::now();
    let format_name = match format {
        AudioFormat::Wav => "wav",
        AudioFormat::Pcm => "pcm",
        AudioFormat::Flac => "flac",
    };
    for chunk in content::chunk_audio(audio, state.config.timing.audio_chunk_s) {
        seq.work(chunk.duration_s() * 1000.0 * state.config.timing.audio_rtf).await?;
        let data = BASE64.encode(content::encode_audio(&chunk, format)?);
        let delta = json!({"type": "speech.audio.delta", "audio": data, "response_format": format_name});
        out.send_event(Event::default().event("speech.audio.delta").data(delta.to_string())).await?;
    }
    let output_tokens = (audio.duration_s() * CODEC_FRAMES_PER_S).ceil() as u64;
    let done = json!({"type": "speech.audio.done", "usage": {
        "input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": input_tokens + output_tokens,
        "input_token_details": {"text_tokens": input_tokens, "audio_tokens": 0}}});
    out.send_event(Event::default().event("speech.audio.done").data(done.to_string())).await?;
    record(state, audio, started, seq.arrival());
    seq.finish("stop");
    Ok(())
}

/// Raw chunked audio: PCM chunks, or a WAV header with placeholder sizes followed by PCM.
async fn raw_stream(state: AppState, id: String, input_tokens: u64, audio: Audio, format: AudioFormat) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let budget = state.engine.faults().truncate_after();
    tokio::spawn(async move {
        let Ok(mut seq) = state.engine.admit(input_tokens, &id).await else {
            return;
        };
        if seq.next_token().await.is_err() {
            return;
        }
        let started = Instant::now();
        let mut sent = 0u64;
        if format == AudioFormat::Wav {
            let header = wav::streaming_wav_header(audio.sample_rate, audio.channels);
            if tx.send(Ok(Bytes::from(header))).await.is_err() {
                return;
            }
        }
        for chunk in content::chunk_audio(&audio, state.config.timing.audio_chunk_s) {
            if budget.is_some_and(|b| sent >= b) {
                return;
            }
            if seq.work(chunk.duration_s() * 1000.0 * state.config.timing.audio_rtf).await.is_err() {
                // The engine died: cut the body so the client sees an incomplete stream.
                let _ = tx.send(Err(std::io::Error::other("engine died"))).await;
                return;
            }
            if tx.send(Ok(Bytes::from(wav::encode_pcm16(&chunk)))).await.is_err() {
                return;
            }
            sent += 1;
        }
        record(&state, &audio, started, seq.arrival());
        seq.finish("stop");
    });
    let body = Body::from_stream(stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }));
    ([(header::CONTENT_TYPE, format.mime())], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designed_voices_follow_the_gender_the_description_asks_for() {
        for description in ["A warm, friendly female voice with a gentle tone", "一个温柔的女声", "a young woman, calm"]
        {
            assert!(designed_voice(description).is_female(), "{description}");
        }
        for description in ["A deep, raspy old man voice", "a calm male narrator", "低沉的男声"] {
            assert!(!designed_voice(description).is_female(), "{description}");
        }
        assert_eq!(designed_voice("a robot"), designed_voice("a robot"));
    }

    #[test]
    fn voice_design_needs_instructions_and_base_needs_a_reference() {
        let status = |body: &str| parse(body.as_bytes()).unwrap_err().status().as_u16();
        assert_eq!(status(r#"{"input":"hi","task_type":"VoiceDesign"}"#), 400);
        assert_eq!(status(r#"{"input":"hi","task_type":"Base","ref_text":"hello"}"#), 400);
        let request = parse(br#"{"input":"hi","task_type":"VoiceDesign","instructions":"a girl"}"#).unwrap();
        assert!(request.voice.is_female());
    }
}
