//! Sending one request and reading the answer, with errors that say which request failed how.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

use super::response::HttpResponse;

/// A request that got no complete HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Connecting, sending or receiving failed.
    #[error("{method} {url} failed after {elapsed:?}: {detail}")]
    Failed {
        /// The method.
        method: String,
        /// The URL.
        url: String,
        /// How long it ran.
        elapsed: Duration,
        /// What went wrong (timeout, connection refused, reset, …).
        detail: String,
    },
}

impl TransportError {
    pub(crate) fn new(method: &str, url: &str, started: Instant, err: &reqwest::Error) -> TransportError {
        let mut detail = with_causes(err);
        if err.is_timeout() {
            detail = format!("timed out ({detail})");
        }
        TransportError::Failed { method: method.to_owned(), url: url.to_owned(), elapsed: started.elapsed(), detail }
    }
}

/// An error with its chain of causes: reqwest's own message ("error decoding response body")
/// hides what happened underneath ("connection reset by peer").
pub(crate) fn with_causes(err: &dyn std::error::Error) -> String {
    let mut detail = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    detail
}

/// Sends the request and reads the whole body.
pub async fn send(request: reqwest::RequestBuilder) -> Result<HttpResponse, TransportError> {
    let started = Instant::now();
    let (method, url) = describe(&request);
    let response = request.send().await.map_err(|e| TransportError::new(&method, &url, started, &e))?;
    read(response, &method, &url, started).await
}

/// Reads the whole answer to a `method` request of `url` whose head has arrived.
pub async fn read(
    response: reqwest::Response,
    method: &str,
    url: &str,
    started: Instant,
) -> Result<HttpResponse, TransportError> {
    let status = response.status().as_u16();
    let content_type = content_type(&response);
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.map_err(|e| TransportError::new(method, url, started, &e))?);
    }
    let json = if content_type.contains("json") || body.first() == Some(&b'{') {
        serde_json::from_slice::<Value>(&body).ok()
    } else {
        None
    };
    Ok(HttpResponse { status, content_type, body, json, elapsed: started.elapsed() })
}

/// The method and URL of a request, for messages.
pub fn describe(request: &reqwest::RequestBuilder) -> (String, String) {
    request
        .try_clone()
        .and_then(|r| r.build().ok())
        .map_or_else(|| ("request".to_owned(), String::new()), |r| (r.method().to_string(), r.url().to_string()))
}

/// The `content-type` header.
pub fn content_type(response: &reqwest::Response) -> String {
    response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}
