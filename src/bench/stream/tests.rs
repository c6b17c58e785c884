use serde_json::{Value, json};

use super::*;

/// A recorded chat stream from a server with `continuous_usage_stats`: arrival time, then the
/// SSE line. It opens with the role-only chunk, carries 2, 3, 1 and 1 tokens in the next four
/// chunks, and ends with a usage-only chunk and `[DONE]`. The request was sent at 10.0 s.
/// Times are multiples of 1/64 s so that the arithmetic below is exact.
const RECORDED_CHAT_STREAM: &str = r#"
10.25 data: {"id":"chatcmpl-1","object":"chat.completion.chunk","modality":"text","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":{"prompt_tokens":12,"completion_tokens":0,"total_tokens":12}}
10.28125 : ping
10.3125 data: {"id":"chatcmpl-1","object":"chat.completion.chunk","modality":"text","choices":[{"index":0,"delta":{"content":"Hello world"}}],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}
10.375 data: {"id":"chatcmpl-1","object":"chat.completion.chunk","modality":"text","choices":[{"index":0,"delta":{"content":" how are you"}}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}
10.5 data: {"id":"chatcmpl-1","object":"chat.completion.chunk","modality":"text","choices":[{"index":0,"delta":{"content":" today"}}],"usage":{"prompt_tokens":12,"completion_tokens":6,"total_tokens":18}}
10.5625 data: {"id":"chatcmpl-1","object":"chat.completion.chunk","modality":"text","choices":[{"index":0,"delta":{"content":"?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}
10.625 data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}
10.640625 data: [DONE]
"#;

const START_S: f64 = 10.0;

/// The recorded lines as events, skipping comments and `[DONE]` as an SSE reader does.
fn events(recording: &str) -> Vec<StreamEvent> {
    recording
        .lines()
        .filter_map(|line| {
            let (at, sse) = line.split_once(' ')?;
            let data = sse.strip_prefix("data: ")?;
            if data == "[DONE]" {
                return None;
            }
            let message: Value = serde_json::from_str(data).expect("the fixture is valid JSON");
            Some(StreamEvent::from_message(at.parse().expect("the fixture's times are numbers"), &message))
        })
        .collect()
}

#[test]
fn per_chunk_timing_follows_vllm_bench_serve() {
    let outcome = outcome_from_stream(START_S, 10, &events(RECORDED_CHAT_STREAM), TokenTiming::PerChunk);
    assert!(outcome.success);
    // TTFT is the role-only chunk, although it carries no text: 10.25 − 10.0.
    assert_eq!(outcome.ttft_s, 0.25);
    // One gap per later chunk with choices, however many tokens it carried:
    // 10.3125 − 10.25, 10.375 − 10.3125, 10.5 − 10.375, 10.5625 − 10.5.
    assert_eq!(outcome.itl_s, vec![0.0625, 0.0625, 0.125, 0.0625]);
    // The request ends at the last chunk with choices; the usage-only chunk does not count:
    // 10.5625 − 10.0.
    assert_eq!(outcome.latency_s, 0.5625);
    // Usage is read from the choice-less final chunk only.
    assert_eq!(outcome.output_tokens, Some(7));
    assert_eq!(outcome.prompt_len, 12);
    assert_eq!(outcome.generated_text, "Hello world how are you today?");
    assert_eq!(outcome.start_time_s, START_S);
    // vLLM's TPOT for this request: (latency − TTFT) / (tokens − 1) = (0.5625 − 0.25) / 6.
    let tpot = (outcome.latency_s - outcome.ttft_s) / (outcome.counted_output_tokens() - 1) as f64;
    assert_eq!(tpot, 0.3125 / 6.0);
}

#[test]
fn per_token_timing_follows_vllm_omni() {
    let outcome = outcome_from_stream(START_S, 10, &events(RECORDED_CHAT_STREAM), TokenTiming::PerToken);
    assert!(outcome.success);
    // The role chunk reports 0 completion tokens, so the first token is the chunk that brings
    // the count to 2: 10.3125 − 10.0.
    assert_eq!(outcome.ttft_s, 0.3125);
    // Its second token arrived with it: one 0 s entry. Then 3 tokens over 10.375 − 10.3125,
    // 1 token over 10.5 − 10.375, 1 token over 10.5625 − 10.5: one entry per token after the
    // first, 6 in all for 7 tokens.
    let third = 0.0625 / 3.0;
    assert_eq!(outcome.itl_s, vec![0.0, third, third, third, 0.125, 0.0625]);
    // vLLM-Omni ends the request at the last message of any kind, the usage chunk included:
    // 10.625 − 10.0.
    assert_eq!(outcome.latency_s, 0.625);
    assert_eq!(outcome.output_tokens, Some(7));
    assert_eq!(outcome.prompt_len, 12);
    assert_eq!(outcome.generated_text, "Hello world how are you today?");
}

#[test]
fn a_stream_without_choices_fails_as_in_vllm() {
    let only_usage = [StreamEvent {
        at_s: 10.5,
        usage: Some(Usage { prompt_tokens: Some(3), completion_tokens: Some(0) }),
        ..StreamEvent::default()
    }];
    let outcome = outcome_from_stream(START_S, 3, &only_usage, TokenTiming::PerChunk);
    assert!(!outcome.success);
    assert_eq!(outcome.error, NO_VALID_CHUNK);
    assert_eq!(outcome.latency_s, 0.0);
}

#[test]
fn per_token_timing_fails_on_an_in_stream_error() {
    let message = serde_json::json!({"error": {"message": "CUDA out of memory", "code": 500}});
    let events = [StreamEvent::from_message(10.125, &message)];
    let outcome = outcome_from_stream(START_S, 3, &events, TokenTiming::PerToken);
    assert!(!outcome.success);
    assert_eq!(outcome.error, "CUDA out of memory");
    assert_eq!(outcome.latency_s, 0.125);
    // vLLM's own client ignores the event: no choices, so no token, so a failure of its own kind.
    assert_eq!(outcome_from_stream(START_S, 3, &events, TokenTiming::PerChunk).error, NO_VALID_CHUNK);
}

#[test]
fn per_token_timing_falls_back_to_token_ids_and_text() {
    let listed = StreamEvent {
        at_s: 10.25,
        choice: Some(ChoiceDelta { text: "ab".into(), token_ids: Some(2), audio: None }),
        ..StreamEvent::default()
    };
    let unlisted = StreamEvent {
        at_s: 10.5,
        choice: Some(ChoiceDelta { text: "c".into(), ..ChoiceDelta::default() }),
        ..StreamEvent::default()
    };
    let outcome = outcome_from_stream(START_S, 3, &[listed, unlisted], TokenTiming::PerToken);
    // Two listed token ids, then one token for a text chunk without usage.
    assert_eq!(outcome.ttft_s, 0.25);
    assert_eq!(outcome.itl_s, vec![0.0, 0.25]);
    assert_eq!(outcome.output_tokens, None);
}

#[test]
fn audio_is_measured_from_audio_messages() {
    let format = AudioFormat { sample_rate: 24_000, channels: 1, sample_width: 2 };
    let audio = |at_s: f64, frames: u64, format: AudioFormat| StreamEvent {
        at_s,
        choice: Some(ChoiceDelta { audio: Some(AudioChunk { frames, format }), ..ChoiceDelta::default() }),
        modality: Some("audio".into()),
        ..StreamEvent::default()
    };
    let stereo = AudioFormat { channels: 2, ..format };
    let events = [audio(10.5, 12_000, format), audio(10.75, 5_000, stereo), audio(11.0, 12_000, format)];
    let measured = outcome_from_stream(START_S, 3, &events, TokenTiming::PerToken).audio.expect("audio arrived");
    // First audio at 10.5; the stereo chunk differs from the first chunk's format and is dropped;
    // 24,000 frames at 24 kHz are 1 s; RTF = (11.0 − 10.0) / 1.0.
    assert_eq!(measured, AudioOutcome { ttfp_s: 0.5, duration_s: 1.0, frames: 24_000, rtf: 1.0 });
    assert_eq!(outcome_from_stream(START_S, 3, &events[..0], TokenTiming::PerToken).audio, None);
}

/// The recorded stream as its bytes on the wire, each message arriving at its recorded time in
/// reads of at most `size` bytes, put through the load generator's SSE framer and wire parser.
fn through_the_wire(size: usize) -> Vec<StreamEvent> {
    use crate::bench::load::sse::SseFramer;
    let mut framer = SseFramer::new();
    let mut events = Vec::new();
    for line in RECORDED_CHAT_STREAM.lines().filter(|l| !l.is_empty()) {
        let (at, sse) = line.split_once(' ').expect("time, then the SSE line");
        let at: f64 = at.parse().expect("a time");
        let bytes = format!("{sse}\n\n").into_bytes();
        for piece in bytes.chunks(size) {
            framer.push(piece, |message| {
                if message.data != b"[DONE]" {
                    events.push(StreamEvent::parse_wire(at, message.data).expect("valid JSON").event);
                }
            });
        }
    }
    events
}

#[test]
fn the_wire_parser_reads_what_the_value_parser_reads() {
    let by_value = events(RECORDED_CHAT_STREAM);
    assert_eq!(through_the_wire(usize::MAX), by_value);
    let messages = [
        json!({"choices": [{"index": 0, "text": " completion", "token_ids": [5, 6, 7]}], "usage": {}}),
        json!({"choices": [{"delta": {"content": "AAAA"}}], "modality": "audio", "usage": {"completion_tokens": 3}}),
        json!({"choices": [{"delta": {"content": [{"type": "image_url", "image_url": {"url": "data:x"}}]}}], "modality": "image"}),
        json!({"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 9, "total_tokens": 13}}),
        json!({"error": {"message": "boom", "code": 500}}),
        json!({"error": "plain"}),
        json!({"object": "chat.completion.chunk", "usage": null, "choices": [{"delta": {"role": "assistant"}}]}),
    ];
    for message in messages {
        let text = message.to_string();
        let wire = StreamEvent::parse_wire(1.5, text.as_bytes()).unwrap();
        assert_eq!(wire.event, StreamEvent::from_message(1.5, &message), "{text}");
    }
    let audio =
        StreamEvent::parse_wire(0.0, br#"{"choices":[{"delta":{"content":"UklGRg=="}}],"modality":"audio"}"#).unwrap();
    assert_eq!(audio.audio_base64.as_deref(), Some("UklGRg=="));
}

#[test]
fn the_numbers_are_the_same_through_the_wire_in_any_chunking() {
    let by_value = events(RECORDED_CHAT_STREAM);
    for timing in [TokenTiming::PerChunk, TokenTiming::PerToken] {
        let expected = outcome_from_stream(START_S, 10, &by_value, timing);
        for size in [1, 7, 64, 1000] {
            let outcome = outcome_from_stream(START_S, 10, &through_the_wire(size), timing);
            assert_eq!(outcome, expected, "{timing:?}, reads of {size} bytes");
        }
    }
}
