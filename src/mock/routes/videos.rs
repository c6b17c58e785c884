//! `/v1/videos`: the asynchronous job API (POST, poll, download, list, delete) and
//! `/v1/videos/sync`. Videos are H.264 MP4s with Wan's frame-count rule, `(n // 4) * 4 + 1`.
//! A reference (an `input_reference` file, or an `image_reference` / `video_reference` with a
//! `data:` URL) must decode as an image or a video; the motion is drawn over it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::form::{Form, parse_size};
use crate::media::{Frame, data_url, picture, video};
use crate::mock::content;
use crate::mock::errors::ApiError;
use crate::mock::profile::Route;
use crate::mock::state::{AppState, unix_now};
use crate::mock::text::count_tokens;

/// A job as `GET /v1/videos/{id}` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct VideoJob {
    id: String,
    object: &'static str,
    model: String,
    prompt: String,
    status: &'static str,
    size: String,
    progress: u32,
    seconds: String,
    quality: &'static str,
    created_at: u64,
    completed_at: Option<u64>,
    remixed_from_video_id: Option<String>,
    error: Option<Value>,
    media_type: &'static str,
    expires_at: Option<u64>,
    file_name: Option<String>,
    inference_time_s: Option<f64>,
    stage_durations: BTreeMap<String, f64>,
    peak_memory_mb: f64,
    action: Option<String>,
    #[serde(skip)]
    content: Option<Vec<u8>>,
}

/// The jobs, newest last.
#[derive(Debug, Default)]
pub struct VideoStore {
    jobs: Mutex<Vec<VideoJob>>,
}

impl VideoStore {
    fn with<R>(&self, f: impl FnOnce(&mut Vec<VideoJob>) -> R) -> R {
        f(&mut self.jobs.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut VideoJob)) {
        self.with(|jobs| jobs.iter_mut().find(|j| j.id == id).map(f));
    }
}

/// What to render.
#[derive(Clone, Debug)]
struct Spec {
    model: String,
    prompt: String,
    width: u32,
    height: u32,
    frames: u32,
    fps: u32,
    steps: u32,
    seed: u64,
    reference: Option<Frame>,
}

/// A reference image, or a reference video's first frame.
fn decode_reference(bytes: &[u8], field: &str) -> Result<Frame, ApiError> {
    if let Ok(frame) = picture::decode_image(bytes) {
        return Ok(frame);
    }
    match video::decode_frames(bytes, 1) {
        Ok((_, mut frames)) if !frames.is_empty() => Ok(frames.swap_remove(0)),
        _ => Err(ApiError::bad_request(format!("{field}: not a decodable image or video")).with_param(field)),
    }
}

/// The reference a form carries, decoded; `None` when it has none, or names a remote URL the
/// mock cannot fetch (it has no network; vLLM-Omni would download it).
fn reference(form: &Form) -> Result<Option<Frame>, ApiError> {
    if let Some(upload) = form.files_named(&["input_reference"]).next() {
        return decode_reference(&upload.bytes, "input_reference").map(Some);
    }
    for (field, key) in [("image_reference", "image_url"), ("video_reference", "video_url")] {
        let Some(text) = form.text(field) else { continue };
        let json: Value = serde_json::from_str(text).map_err(|_| {
            ApiError::bad_request(format!("{field} must be a JSON object like {{\"{key}\": \"…\"}}")).with_param(field)
        })?;
        let url = json[key]
            .as_str()
            .ok_or_else(|| ApiError::bad_request(format!("{field} must carry a string \"{key}\"")).with_param(field))?;
        if url.starts_with("data:") {
            let bytes = data_url::decode(url)
                .map_err(|err| ApiError::bad_request(format!("{field}: {err}")).with_param(field))?
                .bytes;
            return decode_reference(&bytes, field).map(Some);
        }
    }
    Ok(None)
}

impl Spec {
    fn from_form(state: &AppState, form: &Form) -> Result<Spec, ApiError> {
        let model = state.check_model(form.text("model"))?;
        let prompt = form.required("prompt")?.to_owned();
        let visual = ["image_reference", "video_reference"].iter().filter(|k| form.text(k).is_some()).count()
            + form.files_named(&["input_reference"]).count();
        if visual > 1 {
            return Err(ApiError::bad_request(
                "Provide at most one of input_reference, image_reference and video_reference",
            ));
        }
        let (mut width, mut height) = match form.text("size") {
            Some(size) => parse_size(size)?,
            None => (832, 480),
        };
        width = form.number("width")?.unwrap_or(width);
        height = form.number("height")?.unwrap_or(height);
        if width % 2 != 0 || height % 2 != 0 {
            return Err(ApiError::bad_request(format!("width and height must be even, got {width}x{height}"))
                .with_param("size"));
        }
        let fps: u32 = form.number("fps")?.unwrap_or(16).clamp(1, 120);
        let requested: u32 = match (form.number::<u32>("num_frames")?, form.number::<f64>("seconds")?) {
            (Some(n), _) => n,
            (None, Some(s)) => (s * f64::from(fps)).round() as u32,
            (None, None) => 81,
        };
        Ok(Spec {
            model,
            prompt,
            width,
            height,
            // Wan's temporal VAE compresses 4 frames to one latent: it outputs 4k + 1 frames
            // (unless a defect says otherwise).
            frames: state.config.defects.video_frames(requested),
            fps,
            steps: form.number("num_inference_steps")?.unwrap_or(20u32).max(1),
            seed: form.number("seed")?.unwrap_or(state.config.timing.seed),
            reference: reference(form)?,
        })
    }
}

impl Spec {
    /// The frames to encode: the motion over the reference, or over black.
    fn frames(&self) -> Vec<Frame> {
        match &self.reference {
            Some(reference) => {
                content::render_video_over(reference, &self.prompt, self.seed, self.width, self.height, self.frames)
            }
            None => content::render_video(&self.prompt, self.seed, self.width, self.height, self.frames),
        }
    }
}

/// `POST /v1/videos`: queues a job and returns it at once.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    let result = async {
        state.check_route(Route::Videos, "/v1/videos")?;
        let spec = Spec::from_form(&state, &Form::read(multipart).await?)?;
        let id = super::request_id(&state, &headers, "video_gen");
        let prompt_tokens = count_tokens(&spec.prompt).max(1) as u64;
        // A dead engine refuses at once; other faults (OOM) fail the job, as they do in vLLM-Omni.
        if state.engine.faults().is_dead() {
            return Err(crate::mock::faults::engine_dead_error(&id));
        }
        let job = VideoJob {
            id: id.clone(),
            object: "video",
            model: spec.model.clone(),
            prompt: spec.prompt.clone(),
            status: "queued",
            size: format!("{}x{}", spec.width, spec.height),
            progress: 0,
            seconds: format!("{}", f64::from(spec.frames) / f64::from(spec.fps)),
            quality: "default",
            created_at: unix_now(),
            completed_at: None,
            remixed_from_video_id: None,
            error: None,
            media_type: "video/mp4",
            expires_at: None,
            file_name: None,
            inference_time_s: None,
            stage_durations: BTreeMap::new(),
            peak_memory_mb: 0.0,
            action: None,
            content: None,
        };
        state.videos.with(|jobs| jobs.push(job.clone()));
        let worker = state.clone();
        tokio::spawn(async move { generate(worker, id, spec, prompt_tokens).await });
        Ok(Json(job).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Runs a job: queued → in_progress (with progress) → completed, or failed with an `error`.
async fn generate(state: AppState, id: String, spec: Spec, prompt_tokens: u64) {
    let started = tokio::time::Instant::now();
    let fail = |err: ApiError| {
        let message = err.body()["error"]["message"].clone();
        state.videos.update(&id, |job| {
            job.status = "failed";
            job.error = Some(json!({"code": err.status().as_u16().to_string(), "message": message}));
        });
    };
    if let Err(err) = state.admit(prompt_tokens, &id) {
        return fail(err);
    }
    let mut seq = match state.engine.admit(prompt_tokens, &id).await {
        Ok(seq) => seq,
        Err(err) => return fail(err),
    };
    state.videos.update(&id, |job| job.status = "in_progress");
    for step in 0..spec.steps {
        if let Err(err) = seq.work(state.config.timing.diffusion_step_ms).await {
            return fail(err);
        }
        let progress = (step + 1) * 95 / spec.steps;
        state.videos.update(&id, |job| job.progress = progress);
    }
    let render = spec.clone();
    let encoded = tokio::task::spawn_blocking(move || video::encode_mp4(&render.frames(), render.fps)).await;
    match encoded {
        Ok(Ok(mp4)) => {
            let seconds = started.elapsed().as_secs_f64();
            state.videos.update(&id, |job| {
                job.status = "completed";
                job.progress = 100;
                job.completed_at = Some(unix_now());
                job.file_name = Some(format!("{id}.mp4"));
                job.inference_time_s = Some(seconds);
                job.stage_durations = BTreeMap::from([("diffusion".to_owned(), seconds)]);
                job.peak_memory_mb = super::peak_memory_mb();
                job.content = Some(mp4);
            });
            seq.finish("stop");
        }
        Ok(Err(err)) => fail(ApiError::internal(format!("video encoding failed: {err}"))),
        Err(err) => fail(ApiError::internal(format!("video rendering failed: {err}"))),
    }
}

/// `GET /v1/videos/{id}`.
pub async fn retrieve(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.videos.with(|jobs| jobs.iter().find(|j| j.id == id).cloned()) {
        Some(job) => Json(job).into_response(),
        None => ApiError::not_found(format!("Video `{id}` not found")).into_response(),
    }
}

/// `GET /v1/videos/{id}/content`: the MP4 once completed.
pub async fn content_of(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let job = state.videos.with(|jobs| jobs.iter().find(|j| j.id == id).cloned());
    match job {
        None => ApiError::not_found(format!("Video `{id}` not found")).into_response(),
        Some(job) => match job.content {
            Some(mp4) => ([(header::CONTENT_TYPE, "video/mp4")], Body::from(mp4)).into_response(),
            None => ApiError::bad_request(format!("Video `{id}` is not ready: its status is {}", job.status))
                .into_response(),
        },
    }
}

/// `DELETE /v1/videos/{id}`.
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let removed = state.videos.with(|jobs| {
        let before = jobs.len();
        jobs.retain(|j| j.id != id);
        before != jobs.len()
    });
    if removed {
        Json(json!({"id": id, "deleted": true, "object": "video.deleted"})).into_response()
    } else {
        ApiError::not_found(format!("Video `{id}` not found")).into_response()
    }
}

/// `GET /v1/videos?after=&limit=&order=`.
pub async fn list(State(state): State<AppState>, Query(query): Query<BTreeMap<String, String>>) -> Response {
    let limit: usize = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 20,
        Some(Ok(n)) if n <= 100 => n,
        Some(_) => {
            return ApiError::bad_request("limit must be an integer between 0 and 100")
                .with_param("limit")
                .into_response();
        }
    };
    let descending = match query.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return ApiError::bad_request(format!("order must be asc or desc, got {other}"))
                .with_param("order")
                .into_response();
        }
    };
    let mut jobs = state.videos.with(|jobs| jobs.clone());
    if descending {
        jobs.reverse();
    }
    if let Some(after) = query.get("after") {
        match jobs.iter().position(|j| &j.id == after) {
            Some(i) => jobs.drain(..=i).for_each(drop),
            None => {
                return ApiError::not_found(format!("Video `{after}` not found")).with_param("after").into_response();
            }
        }
    }
    let has_more = jobs.len() > limit;
    jobs.truncate(limit);
    Json(json!({
        "object": "list",
        "first_id": jobs.first().map(|j| j.id.clone()),
        "last_id": jobs.last().map(|j| j.id.clone()),
        "has_more": has_more,
        "data": jobs,
    }))
    .into_response()
}

/// `POST /v1/videos/sync`: the MP4 when done, with timing headers.
pub async fn sync(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    let result: Result<Response, ApiError> = async {
        state.check_route(Route::Videos, "/v1/videos/sync")?;
        let spec = Spec::from_form(&state, &Form::read(multipart).await?)?;
        let id = super::request_id(&state, &headers, "video_gen");
        let prompt_tokens = count_tokens(&spec.prompt).max(1) as u64;
        state.admit(prompt_tokens, &id)?;
        let started = tokio::time::Instant::now();
        let mut seq = state.engine.admit(prompt_tokens, &id).await?;
        seq.work(f64::from(spec.steps) * state.config.timing.diffusion_step_ms).await?;
        let render = spec.clone();
        let mp4 = tokio::task::spawn_blocking(move || video::encode_mp4(&render.frames(), render.fps))
            .await
            .map_err(|err| ApiError::internal(format!("video rendering failed: {err}")))?
            .map_err(|err| ApiError::internal(format!("video encoding failed: {err}")))?;
        seq.finish("stop");
        let seconds = started.elapsed().as_secs_f64();
        let mut response = ([(header::CONTENT_TYPE, "video/mp4")], Body::from(mp4)).into_response();
        let headers = response.headers_mut();
        let mut set = |name: &'static str, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        };
        set("x-request-id", id);
        set("x-model", spec.model);
        set("x-inference-time-s", format!("{seconds:.3}"));
        set("x-stage-durations", json!({"diffusion": seconds}).to_string());
        set("x-peak-memory-mb", format!("{:.1}", super::peak_memory_mb()));
        Ok(response)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use crate::media::{Frame, data_url, picture, video};
    use crate::mock::test_server;

    fn form(reference: Option<reqwest::multipart::Part>) -> reqwest::multipart::Form {
        let mut form = reqwest::multipart::Form::new()
            .text("prompt", "one red ball")
            .text("width", "64")
            .text("height", "48")
            .text("num_frames", "4")
            .text("fps", "4")
            .text("num_inference_steps", "1");
        if let Some(part) = reference {
            form = form.part("input_reference", part);
        }
        form
    }

    #[tokio::test]
    async fn references_condition_the_video_and_must_decode() {
        let url = test_server::start("Wan-AI/Wan2.2-I2V-A14B-Diffusers --zero-latency").await;
        let http = test_server::client();
        let green = picture::encode_png(&Frame::filled(32, 32, [10, 160, 10])).unwrap();
        let part = reqwest::multipart::Part::bytes(green.clone()).file_name("ref.png");
        let answer = http.post(format!("{url}/v1/videos/sync")).multipart(form(Some(part))).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let (info, frames) = video::decode_frames(&answer.bytes().await.unwrap(), 1).unwrap();
        assert_eq!((info.width, info.height, info.frames), (64, 48, 5));
        let corner = frames[0].pixel(0, 0);
        assert!(corner[1] > 120 && corner[0] < 60, "the reference is the backdrop, got {corner:?}");
        let url_form = form(None)
            .text("image_reference", format!("{{\"image_url\": \"{}\"}}", data_url::encode("image/png", &green)));
        assert_eq!(http.post(format!("{url}/v1/videos/sync")).multipart(url_form).send().await.unwrap().status(), 200);
        let junk = reqwest::multipart::Part::bytes(b"junk".to_vec()).file_name("ref.png");
        let answer = http.post(format!("{url}/v1/videos")).multipart(form(Some(junk))).send().await.unwrap();
        assert_eq!(answer.status(), 400);
        assert!(answer.text().await.unwrap().contains("input_reference: not a decodable image or video"));
    }
}
