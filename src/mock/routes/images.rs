//! `POST /v1/images/generations` (JSON) and `POST /v1/images/edits` (multipart): b64 PNG or
//! JPEG at the requested size. Edits take one or several images (`image`, `image[]`); several
//! are juxtaposed before the edit is drawn. Both take a per-request `lora` adapter
//! ([`crate::mock::lora`]).

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
use crate::mock::lora::{self, Adapter};
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
    lora: Option<Adapter>,
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
        f.object("lora");
        f.finish()?;
        state.check_model(model.as_deref())?;
        let lora = lora::load(body.get("lora"))?;
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
            lora,
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
        let sources = form
            .files_named(&["image", "image[]"])
            .enumerate()
            .map(|(i, upload)| {
                picture::decode_image(&upload.bytes)
                    .map_err(|err| ApiError::bad_request(format!("image {i}: {err}")).with_param("image"))
            })
            .collect::<Result<Vec<Frame>, ApiError>>()?;
        if sources.is_empty() {
            return Err(ApiError::bad_request("Field required: image (an image file to edit)").with_param("image"));
        }
        let lora = lora::load(form.text("lora").map(|text| Value::String(text.to_owned())).as_ref())?;
        // Several images are edited together, side by side; the output defaults to the first's size.
        let first = (sources[0].width, sources[0].height);
        let source = content::juxtapose(&sources);
        let (width, height) = match form.text("size") {
            None | Some("auto") => first,
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
            lora,
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
                let mut frame = match &job.source {
                    Some(source) => content::render_edit(source, &job.prompt, seed, drawn_width, job.height),
                    None => content::render_image(&job.prompt, seed, drawn_width, job.height),
                };
                if let Some(adapter) = &job.lora {
                    lora::apply(&mut frame, adapter);
                }
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

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::{Value, json};

    use crate::media::{Frame, picture};
    use crate::mock::test_server;

    const MODEL: &str = "Tongyi-MAI/Z-Image-Turbo";

    fn first_image(answer: &Value) -> Frame {
        let b64 = answer["data"][0]["b64_json"].as_str().expect("b64_json");
        picture::decode_image(&base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
    }

    fn adapter(name: &str, weights: &str) -> String {
        let dir = std::env::temp_dir().join(format!("omnitest-images-lora-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("adapter_config.json"), r#"{"r": 1, "lora_alpha": 1}"#).unwrap();
        std::fs::write(dir.join("adapter_model.safetensors"), weights).unwrap();
        dir.display().to_string()
    }

    #[tokio::test]
    async fn per_request_lora_switches_and_resets() {
        let url = test_server::start(&format!("{MODEL} --zero-latency")).await;
        let http = test_server::client();
        let generate = |lora: Value| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let mut body =
                    json!({"prompt": "two red squares", "size": "64x64", "seed": 42, "num_inference_steps": 2});
                if !lora.is_null() {
                    body["lora"] = lora;
                }
                let answer = http.post(format!("{url}/v1/images/generations")).json(&body).send().await.unwrap();
                (answer.status().as_u16(), answer.json::<Value>().await.unwrap())
            }
        };
        let (status, base) = generate(Value::Null).await;
        assert_eq!(status, 200, "{base}");
        let base = first_image(&base);
        let with_a = first_image(&generate(json!({"name": "a", "path": adapter("a", "q"), "scale": 32.0})).await.1);
        let with_b = first_image(&generate(json!({"name": "b", "path": adapter("b", "k"), "scale": 32.0})).await.1);
        let again = first_image(&generate(Value::Null).await.1);
        assert_ne!(with_a, base);
        assert_ne!(with_b, with_a);
        assert_eq!(again, base, "no LoRA gives the base image again");
        let (status, error) = generate(json!({"name": "gone", "path": "/nonexistent/adapter", "scale": 1.0})).await;
        assert_eq!(status, 400);
        assert!(error["error"]["message"].as_str().unwrap().contains("does not exist"), "{error}");
    }

    #[tokio::test]
    async fn edits_take_several_images() {
        let url = test_server::start("Qwen/Qwen-Image-Edit-2509 --zero-latency").await;
        let image = |w, h, rgb| picture::encode_png(&Frame::filled(w, h, rgb)).unwrap();
        let form = reqwest::multipart::Form::new()
            .text("prompt", "put them side by side")
            .part("image[]", reqwest::multipart::Part::bytes(image(48, 32, [200, 0, 0])).file_name("a.png"))
            .part("image[]", reqwest::multipart::Part::bytes(image(32, 32, [0, 0, 200])).file_name("b.png"));
        let answer = test_server::client().post(format!("{url}/v1/images/edits")).multipart(form).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let edited = first_image(&answer.json::<Value>().await.unwrap());
        assert_eq!((edited.width, edited.height), (48, 32), "size auto is the first image's");
        let colours: Vec<[u8; 3]> = edited.rgb.chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
        assert!(colours.contains(&[200, 0, 0]) && colours.contains(&[0, 0, 200]), "both sources show");
        let bad = reqwest::multipart::Form::new()
            .text("prompt", "edit")
            .part("image", reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("x.png"));
        let answer = test_server::client().post(format!("{url}/v1/images/edits")).multipart(bad).send().await.unwrap();
        assert_eq!(answer.status(), 400);
    }
}
