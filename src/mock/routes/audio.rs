//! `POST /v1/audio/transcriptions` (the mock plays the Whisper server too: it decodes its own
//! speech and nothing else) and `POST /v1/audio/generate` (text-to-audio).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::form::Form;
use crate::media::{speech, wav};
use crate::mock::content;
use crate::mock::defects::Defect;
use crate::mock::errors::ApiError;
use crate::mock::profile::Route;
use crate::mock::routes::chat::request::AudioFormat;
use crate::mock::state::AppState;
use crate::mock::text::count_tokens;
use crate::mock::validate::{Fields, parse_object};

/// `POST /v1/audio/transcriptions`: OpenAI-compatible. Audio the mock's TTS made decodes to its
/// exact words; any other audio transcribes to an empty text, since the mock cannot hear.
pub async fn transcriptions(State(state): State<AppState>, multipart: Multipart) -> Response {
    let result = async {
        let form = Form::read(multipart).await?;
        let upload = form
            .files_named(&["file"])
            .next()
            .ok_or_else(|| ApiError::bad_request("Field required: file").with_param("file"))?;
        let audio = wav::decode_any(&upload.bytes)
            .map_err(|err| ApiError::bad_request(format!("file: {err}")).with_param("file"))?;
        let duration = audio.duration_s();
        let text = tokio::task::spawn_blocking(move || speech::recognize(&audio))
            .await
            .map_err(|err| ApiError::internal(format!("transcription failed: {err}")))?
            .unwrap_or_default();
        let mut seq = state.engine.admit((duration * 25.0).ceil() as u64, "transcription").await?;
        seq.next_token().await?;
        seq.finish("stop");
        Ok(match form.text("response_format").unwrap_or("json") {
            "text" => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
            "verbose_json" => Json(json!({
                "task": "transcribe", "language": form.text("language").unwrap_or("english"),
                "duration": duration, "text": text, "segments": [],
            }))
            .into_response(),
            "json" => Json(json!({"text": text})).into_response(),
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid response_format `{other}`: expected json, text or verbose_json"
                ))
                .with_param("response_format"));
            }
        })
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The longest sound Stable Audio Open makes: its 2,097,152-sample window at 44.1 kHz.
const MAX_AUDIO_LENGTH_S: f64 = 47.55;

/// The formats `response_format` may name (pydantic `Literal`); the mock encodes wav, pcm, flac.
const GENERATE_FORMATS: &[&str] = &["wav", "pcm", "flac", "mp3", "aac", "opus"];

/// `POST /v1/audio/generate`: a sound for the prompt, `audio_length` seconds long, validated as
/// vLLM-Omni's `OpenAICreateAudioGenerateRequest` is.
pub async fn generate(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        state.check_route(Route::AudioGenerate, "/v1/audio/generate")?;
        let body = parse_object(&body)?;
        let mut f = Fields::new(&body);
        let model = f.string("model", false).map(str::to_owned);
        let input = f.string("input", true).map(str::to_owned);
        if input.as_deref().is_some_and(|i| i.trim().is_empty()) {
            f.reject("input", "value_error", "Value error, input cannot be empty");
        }
        let format = f.string("response_format", false).map(str::to_owned);
        if let Some(other) = format.as_deref().filter(|f| !GENERATE_FORMATS.contains(f)) {
            let expected = GENERATE_FORMATS.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ");
            f.reject("response_format", "literal_error", &format!("Input should be {expected}, got '{other}'"));
        }
        let length = f.float("audio_length");
        if length.is_some_and(|l| l <= 0.0) {
            f.reject("audio_length", "greater_than", "Input should be greater than 0");
        }
        let start = f.float("audio_start");
        let steps = match body.get("num_inference_steps").and_then(serde_json::Value::as_i64) {
            Some(n) if n < 1 => {
                f.reject("num_inference_steps", "greater_than_equal", "Input should be greater than or equal to 1");
                None
            }
            Some(n) if n > 1000 => {
                f.reject("num_inference_steps", "less_than_equal", "Input should be less than or equal to 1000");
                None
            }
            Some(n) => Some(n as u64),
            None => f.unsigned("num_inference_steps"),
        };
        match f.float("guidance_scale") {
            Some(g) if g < 0.0 => {
                f.reject("guidance_scale", "greater_than_equal", "Input should be greater than or equal to 0")
            }
            Some(g) if g > 1000.0 => {
                f.reject("guidance_scale", "less_than_equal", "Input should be less than or equal to 1000");
            }
            _ => {}
        }
        match f.float("speed") {
            Some(s) if s < 0.25 => {
                f.reject("speed", "greater_than_equal", "Input should be greater than or equal to 0.25")
            }
            Some(s) if s > 4.0 => f.reject("speed", "less_than_equal", "Input should be less than or equal to 4"),
            _ => {}
        }
        f.string("negative_prompt", false);
        match body.get("stream_format") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(s)) if s == "audio" => {}
            Some(serde_json::Value::String(s)) if s == "sse" => {
                f.reject(
                    "stream_format",
                    "value_error",
                    "Value error, 'sse' is not a supported stream_format for /v1/audio/generate; use 'audio'",
                );
            }
            Some(_) => f.reject("stream_format", "literal_error", "Input should be 'audio'"),
        }
        let seed = f.unsigned("seed");
        f.finish()?;
        state.check_model(model.as_deref())?;
        let length = length.unwrap_or(10.0);
        if length > MAX_AUDIO_LENGTH_S {
            return Err(ApiError::bad_request(format!(
                "Requested audio length {length}s exceeds maximum of {MAX_AUDIO_LENGTH_S}s for this model"
            ))
            .with_param("audio_length"));
        }
        if let Some(start) = start
            && !(0.0..=512.0).contains(&start)
        {
            return Err(ApiError::bad_request(format!("audio_start_in_s must be between 0 and 512, got {start}"))
                .with_param("audio_start"));
        }
        let steps = steps.unwrap_or(20).max(1);
        let format = AudioFormat::parse(format.as_deref().unwrap_or("wav"))?;
        let input = input.unwrap_or_default();
        let id = super::request_id(&state, &headers, "audio");
        let tokens = count_tokens(&input).max(1) as u64;
        state.admit(tokens, &id)?;
        let mut seq = state.engine.admit(tokens, &id).await?;
        seq.work(steps as f64 * state.config.timing.diffusion_step_ms).await?;
        let rate = state.profile.sample_rate();
        let seed = seed.unwrap_or(state.config.timing.seed);
        let silent = state.config.defects.has(Defect::SilentAudio);
        let sound = tokio::task::spawn_blocking(move || {
            let sound = content::render_sound(&input, seed, length, rate);
            if silent { content::silence_like(&sound) } else { sound }
        })
        .await
        .map_err(|err| ApiError::internal(format!("audio rendering failed: {err}")))?;
        seq.finish("stop");
        Ok(([(header::CONTENT_TYPE, format.mime())], content::encode_audio(&sound, format)?).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::media::wav;
    use crate::mock::test_server;

    #[tokio::test]
    async fn generate_makes_the_asked_length_and_validates_like_vllm_omni() {
        let url = test_server::start("stabilityai/stable-audio-open-1.0 --zero-latency").await;
        let http = test_server::client();
        let post = |body: Value| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let answer = http.post(format!("{url}/v1/audio/generate")).json(&body).send().await.unwrap();
                (answer.status().as_u16(), answer.bytes().await.unwrap().to_vec())
            }
        };
        let (status, bytes) =
            post(json!({"input": "a gentle piano", "audio_length": 2.0, "num_inference_steps": 4, "seed": 42})).await;
        assert_eq!(status, 200);
        let audio = wav::decode_wav(&bytes).unwrap();
        assert_eq!((audio.sample_rate, audio.frames()), (44_100, 88_200));
        for (body, fragments) in [
            (json!({"input": "  "}), &["cannot be empty", "input"][..]),
            (json!({}), &["missing", "input"][..]),
            (json!({"input": "x", "audio_length": 0}), &["audio_length", "greater_than"][..]),
            (json!({"input": "x", "num_inference_steps": -1}), &["num_inference_steps", "greater_than_equal"][..]),
            (json!({"input": "x", "guidance_scale": 1001.0}), &["guidance_scale", "less_than_equal"][..]),
            (json!({"input": "x", "response_format": "mpeg"}), &["response_format", "literal_error"][..]),
            (json!({"input": "x", "stream_format": "sse"}), &["not a supported stream_format"][..]),
            (json!({"input": "x", "audio_length": 86401.0}), &["Requested audio length", "exceeds maximum"][..]),
            (
                json!({"input": "x", "audio_length": 5.0, "audio_start": -0.5}),
                &["audio_start_in_s", "between", "512"][..],
            ),
        ] {
            let (status, bytes) = post(body.clone()).await;
            let text = String::from_utf8_lossy(&bytes);
            assert_eq!(status, 400, "{body}: {text}");
            for fragment in fragments {
                assert!(text.contains(fragment), "{body}: {fragment:?} missing from {text}");
            }
        }
    }
}
