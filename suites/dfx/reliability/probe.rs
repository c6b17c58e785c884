//! Sending a request to a server under fault and saying how it ended: never retried, always
//! within a bound, and classified so that a test can say what a fault must do to it.

use std::fmt;
use std::time::{Duration, Instant};

use omnitest::client::ErrorContract;
use omnitest::prelude::*;
use serde_json::{Value, json};

use super::bounds::HEAVY_TIMEOUT;
use super::target::Request;

/// How a request ended.
#[derive(Clone, Debug)]
pub(crate) enum Ended {
    /// A successful answer, or a completed job.
    Succeeded,
    /// An error answer, with the error object when the body has one.
    Refused {
        /// The status.
        status: u16,
        /// The error object.
        contract: Option<ErrorContract>,
        /// The body, for messages.
        body: String,
    },
    /// A video job that was accepted, then failed, with its error.
    JobFailed {
        /// The job's `error`, as an error object.
        contract: Option<ErrorContract>,
        /// The job, for messages.
        job: String,
    },
    /// No answer: the connection was refused, reset, or timed out.
    Broken(String),
}

/// How a request ended, and when.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    /// How.
    pub(crate) ended: Ended,
    /// After how long.
    pub(crate) elapsed: Duration,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let after = format!("after {:.1} s", self.elapsed.as_secs_f64());
        match &self.ended {
            Ended::Succeeded => write!(f, "succeeded {after}"),
            Ended::Refused { status, body, .. } => write!(f, "answered {status} {after}: {}", clip(body)),
            Ended::JobFailed { job, .. } => write!(f, "job failed {after}: {}", clip(job)),
            Ended::Broken(detail) => write!(f, "got no answer {after}: {}", clip(detail)),
        }
    }
}

fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(400).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}

impl Outcome {
    /// Whether the request failed as a fault must make it fail: a 5xx answer carrying an
    /// OpenAI error object with a string `message` (for a video job: a failed job carrying one).
    pub(crate) fn check_server_error(&self, what: &str) -> TestResult {
        match &self.ended {
            Ended::Refused { status: 500.., contract: Some(_), .. } | Ended::JobFailed { contract: Some(_), .. } => {
                Ok(())
            }
            Ended::Refused { status: 500.., .. } | Ended::JobFailed { .. } => Err(TestError::failure(format!(
                "{what}: the error carries no OpenAI error object with a string message: {self}"
            ))),
            _ => Err(TestError::failure(format!("{what} must fail with a 5xx error answer, but it {self}"))),
        }
    }

    /// The error object of a failed request.
    pub(crate) fn contract(&self) -> Option<&ErrorContract> {
        match &self.ended {
            Ended::Refused { contract, .. } | Ended::JobFailed { contract, .. } => contract.as_ref(),
            _ => None,
        }
    }

    /// The status of an error answer.
    pub(crate) fn status(&self) -> Option<u16> {
        match &self.ended {
            Ended::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether it ended in success.
    pub(crate) fn succeeded(&self) -> bool {
        matches!(self.ended, Ended::Succeeded)
    }
}

impl Request {
    /// Sends the request once with `client`, giving it `within` to end (a video job is polled
    /// until then).
    pub(crate) fn send(&self, client: &Client, within: Duration) -> Outcome {
        let started = Instant::now();
        let client = client.clone().with_timeout(within);
        let answer = match self {
            Request::Chat(request) => client.post_json("/v1/chat/completions", &request.body()),
            Request::Speech(request) => client.post_json("/v1/audio/speech", &request.body()),
            Request::Images(body) => client.post_json("/v1/images/generations", body),
            Request::Video(request) => {
                let fields: Vec<(&str, &str)> = request.form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                client.post_multipart("/v1/videos", &fields, &[])
            }
        };
        let ended = match answer {
            Err(err) => Ended::Broken(err.message().to_owned()),
            Ok(answer) if !answer.success() => {
                Ended::Refused { status: answer.status, contract: answer.error(), body: answer.text() }
            }
            Ok(answer) => match self {
                Request::Video(_) => follow_job(&client, &answer, started + within),
                _ => Ended::Succeeded,
            },
        };
        Outcome { ended, elapsed: started.elapsed() }
    }

    /// Sends the request through the validating client: its answer must be valid at the run
    /// level, as in the functional suites.
    pub(crate) fn send_validated(&self, client: &Client) -> TestResult {
        match self {
            Request::Chat(request) => client.send_omni_request(request, 1).map(drop),
            Request::Speech(request) => client.send_audio_speech_request(request, 1).map(drop),
            Request::Images(body) => client.images_generations(body).map(drop),
            Request::Video(request) => client.send_video_diffusion_request(request, 1).map(drop),
        }
    }
}

/// Polls an accepted video job until it completes or fails, or `deadline` passes.
fn follow_job(client: &Client, created: &HttpResponse, deadline: Instant) -> Ended {
    let id = created.json.as_ref().and_then(|job| job["id"].as_str()).unwrap_or_default().to_owned();
    if id.is_empty() {
        return Ended::Refused { status: created.status, contract: None, body: created.text() };
    }
    loop {
        let job = match client.get(&format!("/v1/videos/{id}")) {
            Ok(answer) if answer.success() => answer.json.unwrap_or(Value::Null),
            Ok(answer) => {
                return Ended::Refused { status: answer.status, contract: answer.error(), body: answer.text() };
            }
            Err(err) => return Ended::Broken(err.message().to_owned()),
        };
        match job["status"].as_str() {
            Some("completed") => return Ended::Succeeded,
            Some("failed") => {
                let contract = ErrorContract::parse(&json!({"error": job["error"].clone()}));
                return Ended::JobFailed { contract, job: job.to_string() };
            }
            _ if Instant::now() >= deadline => {
                return Ended::Broken(format!("the job was still `{}` at the deadline", job["status"]));
            }
            _ => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

/// A client for `url` that checks answers for structure only: whether the server recovered is
/// the question here, not what a model says (the functional suites check that, with the
/// speech recognition and real weights it needs).
pub(crate) fn structural(url: &str) -> Client {
    Client::new(url, Level::CoreModel).with_timeout(HEAVY_TIMEOUT)
}
