//! `POST /v1/images/generations` (JSON) and `POST /v1/images/edits` (multipart): b64 PNG or
//! JPEG at the requested size.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::form::{Form, parse_size};
use crate::media::{Frame, picture};
use crate::mock::content;
use crate::mock::errors::ApiError;
use crate::mock::profile::Route;
use crate::mock::state::{AppState, unix_now};
use crate::mock::text::count_tokens;
use crate::mock::validate::{Fields, parse_object};

#[derive(Clone, Copy, Debug, PartialEq)]
enum OutputFormat {
    Png,
    Jpeg,
}

impl OutputFormat {
    fn parse(value: Option<&str>) -> Result<OutputFormat, ApiError> {
        match value.unwrap_or("png") {
            "png" => Ok(OutputFormat::Png),
            "jpeg" | "jpg" => Ok(OutputFormat::Jpeg),
            other => Err(ApiError::bad_request(format!("Invalid output_format `{other}`: expected png or jpeg"))
                .with_param("output_format")),
        }
    }

    fn name(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Jpeg => "jpeg",
        }
    }

    fn encode(self, frame: &Frame) -> Result<Vec<u8>, ApiError> {
        let encoded = match self {
            OutputFormat::Png => picture::encode_png(frame),
            OutputFormat::Jpeg => picture::encode_jpeg(frame, 90),
        };
        encoded.map_err(|err| ApiError::internal(format!("image encoding failed: {err}")))
    }
}

struct Job {
    prompt: String,
    n: u32,
    width: u32,
    height: u32,
    steps: u32,
    seed: u64,
    format: OutputFormat,
    source: Option<Frame>,
}

/// `POST /v1/images/generations`.
pub async fn generations(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        state.check_route(Route::ImageGenerations, "/v1/images/generations")?;
        let body = parse_object(&body)?;
        let mut f = Fields::new(&body);
        let model = f.string("model", false).map(str::to_owned);
        let prompt = f.string("prompt", true).map(str::to_owned);
        let n = f.unsigned("n").unwrap_or(1);
        let size = f.string("size", false).map(str::to_owned);
        let response_format = f.string("response_format", false).map(str::to_owned);
        let output_format = f.string("output_format", false).map(str::to_owned);
        let steps = f.unsigned("num_inference_steps");
        let seed = f.unsigned("seed");
        f.float("guidance_scale");
        f.float("true_cfg_scale");
        f.string("negative_prompt", false);
        f.finish()?;
        state.check_model(model.as_deref())?;
        if !(1..=10).contains(&n) {
            return Err(ApiError::bad_request(format!("n must be between 1 and 10, got {n}")).with_param("n"));
        }
        match response_format.as_deref() {
            None | Some("b64_json") => {}
            Some("url") => {
                return Err(ApiError::bad_request("response_format 'url' is not implemented; use 'b64_json'")
                    .with_param("response_format"));
            }
            Some(other) => {
                return Err(
                    ApiError::bad_request(format!("Invalid response_format `{other}`")).with_param("response_format")
                );
            }
        }
        let (width, height) = parse_size(size.as_deref().unwrap_or("1024x1024"))?;
        let job = Job {
            prompt: prompt.unwrap_or_default(),
            n: n as u32,
            width,
            height,
            steps: steps.unwrap_or(20).max(1) as u32,
            seed: seed.unwrap_or(state.config.timing.seed),
            format: OutputFormat::parse(output_format.as_deref())?,
            source: None,
        };
        run(&state, &headers, job).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /v1/images/edits`.
pub async fn edits(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    let result = async {
        state.check_route(Route::ImageEdits, "/v1/images/edits")?;
        let form = Form::read(multipart).await?;
        if let Some(model) = form.text("model")
            && !state.config.served_model_names.iter().any(|n| n == model)
        {
            return Err(ApiError::bad_request(format!(
                "Model mismatch: the server serves `{}`, the request names `{model}`",
                state.config.served_model_names[0]
            ))
            .with_param("model"));
        }
        let prompt = form.required("prompt")?.to_owned();
        match form.text("response_format") {
            None | Some("b64_json") => {}
            Some(_) => {
                return Err(ApiError::bad_request("Only response_format 'b64_json' is supported now.")
                    .with_param("response_format"));
            }
        }
        let upload = form.files_named(&["image", "image[]"]).next().ok_or_else(|| {
            ApiError::bad_request("Field required: image (an image file to edit)").with_param("image")
        })?;
        let source = picture::decode_image(&upload.bytes)
            .map_err(|err| ApiError::bad_request(format!("image: {err}")).with_param("image"))?;
        let (width, height) = match form.text("size") {
            None | Some("auto") => (source.width, source.height),
            Some(size) => parse_size(size)?,
        };
        let n: u32 = form.number("n")?.unwrap_or(1);
        if !(1..=10).contains(&n) {
            return Err(ApiError::bad_request(format!("n must be between 1 and 10, got {n}")).with_param("n"));
        }
        let job = Job {
            prompt,
            n,
            width,
            height,
            steps: form.number("num_inference_steps")?.unwrap_or(20u32).max(1),
            seed: form.number("seed")?.unwrap_or(state.config.timing.seed),
            format: OutputFormat::parse(form.text("output_format"))?,
            source: Some(source),
        };
        run(&state, &headers, job).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn run(state: &AppState, headers: &HeaderMap, job: Job) -> Result<Response, ApiError> {
    let id = super::request_id(state, headers, "img");
    let prompt_tokens = count_tokens(&job.prompt).max(1) as u64;
    state.admit(prompt_tokens, &id)?;
    let mut seq = state.engine.admit(prompt_tokens, &id).await?;
    seq.work(f64::from(job.steps) * state.config.timing.diffusion_step_ms * f64::from(job.n)).await?;
    let (width, height, format) = (job.width, job.height, job.format);
    let defects = &state.config.defects;
    let (count, drawn_width) = (defects.image_count(job.n), defects.image_width(job.width));
    let data = tokio::task::spawn_blocking(move || {
        (0..count)
            .map(|i| {
                let seed = job.seed.wrapping_add(u64::from(i));
                let frame = match &job.source {
                    Some(source) => content::render_edit(source, &job.prompt, seed, drawn_width, job.height),
                    None => content::render_image(&job.prompt, seed, drawn_width, job.height),
                };
                job.format
                    .encode(&frame)
                    .map(|bytes| json!({"b64_json": BASE64.encode(bytes), "url": null, "revised_prompt": null}))
            })
            .collect::<Result<Vec<Value>, ApiError>>()
    })
    .await
    .map_err(|err| ApiError::internal(format!("image rendering failed: {err}")))??;
    seq.finish("stop");
    Ok(Json(json!({
        "created": unix_now(),
        "data": data,
        "output_format": format.name(),
        "size": format!("{width}x{height}"),
        "cot_output": null,
    }))
    .into_response())
}
