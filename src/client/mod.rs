//! The validating client: the seed's `OpenAIClientHandler`, blocking from a test's point of
//! view, async underneath.
//!
//! Every `send_*` method checks what comes back at the depth the run level asks for (see
//! [`crate::validators`]): structure at core_model, content (keywords, transcripts, sizes) at
//! advanced_model and full_model. A transport failure is reported with the server's state: a
//! server that died mid-request fails the test quoting its log tail. No request is retried.

mod asr;
mod diffusion;
mod omni;
pub mod request;
pub mod response;
mod runtime;
mod speech;
mod stream;
mod transport;

use std::sync::Arc;
use std::time::Duration;

pub use asr::Transcription;
pub use request::{
    DiffusionRequest, KeyWords, Messages, Modality, OmniRequest, SpeechMode, SpeechRequest, VideoRequest,
};
pub use response::{
    AudioOutput, DiffusionResponse, ErrorContract, ErrorShape, HttpResponse, OmniResponse, SpeechResponse, VideoOutput,
};
pub use stream::ChatStream;

use crate::fixtures::Server;
use crate::outcome::TestError;
use crate::registry::Level;

/// A client for one server, validating at `run_level`.
#[derive(Clone, Debug)]
pub struct Client {
    base_url: String,
    run_level: Level,
    http: reqwest::Client,
    server: Option<Arc<Server>>,
    asr: Transcription,
    timeout: Duration,
}

impl Client {
    /// A client for the server at `base_url` (`http://127.0.0.1:PORT`).
    pub fn new(base_url: impl Into<String>, run_level: Level) -> Client {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder().no_proxy().build().unwrap_or_default();
        Client {
            asr: Transcription::at(&base_url),
            base_url,
            run_level,
            http,
            server: None,
            timeout: Duration::from_secs(600),
        }
    }

    /// A client for a fixture server: transport failures are explained by the server's state.
    pub fn for_server(server: Arc<Server>, run_level: Level) -> Client {
        let mut client = Client::new(server.url(), run_level);
        client.server = Some(server);
        client
    }

    /// Transcribes audio through `url`'s `/v1/audio/transcriptions` (a Whisper server),
    /// instead of the served server's own route.
    #[must_use]
    pub fn with_asr(mut self, url: &str) -> Client {
        self.asr = Transcription::at(url);
        self
    }

    /// Sets the per-request timeout (600 s by default).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The validation depth.
    pub fn run_level(&self) -> Level {
        self.run_level
    }

    /// Transcribes audio with the configured speech-recognition server.
    pub fn transcribe(&self, audio: &crate::media::Audio) -> Result<String, TestError> {
        runtime::block_on(self.asr.transcribe(&self.http, audio)).map_err(|err| self.explain(err))
    }

    /// `GET /health`.
    pub fn health(&self) -> Result<HttpResponse, TestError> {
        self.get("/health")
    }

    /// `GET /v1/models`.
    pub fn models(&self) -> Result<HttpResponse, TestError> {
        self.get("/v1/models")
    }

    /// A GET, with whatever status comes back.
    pub fn get(&self, path: &str) -> Result<HttpResponse, TestError> {
        self.raw(self.http.get(self.url(path)))
    }

    /// A DELETE, with whatever status comes back.
    pub fn delete(&self, path: &str) -> Result<HttpResponse, TestError> {
        self.raw(self.http.delete(self.url(path)))
    }

    /// A JSON POST, with whatever status comes back.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<HttpResponse, TestError> {
        self.raw(self.http.post(self.url(path)).json(body))
    }

    /// A POST of raw bytes (e.g. malformed JSON) with `content_type`.
    pub fn post_raw(
        &self,
        path: &str,
        body: impl Into<Vec<u8>>,
        content_type: &str,
    ) -> Result<HttpResponse, TestError> {
        self.raw(self.http.post(self.url(path)).header("content-type", content_type).body(body.into()))
    }

    /// A multipart POST: text fields, and files as `(field, file name, bytes)`.
    pub fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Result<HttpResponse, TestError> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text((*name).to_owned(), (*value).to_owned());
        }
        for (field, file_name, bytes) in files {
            form = form.part(
                (*field).to_owned(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name((*file_name).to_owned()),
            );
        }
        self.raw(self.http.post(self.url(path)).multipart(form))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn raw(&self, request: reqwest::RequestBuilder) -> Result<HttpResponse, TestError> {
        runtime::block_on(transport::send(request.timeout(self.timeout))).map_err(|err| self.explain(err))
    }

    /// Turns a transport error into a failure that says what happened to the server. A broken
    /// connection often means the server is dying: its exit is waited for briefly, since the
    /// socket closes a moment before the process can be reaped.
    fn explain(&self, err: transport::TransportError) -> TestError {
        let exited = self.server.as_ref().and_then(|server| {
            let deadline = std::time::Instant::now() + Duration::from_secs(1);
            loop {
                if let Some(status) = server.exit_status() {
                    return Some((server, status));
                }
                if std::time::Instant::now() > deadline || server.pid().is_none() {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        match exited {
            Some((server, status)) => TestError::failure(format!(
                "{err}\nthe server exited ({status}) during the request; log {}:\n{}",
                server.log_path().map(|p| p.display().to_string()).unwrap_or_default(),
                server.log_tail(40)
            )),
            None => TestError::failure(err.to_string()),
        }
    }
}
