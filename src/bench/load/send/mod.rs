//! Sending one request and timing its answer, for each API.
//!
//! | module | what |
//! |---|---|
//! | [`stream`] | chat and text completions streamed over SSE |
//! | [`speech`] | raw PCM speech: first packet, real-time factor, continuity |
//! | [`diffusion`] | images and video jobs: latency and peak memory |
//! | [`audio`] | frames in an audio segment |

pub mod audio;
pub mod diffusion;
pub mod speech;
pub mod stream;

use std::time::{Duration, Instant};

use super::api::Api;
use super::request::{FormField, PreparedRequest, RequestBody};
use crate::bench::request::RequestOutcome;
use crate::bench::stream::TokenTiming;

/// Seconds on one run's clock.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    /// A clock whose zero is `start`.
    pub fn new(start: Instant) -> Clock {
        Clock { start }
    }

    /// `at` in seconds from the clock's zero (negative before it).
    pub fn at(&self, at: Instant) -> f64 {
        match at.checked_duration_since(self.start) {
            Some(after) => after.as_secs_f64(),
            None => -self.start.duration_since(at).as_secs_f64(),
        }
    }

    /// Now, in seconds from the clock's zero.
    pub fn now(&self) -> f64 {
        self.at(Instant::now())
    }
}

/// Where and how requests go.
#[derive(Clone, Debug)]
pub struct Target {
    /// The HTTP client (one connection pool for the run).
    pub client: reqwest::Client,
    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The endpoint requests are posted to, as a full URL.
    pub url: reqwest::Url,
    /// The protocol.
    pub api: Api,
    /// How token timings are derived.
    pub timing: TokenTiming,
    /// The limit on one request.
    pub timeout: Duration,
    /// The run's clock.
    pub clock: Clock,
}

/// What one request measured, beyond vLLM's per-request fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestRecord {
    /// vLLM's per-request measurements.
    pub outcome: RequestOutcome,
    /// Send time minus the time the request was due (or got its concurrency slot), seconds;
    /// `None` when it was never sent.
    pub dispatch_lag_s: Option<f64>,
    /// SSE messages (or body chunks) received.
    pub events: u64,
    /// The server's reported peak memory for this request, in MB (diffusion).
    pub peak_memory_mb: Option<f64>,
    /// The worst stall of a real-time player of the streamed audio, in seconds (speech).
    pub audio_underrun_s: Option<f64>,
}

impl RequestRecord {
    /// A request that failed before any usable answer.
    pub fn failed(start_s: f64, prompt_len: u64, error: impl Into<String>) -> RequestRecord {
        RequestRecord { outcome: RequestOutcome::failed(start_s, prompt_len, error), ..RequestRecord::default() }
    }
}

impl Target {
    /// A POST of `request` to the endpoint, with the per-request limit.
    pub fn post(&self, request: &PreparedRequest) -> reqwest::RequestBuilder {
        let builder = self.client.post(self.url.clone()).timeout(self.timeout);
        match &request.body {
            RequestBody::Json(bytes) => {
                builder.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes.clone())
            }
            RequestBody::Form(fields) => builder.multipart(form(fields)),
        }
    }

    /// Posts `request` and returns the answer when its status is a success; otherwise the
    /// request's failure record, started at `start_s`, naming the transport error or the status.
    pub async fn open(&self, request: &PreparedRequest, start_s: f64) -> Result<reqwest::Response, RequestRecord> {
        let failed = |error: String| RequestRecord::failed(start_s, request.prompt_len, error);
        match self.post(request).send().await {
            Ok(response) if response.status().is_success() => Ok(response),
            Ok(response) => Err(failed(status_failure(response).await)),
            Err(error) => Err(failed(describe_error(&error))),
        }
    }

    /// Sends `request`, which is due now and was stamped `sent` just before.
    pub async fn send(&self, request: &PreparedRequest, sent: Instant) -> RequestRecord {
        match self.api {
            Api::Chat | Api::ChatOmni | Api::Completions => stream::send(self, request, sent).await,
            Api::Speech => speech::send(self, request, sent).await,
            Api::ImageChat | Api::ImageGenerations => diffusion::send_image(self, request, sent).await,
            Api::Video => diffusion::send_video(self, request, sent).await,
        }
    }
}

fn form(fields: &[FormField]) -> reqwest::multipart::Form {
    fields.iter().fold(reqwest::multipart::Form::new(), |form, field| match field {
        FormField::Text(name, value) => form.text(name.clone(), value.clone()),
        FormField::File { name, file_name, mime, bytes } => {
            let part = reqwest::multipart::Part::stream(bytes.clone()).file_name(file_name.clone());
            let part = part.mime_str(mime).unwrap_or_else(|_| reqwest::multipart::Part::stream(bytes.clone()));
            form.part(name.clone(), part)
        }
    })
}

/// A transport error as one line, with its causes.
pub fn describe_error(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() { format!("timed out: {error}") } else { error.to_string() };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The failure of an answer with an error status: the status and the start of its body, which
/// vLLM does not read but which says what went wrong.
pub async fn status_failure(response: reqwest::Response) -> String {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let excerpt: String = body.chars().take(300).collect();
    format!("HTTP {status}: {}", excerpt.trim())
}
