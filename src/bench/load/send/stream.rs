//! A streamed chat or text completion: every SSE message stamped with the time its bytes were
//! read, parsed straight from the bytes, and turned into vLLM's measurements by
//! [`outcome_from_stream`].
//!
//! A request fails when the status is not 200 (with the body's start as the error, which vLLM
//! does not read), when a message carries `{"error": …}` (which vLLM's client ignores), when a
//! message is not JSON, or when the stream ends before `[DONE]`. Nothing is retried.

use std::time::Instant;

use super::{RequestRecord, Target, audio, describe_error};
use crate::bench::load::request::PreparedRequest;
use crate::bench::load::sse::{SseFramer, SseMessage};
use crate::bench::stream::{StreamEvent, TokenTiming, outcome_from_stream};

/// A response body read chunk by chunk: framed into SSE messages, each stamped with the time of
/// the read that completed it, and judged when the body ends. Independent of the socket, so a
/// recorded stream goes through exactly the code a live one does.
pub struct StreamReader {
    framer: SseFramer,
    state: StreamState,
}

/// What a stream's messages have shown so far.
#[derive(Default)]
struct StreamState {
    /// The events, in order.
    events: Vec<StreamEvent>,
    /// Whether `[DONE]` arrived.
    done: bool,
    /// The first message that was not JSON.
    malformed: Option<String>,
    /// Messages received.
    messages: u64,
}

impl StreamState {
    /// Takes one SSE message that arrived at `at_s`.
    fn take(&mut self, message: &SseMessage<'_>, at_s: f64) {
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

impl StreamReader {
    /// A reader expecting about `events` messages.
    pub fn new(events: usize) -> StreamReader {
        StreamReader {
            framer: SseFramer::new(),
            state: StreamState { events: Vec::with_capacity(events), ..StreamState::default() },
        }
    }

    /// Messages received so far.
    pub fn messages(&self) -> u64 {
        self.state.messages
    }

    /// Takes the bytes of one read made at `at_s`.
    pub fn push(&mut self, bytes: &[u8], at_s: f64) {
        let state = &mut self.state;
        self.framer.push(bytes, |message| state.take(&message, at_s));
    }

    /// Ends the body at `at_s` (`broken`: why it ended early, when it did) and times the request
    /// sent at `start_s`: vLLM's measurements, failed when a message carried an error, was not
    /// JSON, or `[DONE]` never came.
    pub fn finish(
        mut self,
        at_s: f64,
        start_s: f64,
        prompt_len: u64,
        timing: TokenTiming,
        broken: Option<String>,
    ) -> RequestRecord {
        let state = &mut self.state;
        let leftover = self.framer.finish(|message| state.take(&message, at_s));
        let state = self.state;
        let mut outcome = outcome_from_stream(start_s, prompt_len, &state.events, timing);
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
}

/// Sends a streamed completion request stamped `sent`.
pub async fn send(target: &Target, request: &PreparedRequest, sent: Instant) -> RequestRecord {
    let start_s = target.clock.at(sent);
    let mut response = match target.open(request, start_s).await {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    let mut reader = StreamReader::new(request.output_len as usize + 3);
    let mut broken = None;
    loop {
        match response.chunk().await {
            Ok(Some(bytes)) => reader.push(&bytes, target.clock.now()),
            Ok(None) => break,
            Err(error) => {
                broken = Some(format!(
                    "the stream broke after {} message(s): {}",
                    reader.messages(),
                    describe_error(&error)
                ));
                break;
            }
        }
    }
    reader.finish(target.clock.now(), start_s, request.prompt_len, target.timing, broken)
}
