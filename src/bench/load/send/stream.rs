//! A streamed chat or text completion: every SSE message stamped with the time its bytes were
//! read, parsed straight from the bytes, and turned into vLLM's measurements by
//! [`outcome_from_stream`].
//!
//! A request fails when the status is not 200 (with the body's start as the error, which vLLM
//! does not read), when a message carries `{"error": …}` (which vLLM's client ignores), when a
//! message is not JSON, or when the stream ends before `[DONE]`. Nothing is retried.

use std::time::Instant;

use super::{RequestRecord, Target, audio, describe_error, status_failure};
use crate::bench::load::request::PreparedRequest;
use crate::bench::load::sse::{SseFramer, SseMessage};
use crate::bench::stream::{StreamEvent, outcome_from_stream};

/// What a stream's messages have shown so far.
#[derive(Default)]
pub struct StreamState {
    /// The events, in order.
    pub events: Vec<StreamEvent>,
    /// Whether `[DONE]` arrived.
    pub done: bool,
    /// The first message that was not JSON.
    pub malformed: Option<String>,
    /// Messages received.
    pub messages: u64,
}

impl StreamState {
    /// Takes one SSE message that arrived at `at_s`.
    pub fn take(&mut self, message: &SseMessage<'_>, at_s: f64) {
        self.messages += 1;
        if message.data == b"[DONE]" {
            self.done = true;
            return;
        }
        match StreamEvent::parse_wire(at_s, message.data) {
            Ok(wire) => {
                let mut event = wire.event;
                if let (Some(encoded), Some(choice)) = (wire.audio_base64, event.choice.as_mut()) {
                    choice.audio = audio::segment(&encoded);
                }
                self.events.push(event);
            }
            Err(error) if self.malformed.is_none() => {
                let excerpt: String = String::from_utf8_lossy(message.data).chars().take(120).collect();
                self.malformed = Some(format!("a stream message is not valid JSON ({error}): {excerpt}"));
            }
            Err(_) => {}
        }
    }
}

/// Sends a streamed completion request stamped `sent`.
pub async fn send(target: &Target, request: &PreparedRequest, sent: Instant) -> RequestRecord {
    let start_s = target.clock.at(sent);
    let response = match target.post(request).send().await {
        Ok(response) => response,
        Err(error) => return RequestRecord::failed(start_s, request.prompt_len, describe_error(&error)),
    };
    if !response.status().is_success() {
        return RequestRecord::failed(start_s, request.prompt_len, status_failure(response).await);
    }
    let mut response = response;
    let mut framer = SseFramer::new();
    let mut state =
        StreamState { events: Vec::with_capacity(request.output_len as usize + 3), ..StreamState::default() };
    let mut broken = None;
    loop {
        match response.chunk().await {
            Ok(Some(bytes)) => {
                let at_s = target.clock.now();
                framer.push(&bytes, |message| state.take(&message, at_s));
            }
            Ok(None) => break,
            Err(error) => {
                broken =
                    Some(format!("the stream broke after {} message(s): {}", state.messages, describe_error(&error)));
                break;
            }
        }
    }
    let at_s = target.clock.now();
    let leftover = framer.finish(|message| state.take(&message, at_s));
    let mut outcome = outcome_from_stream(start_s, request.prompt_len, &state.events, target.timing);
    let in_stream_error = state.events.iter().find_map(|event| event.error.clone());
    let problem = match (in_stream_error, broken, state.malformed, state.done) {
        (Some(error), _, _, _) => Some(format!("error inside the stream: {error}")),
        (None, Some(broken), _, _) => Some(broken),
        (None, None, Some(malformed), _) => Some(malformed),
        (None, None, None, false) => Some(format!(
            "the stream ended before [DONE], after {} message(s){}",
            state.messages,
            if leftover > 0 { format!(" and {leftover} byte(s) of an incomplete one") } else { String::new() }
        )),
        (None, None, None, true) => None,
    };
    if let Some(problem) = problem {
        outcome.success = false;
        outcome.error = problem;
    }
    RequestRecord { outcome, events: state.messages, ..RequestRecord::default() }
}
