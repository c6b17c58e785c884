//! Diffusion outputs: images through chat (`send_diffusion_request`), the images API, the
//! video job flow (POST, poll, download), and text-to-audio (`/v1/audio/generate`).

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use super::omni::{decode_images, decode_segments, status_failure};
use super::response::{DiffusionResponse, HttpResponse, VideoOutput};
use super::{Client, DiffusionRequest, VideoRequest};
use crate::media::{data_url, picture, video};
use crate::outcome::TestError;
use crate::validators;

impl Client {
    /// Sends a chat request for images: one request per requested size, concurrently, merged
    /// in order as one response (`request_num` copies of that). Validated at the run level.
    pub fn send_diffusion_request(
        &self,
        request: &DiffusionRequest,
        request_num: usize,
    ) -> Result<Vec<DiffusionResponse>, TestError> {
        let mut responses = Vec::new();
        for copy in 0..request_num.max(1) {
            let started = Instant::now();
            let answers = request
                .bodies()
                .iter()
                .map(|body| self.post_json("/v1/chat/completions", body))
                .collect::<Result<Vec<HttpResponse>, TestError>>()?;
            let mut merged = DiffusionResponse::default();
            for answer in answers {
                if answer.status != 200 {
                    return Err(status_failure(answer.status, &answer.body));
                }
                let json = answer.json.ok_or_else(|| TestError::failure("the answer is not JSON"))?;
                for choice in json["choices"].as_array().into_iter().flatten() {
                    let message = &choice["message"];
                    match &message["content"] {
                        Value::Array(items) => merged.images.extend(decode_images(items)?),
                        Value::String(text) => merged.text = Some(text.clone()),
                        _ => {}
                    }
                    if let Some(data) = message["audio"]["data"].as_str() {
                        merged.audios.push(decode_segments(&[data.to_owned()], "wav")?.audio);
                    }
                }
            }
            merged.e2e_latency = started.elapsed();
            validators::check_diffusion(&merged, request, self.run_level)
                .map_err(|err| err.context(format!("diffusion request {}/{}", copy + 1, request_num.max(1))))?;
            responses.push(merged);
        }
        Ok(responses)
    }

    /// `POST /v1/images/generations`; checks the answer has `n` images of `size` at deep levels.
    pub fn images_generations(&self, body: &Value) -> Result<DiffusionResponse, TestError> {
        let started = Instant::now();
        let answer = self.post_json("/v1/images/generations", body)?;
        let response = images_answer(&answer, started)?;
        validators::check_images_api(&response, body, self.run_level)?;
        Ok(response)
    }

    /// `POST /v1/images/edits` with `image` (bytes) and form `fields`.
    pub fn images_edits(&self, image: Vec<u8>, fields: &[(&str, &str)]) -> Result<DiffusionResponse, TestError> {
        let started = Instant::now();
        let answer = self.post_multipart("/v1/images/edits", fields, &[("image", "image.png", image)])?;
        let response = images_answer(&answer, started)?;
        let body: serde_json::Map<String, Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect();
        validators::check_images_api(&response, &Value::Object(body), self.run_level)?;
        Ok(response)
    }

    /// `POST /v1/images/edits` with several images (sent as `image[]`) and form `fields`.
    pub fn images_edits_many(
        &self,
        images: &[Vec<u8>],
        fields: &[(&str, &str)],
    ) -> Result<DiffusionResponse, TestError> {
        let started = Instant::now();
        let names: Vec<String> = (0..images.len()).map(|i| format!("image{i}.png")).collect();
        let files: Vec<(&str, &str, Vec<u8>)> =
            images.iter().zip(&names).map(|(bytes, name)| ("image[]", name.as_str(), bytes.clone())).collect();
        let answer = self.post_multipart("/v1/images/edits", fields, &files)?;
        let response = images_answer(&answer, started)?;
        let body: serde_json::Map<String, Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect();
        validators::check_images_api(&response, &Value::Object(body), self.run_level)?;
        Ok(response)
    }

    /// `POST /v1/audio/generate` (text-to-audio): the sound, decoded and checked at the run level
    /// (see [`validators::check_generated_audio`]).
    pub fn audio_generate(&self, body: &Value) -> Result<DiffusionResponse, TestError> {
        let started = Instant::now();
        let answer = self.post_json("/v1/audio/generate", body)?;
        if answer.status != 200 {
            return Err(status_failure(answer.status, &answer.body));
        }
        let audio = crate::media::wav::decode_any(&answer.body).map_err(|e| {
            TestError::failure(format!("the generated audio ({}) does not decode: {e}", answer.content_type))
        })?;
        let response =
            DiffusionResponse { audios: vec![audio], e2e_latency: started.elapsed(), ..DiffusionResponse::default() };
        validators::check_generated_audio(&response, body, self.run_level)?;
        Ok(response)
    }

    /// The video job flow: POST `/v1/videos`, poll every 2 s until `completed` (a `failed` job
    /// fails with the server's `error`), download the MP4. Latency runs from the accepted POST
    /// to completion, without the download. Each of `request_num` jobs is validated.
    pub fn send_video_diffusion_request(
        &self,
        request: &VideoRequest,
        request_num: usize,
    ) -> Result<Vec<DiffusionResponse>, TestError> {
        let mut responses = Vec::new();
        for copy in 0..request_num.max(1) {
            let response = self
                .video_job(request)
                .map_err(|err| err.context(format!("video job {}/{}", copy + 1, request_num.max(1))))?;
            validators::check_video_job(&response, request, self.run_level)?;
            responses.push(response);
        }
        Ok(responses)
    }

    fn video_job(&self, request: &VideoRequest) -> Result<DiffusionResponse, TestError> {
        let fields: Vec<(&str, &str)> = request.form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let files = match &request.input_reference {
            Some(url) => {
                let reference =
                    data_url::decode(url).map_err(|e| TestError::harness(format!("input_reference: {e}")))?;
                vec![("input_reference", "reference", reference.bytes)]
            }
            None => vec![],
        };
        let created = self.post_multipart("/v1/videos", &fields, &files)?;
        if created.status != 200 {
            return Err(status_failure(created.status, &created.body));
        }
        let started = Instant::now();
        let id = created.json.as_ref().and_then(|j| j["id"].as_str()).map(str::to_owned);
        let id = id.ok_or_else(|| TestError::failure(format!("the job answer has no `id`: {}", created.text())))?;
        let deadline = started + Duration::from_secs(request.timeout_s);
        loop {
            let polled = self.get(&format!("/v1/videos/{id}"))?;
            let job = polled.json.clone().unwrap_or_default();
            match job["status"].as_str() {
                Some("completed") => break,
                Some("failed") => {
                    // The server's field is `error` ({code, message}); the seed read `last_error`.
                    let error = &job["error"];
                    let message = error["message"].as_str().map_or_else(|| error.to_string(), str::to_owned);
                    return Err(TestError::failure(format!(
                        "video job {id} failed: {message} (code {})",
                        error["code"]
                    )));
                }
                Some("queued" | "in_progress") => {}
                other => {
                    return Err(TestError::failure(format!(
                        "video job {id}: unexpected status {other:?}: {}",
                        polled.text()
                    )));
                }
            }
            if Instant::now() > deadline {
                return Err(TestError::failure(format!(
                    "video job {id} did not complete within {} s",
                    request.timeout_s
                )));
            }
            std::thread::sleep(Duration::from_millis(if cfg!(test) { 50 } else { 200 }).min(Duration::from_secs(2)));
        }
        let latency = started.elapsed();
        let content = self.get(&format!("/v1/videos/{id}/content"))?;
        if content.status != 200 {
            return Err(status_failure(content.status, &content.body));
        }
        let info = video::probe(&content.body).map_err(|e| TestError::failure(format!("video {id}: {e}")))?;
        Ok(DiffusionResponse {
            videos: vec![VideoOutput { bytes: content.body, info }],
            e2e_latency: latency,
            ..DiffusionResponse::default()
        })
    }
}

/// Decodes the images of an images-API answer.
fn images_answer(answer: &HttpResponse, started: Instant) -> Result<DiffusionResponse, TestError> {
    if answer.status != 200 {
        return Err(status_failure(answer.status, &answer.body));
    }
    let json =
        answer.json.as_ref().ok_or_else(|| TestError::failure(format!("the answer is not JSON: {}", answer.text())))?;
    let data = json["data"].as_array().ok_or_else(|| TestError::failure(format!("no `data` in the answer: {json}")))?;
    let images = data
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let b64 =
                item["b64_json"].as_str().ok_or_else(|| TestError::failure(format!("data[{i}] has no b64_json")))?;
            let bytes = BASE64.decode(b64).map_err(|e| TestError::failure(format!("data[{i}]: bad base64 ({e})")))?;
            picture::decode_image(&bytes).map_err(|e| TestError::failure(format!("data[{i}]: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DiffusionResponse { images, e2e_latency: started.elapsed(), ..DiffusionResponse::default() })
}
