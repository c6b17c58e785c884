//! `send_omni_request`: chat completions with text, audio and image outputs, streamed or not.

use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::Value;

use super::response::{AudioOutput, ErrorContract, OmniResponse};
use super::transport::{self, TransportError};
use super::{Client, OmniRequest, runtime};
use crate::media::{Audio, Frame, data_url, picture, wav};
use crate::outcome::TestError;
use crate::validators;

impl Client {
    /// Sends `request_num` identical requests concurrently and validates every answer at the
    /// client's run level.
    pub fn send_omni_request(&self, request: &OmniRequest, request_num: usize) -> Result<Vec<OmniResponse>, TestError> {
        let body = request.body();
        let format = request.audio_format.clone().unwrap_or_else(|| "wav".to_owned());
        let sends = (0..request_num.max(1)).map(|_| self.omni_once(&body, request.stream, &format));
        let results = runtime::block_on(futures_util::future::join_all(sends));
        let mut responses = Vec::with_capacity(results.len());
        for (i, result) in results.into_iter().enumerate() {
            let response =
                result.map_err(|err| err.context(format!("omni request {}/{}", i + 1, request_num.max(1))))?;
            validators::check_omni(&response, request, self.run_level, self)
                .map_err(|err| err.context(format!("omni request {}/{}", i + 1, request_num.max(1))))?;
            responses.push(response);
        }
        Ok(responses)
    }

    async fn omni_once(&self, body: &Value, stream: bool, format: &str) -> Result<OmniResponse, TestError> {
        let started = Instant::now();
        let url = self.url("/v1/chat/completions");
        let sent = self.http.post(&url).json(body).timeout(self.timeout).send().await;
        let response = sent.map_err(|e| self.explain(TransportError::new("POST", &url, started, &e)))?;
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.bytes().await.unwrap_or_default();
            return Err(status_failure(status, &body));
        }
        let mut parsed = if stream {
            self.read_stream(response, &url, started, format).await?
        } else {
            let http = transport::read(response, "POST", &url, started).await.map_err(|e| self.explain(e))?;
            let json = http
                .json
                .clone()
                .ok_or_else(|| TestError::failure(format!("the answer is not JSON: {}", http.text())))?;
            parse_completion(&json, format)?
        };
        parsed.e2e_latency = started.elapsed();
        Ok(parsed)
    }

    async fn read_stream(
        &self,
        response: reqwest::Response,
        url: &str,
        started: Instant,
        format: &str,
    ) -> Result<OmniResponse, TestError> {
        parse_stream(response.bytes_stream(), format).await.map_err(|failure| match failure {
            StreamFailure::Broken(detail) => self.explain(TransportError::Failed {
                method: "POST".into(),
                url: url.into(),
                elapsed: started.elapsed(),
                detail,
            }),
            StreamFailure::Invalid(err) => err,
        })
    }
}

/// Why a stream could not be read to the end.
pub(crate) enum StreamFailure {
    /// The connection broke: a transport problem the server's state may explain.
    Broken(String),
    /// What arrived is wrong: an error chunk, a truncated stream, undecodable content.
    Invalid(TestError),
}

/// Reads a chat stream: text deltas joined, audio segments decoded and joined, images decoded,
/// usage recorded. An error chunk inside the 200 and a stream that ends without `[DONE]` are
/// failures.
pub(crate) async fn parse_stream<S, B, E>(bytes: S, format: &str) -> Result<OmniResponse, StreamFailure>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut events = bytes.eventsource();
    let mut state = StreamState::default();
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| StreamFailure::Broken(state.broken(&e)))?;
        if state.absorb(&event.data).map_err(StreamFailure::Invalid)?.is_none() {
            break;
        }
    }
    state.finish(format).map_err(StreamFailure::Invalid)
}

/// What a chat stream has delivered so far: text joined, audio segments kept, images decoded,
/// usage and finish reason recorded.
#[derive(Debug, Default)]
pub(crate) struct StreamState {
    out: OmniResponse,
    text: String,
    segments: Vec<String>,
    done: bool,
}

impl StreamState {
    /// Takes one event's data: the chunk, or `None` for `[DONE]`. An error chunk or a chunk
    /// that is not JSON is a failure.
    pub(crate) fn absorb(&mut self, data: &str) -> Result<Option<Value>, TestError> {
        if data == "[DONE]" {
            self.done = true;
            return Ok(None);
        }
        let out = &mut self.out;
        let chunk: Value = serde_json::from_str(data)
            .map_err(|e| TestError::failure(format!("chunk {} is not JSON ({e}): {data}", out.chunks + 1)))?;
        if let Some(error) = chunk.get("error").and_then(|_| ErrorContract::parse(&chunk)) {
            return Err(TestError::failure(format!(
                "error chunk inside a 200 stream after {} chunk(s): {} (type {:?}, code {:?})",
                out.chunks, error.message, error.kind, error.code
            )));
        }
        out.chunks += 1;
        record_usage(out, &chunk);
        let modality = chunk["modality"].as_str().unwrap_or("text");
        for choice in chunk["choices"].as_array().into_iter().flatten() {
            if let Some(reason) = choice["finish_reason"].as_str() {
                out.finish_reason = Some(reason.to_owned());
            }
            match (modality, &choice["delta"]["content"]) {
                ("audio", Value::String(segment)) if !segment.is_empty() => self.segments.push(segment.clone()),
                ("image", Value::Array(items)) => out.images.extend(decode_images(items)?),
                (_, Value::String(piece)) => self.text.push_str(piece),
                _ => {}
            }
        }
        Ok(Some(chunk))
    }

    /// How many chunks arrived.
    pub(crate) fn chunks(&self) -> usize {
        self.out.chunks
    }

    /// The message for a connection that broke now.
    pub(crate) fn broken(&self, err: &dyn std::fmt::Display) -> String {
        format!("the stream broke after {} chunk(s): {err}", self.out.chunks)
    }

    /// The whole answer, once `[DONE]` arrived; without it the stream was truncated.
    pub(crate) fn finish(self, format: &str) -> Result<OmniResponse, TestError> {
        let StreamState { mut out, text, segments, done } = self;
        if !done {
            return Err(TestError::failure(format!(
                "the stream ended without [DONE] after {} chunk(s): truncated",
                out.chunks
            )));
        }
        if !text.is_empty() || out.chunks > 0 && segments.is_empty() && out.images.is_empty() {
            out.text = Some(text);
        }
        if !segments.is_empty() {
            out.audio = Some(decode_segments(&segments, format)?);
        }
        Ok(out)
    }
}

/// A failure for a non-200 answer, quoting the error object.
pub(crate) fn status_failure(status: u16, body: &[u8]) -> TestError {
    let detail = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|json| ErrorContract::parse(&json))
        .map_or_else(|| String::from_utf8_lossy(&body[..body.len().min(2000)]).into_owned(), |e| e.message);
    TestError::failure(format!("the server answered {status}: {detail}"))
}

fn record_usage(out: &mut OmniResponse, value: &Value) {
    let usage = &value["usage"];
    if usage.is_object() {
        out.prompt_tokens = usage["prompt_tokens"].as_u64().or(out.prompt_tokens);
        out.completion_tokens = usage["completion_tokens"].as_u64().or(out.completion_tokens);
        out.cached_tokens = usage["prompt_tokens_details"]["cached_tokens"].as_u64().or(out.cached_tokens);
    }
}

/// Parses vLLM-Omni's non-streaming shape: one choice per output modality.
fn parse_completion(json: &Value, format: &str) -> Result<OmniResponse, TestError> {
    let mut out = OmniResponse::default();
    record_usage(&mut out, json);
    let choices =
        json["choices"].as_array().ok_or_else(|| TestError::failure(format!("no `choices` in the answer: {json}")))?;
    for choice in choices {
        let message = &choice["message"];
        if let Some(reason) = choice["finish_reason"].as_str() {
            out.finish_reason = Some(reason.to_owned());
        }
        match &message["content"] {
            Value::String(text) => {
                out.text = Some(text.clone());
                if !choice["logprobs"].is_null() {
                    out.logprobs = Some(choice["logprobs"].clone());
                }
            }
            Value::Array(items) => out.images.extend(decode_images(items)?),
            _ => {}
        }
        if let Some(data) = message["audio"]["data"].as_str() {
            out.audio = Some(decode_segments(&[data.to_owned()], format)?);
        }
    }
    Ok(out)
}

/// Decodes the images of a content list (`image_url` items with `data:` URLs).
pub(crate) fn decode_images(items: &[Value]) -> Result<Vec<Frame>, TestError> {
    items
        .iter()
        .filter_map(|item| item["image_url"]["url"].as_str())
        .map(|url| {
            let decoded = data_url::decode(url).map_err(|e| TestError::failure(format!("image output: {e}")))?;
            picture::decode_image(&decoded.bytes).map_err(|e| TestError::failure(format!("image output: {e}")))
        })
        .collect()
}

/// Decodes base64 audio segments, each a self-contained file (or raw PCM), and joins them.
pub(crate) fn decode_segments(segments: &[String], format: &str) -> Result<AudioOutput, TestError> {
    let mut joined: Option<Audio> = None;
    for (i, segment) in segments.iter().enumerate() {
        let bytes = BASE64
            .decode(segment.trim())
            .map_err(|e| TestError::failure(format!("audio segment {i}: bad base64 ({e})")))?;
        let audio = match format {
            "pcm" | "pcm16" => wav::decode_pcm16(&bytes, 24_000, 1),
            _ => wav::decode_any(&bytes),
        }
        .map_err(|e| TestError::failure(format!("audio segment {i}: {e}")))?;
        joined = Some(match joined {
            None => audio,
            Some(mut all) => {
                let audio =
                    if audio.sample_rate == all.sample_rate { audio } else { wav::resample(&audio, all.sample_rate) };
                all.samples.extend(audio.samples);
                all
            }
        });
    }
    let audio = joined.ok_or_else(|| TestError::failure("no audio segments"))?;
    Ok(AudioOutput { audio, segments: segments.len(), format: format.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::speech;

    fn parse(recorded: &str) -> Result<OmniResponse, String> {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            recorded.as_bytes().chunks(7).map(|c| Ok(c.to_vec())).collect();
        let runtime = tokio::runtime::Builder::new_current_thread().build().map_err(|e| e.to_string())?;
        runtime.block_on(parse_stream(futures_util::stream::iter(chunks), "wav")).map_err(|failure| match failure {
            StreamFailure::Broken(detail) => format!("broken: {detail}"),
            StreamFailure::Invalid(err) => err.message().to_owned(),
        })
    }

    fn chunk(modality: &str, content: &str) -> String {
        format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{content}}}}}],\"modality\":\"{modality}\"}}\n\n"
        )
    }

    #[test]
    fn a_recorded_omni_stream_gives_text_and_joined_audio() {
        let audio = speech::synthesize("Hi there.", &speech::voice("ethan"), 24_000, 1.0);
        let halves = crate::mock::content::chunk_audio(&audio, audio.duration_s() / 2.0 + 0.01);
        let mut recorded = String::from(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"modality\":\"text\"}\n\n",
        );
        recorded += &chunk("text", "\"Hi\"");
        recorded += &chunk("text", "\" there.\"");
        for half in &halves {
            recorded += &chunk("audio", &format!("\"{}\"", BASE64.encode(wav::encode_wav(half))));
        }
        recorded += "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\ndata: [DONE]\n\n";
        let response = parse(&recorded).unwrap();
        assert_eq!(response.text.as_deref(), Some("Hi there."));
        let out = response.audio.unwrap();
        assert_eq!((out.segments, out.audio.frames()), (2, audio.frames()));
        assert_eq!(speech::recognize(&out.audio).as_deref(), Some("Hi there."));
        assert_eq!((response.prompt_tokens, response.completion_tokens), (Some(3), Some(2)));
    }

    #[test]
    fn an_error_chunk_inside_a_200_stream_is_a_failure() {
        let recorded = chunk("text", "\"Hi\"")
            + "data: {\"error\":{\"message\":\"EngineCore died\",\"type\":\"InternalServerError\",\"code\":500}}\n\ndata: [DONE]\n\n";
        let message = parse(&recorded).unwrap_err();
        assert!(message.starts_with("error chunk inside a 200 stream after 1 chunk(s): EngineCore died"), "{message}");
    }

    #[test]
    fn a_stream_without_done_is_truncated() {
        let message = parse(&(chunk("text", "\"Hi\"") + &chunk("text", "\" there\""))).unwrap_err();
        assert_eq!(message, "the stream ended without [DONE] after 2 chunk(s): truncated");
    }
}
