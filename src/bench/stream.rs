//! A request's timings from its SSE stream, as `vllm bench serve` (per chunk) or vLLM-Omni's
//! chat client (per token) derive them.
//!
//! The load generator parses each `data:` message, stamps it with its arrival time, and hands
//! the list to [`outcome_from_stream`]. Comments (`:` lines) and `[DONE]` are not messages.

use serde_json::Value;

use super::request::{AudioOutcome, RequestOutcome};

mod wire;

pub use wire::WireMessage;

/// vLLM's error for a stream that never carried a token. The missing space is vLLM's.
pub const NO_VALID_CHUNK: &str =
    "Never received a valid chunk to calculate TTFT.This response will be marked as failed!";

/// One parsed SSE message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamEvent {
    /// When it arrived, on the clock of the request's start time.
    pub at_s: f64,
    /// The first choice, when `choices` is present and not empty.
    pub choice: Option<ChoiceDelta>,
    /// The `usage` object, when present and not empty.
    pub usage: Option<Usage>,
    /// vLLM-Omni's top-level `modality` (`text`, `audio`, `image`).
    pub modality: Option<String>,
    /// The message of an in-stream `{"error": …}` event.
    pub error: Option<String>,
}

impl StreamEvent {
    /// The event for one parsed `data:` message of a completions or chat completions stream,
    /// arrived at `at_s`. An empty `choices` list or `usage` object counts as absent, as in vLLM.
    /// Audio is left undecoded: the caller decodes the base64 audio (`delta.content` of an
    /// `audio` message) and sets [`ChoiceDelta::audio`]; an audio message has no text.
    pub fn from_message(at_s: f64, message: &Value) -> StreamEvent {
        let modality = message.get("modality").and_then(Value::as_str).map(str::to_owned);
        // An audio message's content is base64 audio, not text.
        let is_audio = modality.as_deref() == Some("audio");
        let choice = message.get("choices").and_then(Value::as_array).and_then(|c| c.first()).map(|first| {
            let content = first.get("delta").and_then(|d| d.get("content")).or_else(|| first.get("text"));
            let text = if is_audio { "" } else { content.and_then(Value::as_str).unwrap_or_default() };
            ChoiceDelta {
                text: text.to_owned(),
                token_ids: first.get("token_ids").and_then(Value::as_array).map(|ids| ids.len() as u64),
                audio: None,
            }
        });
        let usage = message.get("usage").and_then(Value::as_object).filter(|u| !u.is_empty()).map(|u| Usage {
            prompt_tokens: u.get("prompt_tokens").and_then(Value::as_u64),
            completion_tokens: u.get("completion_tokens").and_then(Value::as_u64),
        });
        let error = message.get("error").filter(|e| !e.is_null()).map(error_text);
        StreamEvent { at_s, choice, usage, modality, error }
    }
}

/// The text of an in-stream `error` value: its `message`, else the value as JSON.
fn error_text(error: &Value) -> String {
    match error {
        Value::Object(fields) => match fields.get("message").and_then(Value::as_str) {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => error.to_string(),
        },
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What the first choice of a message carried.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChoiceDelta {
    /// `delta.content` (chat) or `text` (completions); empty for the role-only opening chunk.
    pub text: String,
    /// How many `token_ids` the choice listed, when it listed them.
    pub token_ids: Option<u64>,
    /// The decoded audio of `delta.audio.data`, when it decoded.
    pub audio: Option<AudioChunk>,
}

/// Usage counts a message reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// `usage.prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `usage.completion_tokens`: the running total when `continuous_usage_stats` is on.
    pub completion_tokens: Option<u64>,
}

/// One decoded audio chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AudioChunk {
    /// Frames (samples per channel) in the chunk.
    pub frames: u64,
    /// Its sample format; chunks whose format differs from the first chunk's are dropped, as
    /// vLLM-Omni drops them.
    pub format: AudioFormat,
}

/// A PCM sample format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AudioFormat {
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// Bytes per sample.
    pub sample_width: u16,
}

/// How token timings are derived from a stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenTiming {
    /// `vllm bench serve`: the first message with a choice is the first token, even when its
    /// text is empty (the chat role chunk); each later one adds one ITL entry; usage is read from
    /// choice-less messages only; the request ends at the last message with a choice.
    #[default]
    PerChunk,
    /// vLLM-Omni's chat client with `continuous_usage_stats`: each text message's new tokens are
    /// `completion_tokens − seen`; the first message with new tokens sets TTFT (its extra tokens
    /// are 0 s ITL entries); a later message with `k` new tokens adds `k` entries of
    /// `interval / k`; the request ends at the last message of any kind, and it succeeds unless
    /// an in-stream error arrived. Messages without a `modality` count as text.
    PerToken,
}

/// The outcome of a request sent at `start_s` that received `events` with HTTP 200.
pub fn outcome_from_stream(
    start_s: f64,
    prompt_len: u64,
    events: &[StreamEvent],
    timing: TokenTiming,
) -> RequestOutcome {
    let mut outcome = match timing {
        TokenTiming::PerChunk => per_chunk(start_s, prompt_len, events),
        TokenTiming::PerToken => per_token(start_s, prompt_len, events),
    };
    outcome.audio = audio_outcome(start_s, events);
    outcome
}

fn per_chunk(start_s: f64, prompt_len: u64, events: &[StreamEvent]) -> RequestOutcome {
    let mut outcome = RequestOutcome { prompt_len, start_time_s: start_s, ..RequestOutcome::default() };
    let mut first_token_seen = false;
    let mut most_recent = start_s;
    for event in events {
        if let Some(choice) = &event.choice {
            if first_token_seen {
                outcome.itl_s.push(event.at_s - most_recent);
            } else {
                first_token_seen = true;
                outcome.ttft_s = event.at_s - start_s;
            }
            outcome.generated_text.push_str(&choice.text);
            most_recent = event.at_s;
        } else if let Some(usage) = &event.usage {
            outcome.output_tokens = usage.completion_tokens;
            if let Some(prompt_tokens) = usage.prompt_tokens {
                outcome.prompt_len = prompt_tokens;
            }
        }
    }
    outcome.success = first_token_seen;
    if !first_token_seen {
        outcome.error = NO_VALID_CHUNK.to_owned();
    }
    outcome.latency_s = most_recent - start_s;
    outcome
}

fn per_token(start_s: f64, prompt_len: u64, events: &[StreamEvent]) -> RequestOutcome {
    let mut outcome = RequestOutcome { prompt_len, start_time_s: start_s, ..RequestOutcome::default() };
    let mut tokens = TokenClock { start_s, most_recent_s: start_s, first_token_seen: false };
    let mut completion_seen = 0;
    let mut last_message_s = start_s;
    let mut stream_error = None;
    for event in events {
        last_message_s = event.at_s;
        if let Some(error) = &event.error {
            stream_error = Some(error.clone());
            continue;
        }
        // vLLM-Omni ignores zero counts: the role chunk reports `completion_tokens: 0`.
        let usage = event.usage.unwrap_or_default();
        let completion = usage.completion_tokens.filter(|&n| n > 0);
        if let Some(prompt_tokens) = usage.prompt_tokens.filter(|&n| n > 0) {
            outcome.prompt_len = prompt_tokens;
        }
        if let Some(completion) = completion {
            outcome.output_tokens = Some(outcome.output_tokens.unwrap_or(0).max(completion));
        }
        let Some(choice) = &event.choice else { continue };
        if !matches!(event.modality.as_deref(), None | Some("text")) {
            continue;
        }
        let mut new_tokens = match completion {
            Some(total) if total > completion_seen => {
                let delta = total - completion_seen;
                completion_seen = total;
                delta
            }
            _ => 0,
        };
        if new_tokens == 0
            && let Some(listed) = choice.token_ids.filter(|&n| n > 0)
        {
            new_tokens = listed;
            completion_seen = completion_seen.max(completion.unwrap_or(0));
        }
        if new_tokens == 0 && !choice.text.is_empty() && completion.is_none() {
            new_tokens = 1;
        }
        tokens.record(&mut outcome, event.at_s, new_tokens);
        outcome.generated_text.push_str(&choice.text);
    }
    outcome.latency_s = last_message_s - start_s;
    match stream_error {
        Some(error) => outcome.error = error,
        None => outcome.success = true,
    }
    outcome
}

/// The per-token TTFT/ITL bookkeeping of vLLM-Omni's `_record_text_token_stream_intervals`.
struct TokenClock {
    start_s: f64,
    most_recent_s: f64,
    first_token_seen: bool,
}

impl TokenClock {
    fn record(&mut self, outcome: &mut RequestOutcome, at_s: f64, new_tokens: u64) {
        if new_tokens == 0 {
            return;
        }
        let count = usize::try_from(new_tokens).unwrap_or(usize::MAX);
        if !self.first_token_seen {
            self.first_token_seen = true;
            outcome.ttft_s = at_s - self.start_s;
            // Tokens that arrived together with the first are counted as arriving at once.
            outcome.itl_s.extend(std::iter::repeat_n(0.0, count - 1));
        } else {
            let per_token = (at_s - self.most_recent_s).max(0.0) / new_tokens as f64;
            outcome.itl_s.extend(std::iter::repeat_n(per_token, count));
        }
        self.most_recent_s = at_s;
    }
}

/// vLLM-Omni's audio measurements: first and last `audio` message, and the frames of the
/// chunks that share the first chunk's format.
fn audio_outcome(start_s: f64, events: &[StreamEvent]) -> Option<AudioOutcome> {
    let mut first_s = None;
    let mut last_s = start_s;
    let mut format = None;
    let mut frames = 0u64;
    for event in events.iter().filter(|e| e.error.is_none() && e.modality.as_deref() == Some("audio")) {
        let Some(choice) = &event.choice else { continue };
        first_s.get_or_insert(event.at_s);
        last_s = event.at_s;
        if let Some(chunk) = choice.audio
            && *format.get_or_insert(chunk.format) == chunk.format
        {
            frames += chunk.frames;
        }
    }
    let ttfp_s = first_s? - start_s;
    let sample_rate = format.map_or(0, |f: AudioFormat| f.sample_rate);
    let duration_s = if sample_rate > 0 { frames as f64 / f64::from(sample_rate) } else { 0.0 };
    let rtf = if duration_s > 0.0 { (last_s - start_s) / duration_s } else { 0.0 };
    Some(AudioOutcome { ttfp_s, duration_s, frames, rtf })
}

#[cfg(test)]
mod tests;
