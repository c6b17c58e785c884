//! A chat stream read chunk by chunk, so that a test can stop reading in the middle and drop it:
//! the connection closes and the server aborts the request, as it does when a user goes away.

use std::pin::Pin;
use std::time::Instant;

use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};
use serde_json::{Value, json};

use super::omni::{StreamState, status_failure};
use super::transport::TransportError;
use super::{Client, OmniRequest, OmniResponse, runtime};
use crate::outcome::TestError;

type Events = Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, String>> + Send>>;

/// An open streamed chat completion ([`Client::open_chat_stream`]). Dropping it before the end
/// closes the connection.
pub struct ChatStream {
    client: Client,
    events: Events,
    state: StreamState,
    format: String,
    url: String,
    started: Instant,
    ended: bool,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream").field("url", &self.url).field("chunks", &self.state.chunks()).finish()
    }
}

impl Client {
    /// Sends `request` streamed (with a final usage chunk) and returns as soon as the answer's
    /// head has arrived; read it with [`ChatStream::next_chunk`] or [`ChatStream::finish`]. Not
    /// validated: the test decides what to check.
    pub fn open_chat_stream(&self, request: &OmniRequest) -> Result<ChatStream, TestError> {
        let mut body = request.body();
        body["stream"] = json!(true);
        body["stream_options"]["include_usage"] = json!(true);
        let url = self.url("/v1/chat/completions");
        let started = Instant::now();
        let response = runtime::block_on(async {
            let sent = self.http.post(&url).json(&body).timeout(self.timeout).send().await;
            let response = sent.map_err(|e| self.explain(TransportError::new("POST", &url, started, &e)))?;
            let status = response.status().as_u16();
            if status != 200 {
                return Err(status_failure(status, &response.bytes().await.unwrap_or_default()));
            }
            Ok(response)
        })?;
        let events = response.bytes_stream().eventsource().map(|event| event.map_err(|e| e.to_string()));
        Ok(ChatStream {
            client: self.clone(),
            events: Box::pin(events),
            state: StreamState::default(),
            format: request.audio_format.clone().unwrap_or_else(|| "wav".to_owned()),
            url,
            started,
            ended: false,
        })
    }
}

impl ChatStream {
    /// The next chunk, or `None` once `[DONE]` has arrived. An error chunk, a broken connection
    /// or an end without `[DONE]` is a failure.
    pub fn next_chunk(&mut self) -> Result<Option<Value>, TestError> {
        if self.ended {
            return Ok(None);
        }
        let event = runtime::block_on(self.events.next());
        let chunk = match event {
            Some(Ok(event)) => self.state.absorb(&event.data)?,
            Some(Err(detail)) => {
                return Err(self.client.explain(TransportError::Failed {
                    method: "POST".into(),
                    url: self.url.clone(),
                    elapsed: self.started.elapsed(),
                    detail: self.state.broken(&detail),
                }));
            }
            None => {
                return Err(TestError::failure(format!(
                    "the stream ended without [DONE] after {} chunk(s): truncated",
                    self.state.chunks()
                )));
            }
        };
        self.ended = chunk.is_none();
        Ok(chunk)
    }

    /// How many chunks have arrived.
    pub fn chunks(&self) -> usize {
        self.state.chunks()
    }

    /// Reads the rest and returns the whole answer: text, audio, usage and finish reason.
    pub fn finish(mut self) -> Result<OmniResponse, TestError> {
        while self.next_chunk()?.is_some() {}
        let mut response = self.state.finish(&self.format)?;
        response.e2e_latency = self.started.elapsed();
        Ok(response)
    }
}
