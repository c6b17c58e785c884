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

/// `POST /v1/audio/generate`: a sound for the prompt, `audio_length` seconds long.
pub async fn generate(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        state.check_route(Route::AudioGenerate, "/v1/audio/generate")?;
        let body = parse_object(&body)?;
        let mut f = Fields::new(&body);
        let model = f.string("model", false).map(str::to_owned);
        let input = f.string("input", true).map(str::to_owned);
        let format = f.string("response_format", false).map(str::to_owned);
        let length = f.float("audio_length").unwrap_or(10.0);
        let steps = f.unsigned("num_inference_steps").unwrap_or(20).max(1);
        let seed = f.unsigned("seed");
        f.finish()?;
        state.check_model(model.as_deref())?;
        if !(0.1..=600.0).contains(&length) {
            return Err(ApiError::bad_request(format!(
                "audio_length must be between 0.1 and 600 seconds, got {length}"
            ))
            .with_param("audio_length"));
        }
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
