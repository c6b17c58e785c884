//! `send_audio_speech_request`: whole files, raw chunked streams and SSE.

use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::Value;

use super::response::{ErrorContract, SpeechResponse};
use super::transport::{TransportError, content_type};
use super::{Client, SpeechMode, SpeechRequest, runtime};
use crate::media::{Audio, wav};
use crate::outcome::TestError;
use crate::validators;

impl Client {
    /// Sends `request_num` identical speech requests concurrently and validates each answer at
    /// the run level (or against the expected error).
    pub fn send_audio_speech_request(
        &self,
        request: &SpeechRequest,
        request_num: usize,
    ) -> Result<Vec<SpeechResponse>, TestError> {
        if request.expect_status.is_some() && request_num > 1 {
            return Err(TestError::harness("an expected-error speech request must be sent once (request_num = 1)"));
        }
        let sends = (0..request_num.max(1)).map(|_| self.speech_once(request));
        let results = runtime::block_on(futures_util::future::join_all(sends));
        let mut responses = Vec::with_capacity(results.len());
        for (i, result) in results.into_iter().enumerate() {
            let context = format!("speech request {}/{}", i + 1, request_num.max(1));
            let response = result.map_err(|err| err.context(&context))?;
            validators::check_speech(&response, request, self.run_level, self).map_err(|err| err.context(&context))?;
            responses.push(response);
        }
        Ok(responses)
    }

    async fn speech_once(&self, request: &SpeechRequest) -> Result<SpeechResponse, TestError> {
        let started = Instant::now();
        let url = self.url("/v1/audio/speech");
        let sent = self.http.post(&url).json(&request.body()).timeout(self.timeout).send().await;
        let response = sent.map_err(|e| self.explain(TransportError::new("POST", &url, started, &e)))?;
        let status = response.status().as_u16();
        let mut out = SpeechResponse { status, content_type: content_type(&response), ..SpeechResponse::default() };
        let broke = |err: reqwest::Error, chunks: usize| {
            self.explain(TransportError::Failed {
                method: "POST".into(),
                url: url.clone(),
                elapsed: started.elapsed(),
                detail: format!("the stream broke after {chunks} chunk(s): {err}"),
            })
        };
        if status != 200 || request.mode != SpeechMode::Sse {
            let mut stream = response.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| broke(e, out.chunks))?;
                if !chunk.is_empty() {
                    out.time_to_first_audio.get_or_insert_with(|| started.elapsed());
                    out.chunks += 1;
                }
                out.bytes.extend_from_slice(&chunk);
            }
        } else {
            let mut segments = Vec::new();
            let mut events = response.bytes_stream().eventsource();
            let mut done = false;
            while let Some(event) = events.next().await {
                let event = event.map_err(|e| {
                    TestError::failure(format!("the SSE stream broke after {} event(s): {e}", out.chunks))
                })?;
                let data: Value = serde_json::from_str(&event.data).map_err(|e| {
                    TestError::failure(format!("event {} is not JSON ({e}): {}", out.chunks + 1, event.data))
                })?;
                match event.event.as_str() {
                    "speech.audio.delta" => {
                        let chunk = BASE64.decode(data["audio"].as_str().unwrap_or_default()).map_err(|e| {
                            TestError::failure(format!("speech.audio.delta {}: bad base64 ({e})", out.chunks + 1))
                        })?;
                        out.time_to_first_audio.get_or_insert_with(|| started.elapsed());
                        out.chunks += 1;
                        out.bytes.extend_from_slice(&chunk);
                        segments.push(chunk);
                    }
                    "speech.audio.done" => done = true,
                    "speech.audio.error" => {
                        return Err(TestError::failure(format!("speech.audio.error event: {}", data["error"])));
                    }
                    other => {
                        return Err(TestError::failure(format!("unexpected SSE event `{other}`: {}", event.data)));
                    }
                }
            }
            if !done {
                return Err(TestError::failure(format!(
                    "the SSE stream ended without speech.audio.done after {} event(s)",
                    out.chunks
                )));
            }
            out.e2e_latency = started.elapsed();
            out.audio = Some(decode_segments(&segments, request).map_err(|e| e.context("decoding the speech"))?);
            return Ok(out);
        }
        out.e2e_latency = started.elapsed();
        if status == 200 {
            out.audio = Some(
                decode_segments(std::slice::from_ref(&out.bytes), request)
                    .map_err(|e| e.context("decoding the speech"))?,
            );
        } else {
            out.error = serde_json::from_slice::<Value>(&out.bytes).ok().and_then(|json| ErrorContract::parse(&json));
        }
        Ok(out)
    }
}

/// Decodes speech in the format the request asked for: raw PCM is headerless 24 kHz mono and
/// may be cut anywhere, so its segments are joined first; WAV and FLAC segments (SSE events)
/// are each a whole file.
fn decode_segments(segments: &[Vec<u8>], request: &SpeechRequest) -> Result<Audio, TestError> {
    let format = request.response_format.as_deref().unwrap_or("wav");
    if format == "pcm" {
        return wav::decode_pcm16(&segments.concat(), 24_000, 1)
            .map_err(|e| TestError::failure(format!("pcm audio: {e}")));
    }
    let mut joined: Option<Audio> = None;
    for (i, bytes) in segments.iter().enumerate() {
        let audio =
            wav::decode_any(bytes).map_err(|e| TestError::failure(format!("{format} audio, segment {i}: {e}")))?;
        match &mut joined {
            None => joined = Some(audio),
            Some(all) => all.samples.extend(wav::resample(&audio, all.sample_rate).samples),
        }
    }
    joined.ok_or_else(|| TestError::failure("no audio in the answer"))
}
