//! Diffusion requests: one image answer per request (chat or `/v1/images/generations`), or a
//! video job (`POST /v1/videos`, poll `GET /v1/videos/{id}`, download `…/content`). The latency
//! is from sending to holding the result; the server's `peak_memory_mb` is kept when reported.
//!
//! Video jobs are polled every 20 ms at first, the interval doubling up to one second, so the
//! latency of a job is known to within about a twentieth of its length (the Python runner polls
//! every 2 s). Once its video is downloaded (and the latency taken), a job is deleted, as a
//! client that keeps no videos on the server would: the server holds every finished job until
//! it is, so a long run that left them would measure that store growing.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{RequestRecord, Target, describe_error, status_failure};
use crate::bench::load::api::Api;
use crate::bench::load::request::PreparedRequest;
use crate::bench::request::RequestOutcome;

const FIRST_POLL: Duration = Duration::from_millis(20);
const LONGEST_POLL: Duration = Duration::from_secs(1);

fn finished(target: &Target, request: &PreparedRequest, start_s: f64, peak_memory_mb: Option<f64>) -> RequestRecord {
    let latency_s = target.clock.now() - start_s;
    let outcome = RequestOutcome {
        success: true,
        prompt_len: request.prompt_len,
        output_tokens: Some(1),
        ttft_s: latency_s,
        latency_s,
        start_time_s: start_s,
        ..RequestOutcome::default()
    };
    RequestRecord { outcome, events: 1, peak_memory_mb, ..RequestRecord::default() }
}

/// Sends an image request stamped `sent`.
pub async fn send_image(target: &Target, request: &PreparedRequest, sent: Instant) -> RequestRecord {
    let start_s = target.clock.at(sent);
    let fail = |error: String| RequestRecord::failed(start_s, request.prompt_len, error);
    let response = match target.open(request, start_s).await {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    let body: Value = match response.json().await {
        Ok(body) => body,
        Err(error) => return fail(format!("the answer is not JSON: {}", describe_error(&error))),
    };
    let found = match target.api {
        Api::ImageGenerations => image_of_generations(&body),
        _ => image_of_chat(&body),
    };
    match found {
        Ok(peak) => finished(target, request, start_s, peak),
        Err(problem) => fail(problem),
    }
}

/// The peak memory of a chat answer whose content lists an image.
fn image_of_chat(body: &Value) -> Result<Option<f64>, String> {
    let content = &body["choices"][0]["message"]["content"];
    let items =
        content.as_array().ok_or_else(|| format!("the answer holds no image list: content is {}", excerpt(content)))?;
    let image = items
        .iter()
        .find(|item| item["image_url"]["url"].as_str().is_some_and(|url| !url.is_empty()))
        .ok_or_else(|| format!("the answer holds no image: {}", excerpt(content)))?;
    Ok(image
        .get("peak_memory_mb")
        .and_then(Value::as_f64)
        .or_else(|| body.get("peak_memory_mb").and_then(Value::as_f64)))
}

/// The peak memory of a generations answer with at least one image.
fn image_of_generations(body: &Value) -> Result<Option<f64>, String> {
    let has_image = body["data"]
        .as_array()
        .is_some_and(|data| data.iter().any(|item| item["b64_json"].as_str().is_some_and(|b64| !b64.is_empty())));
    if !has_image {
        return Err(format!("the answer holds no b64_json image: {}", excerpt(body)));
    }
    Ok(body.get("peak_memory_mb").and_then(Value::as_f64))
}

fn excerpt(value: &Value) -> String {
    value.to_string().chars().take(200).collect()
}

/// Sends a video job stamped `sent` and follows it to its content.
pub async fn send_video(target: &Target, request: &PreparedRequest, sent: Instant) -> RequestRecord {
    let start_s = target.clock.at(sent);
    let fail = |error: String| RequestRecord::failed(start_s, request.prompt_len, error);
    let deadline = sent + target.timeout;
    let response = match target.open(request, start_s).await {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    let job: Value = match response.json().await {
        Ok(job) => job,
        Err(error) => return fail(format!("the job answer is not JSON: {}", describe_error(&error))),
    };
    let Some(id) = job["id"].as_str().map(str::to_owned) else {
        return fail(format!("the job answer has no id: {}", excerpt(&job)));
    };
    let job_url = format!("{}/v1/videos/{id}", target.base_url);
    let mut pause = FIRST_POLL;
    let mut polls = 1u64;
    let job = loop {
        if Instant::now() >= deadline {
            return fail(format!("video job {id} was not done after {:.0} s", target.timeout.as_secs_f64()));
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(LONGEST_POLL);
        polls += 1;
        let polled = match target.client.get(&job_url).timeout(target.timeout).send().await {
            Ok(response) if response.status().is_success() => response.json::<Value>().await,
            Ok(response) => return fail(format!("polling job {id}: {}", status_failure(response).await)),
            Err(error) => return fail(format!("polling job {id}: {}", describe_error(&error))),
        };
        let job = match polled {
            Ok(job) => job,
            Err(error) => return fail(format!("polling job {id}: not JSON: {}", describe_error(&error))),
        };
        match job["status"].as_str() {
            Some("completed") => break job,
            Some("failed") => {
                let message = job["error"]["message"].as_str().map_or_else(|| job["error"].to_string(), str::to_owned);
                return fail(format!("video job {id} failed: {message}"));
            }
            Some("queued" | "in_progress") => {}
            other => return fail(format!("video job {id} has an unknown status {other:?}")),
        }
    };
    let content = match target.client.get(format!("{job_url}/content")).timeout(target.timeout).send().await {
        Ok(response) if response.status().is_success() => response.bytes().await,
        Ok(response) => return fail(format!("downloading video {id}: {}", status_failure(response).await)),
        Err(error) => return fail(format!("downloading video {id}: {}", describe_error(&error))),
    };
    match content {
        Ok(bytes) if !bytes.is_empty() => {
            let peak = job.get("peak_memory_mb").and_then(Value::as_f64).filter(|mb| *mb > 0.0);
            let mut record = finished(target, request, start_s, peak);
            record.events = polls + 1;
            // After the measurement, and not part of it: a job the server fails to delete is
            // its own matter, not this request's.
            let _ = target.client.delete(&job_url).timeout(target.timeout).send().await;
            record
        }
        Ok(_) => fail(format!("video {id} is empty")),
        Err(error) => fail(format!("downloading video {id}: {}", describe_error(&error))),
    }
}
