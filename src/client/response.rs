//! What the client returns: parsed responses with the media decoded, ready for validation.

use std::time::Duration;

use serde_json::Value;

use crate::media::video::VideoInfo;
use crate::media::{Audio, Frame};

/// How an error object was laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{"error": {"message", "type", "param", "code"}}` (current vLLM, OpenAI).
    Nested,
    /// `{"object": "error", "message", …}` (older vLLM, SGLang).
    Flat,
    /// FastAPI's `{"detail": …}`.
    Detail,
}

/// An OpenAI-style error object, whichever shape it came in.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorContract {
    /// Which shape the server used.
    pub shape: ErrorShape,
    /// `message` (or `detail` rendered as text).
    pub message: String,
    /// `type`.
    pub kind: Option<String>,
    /// `code` (vLLM: the HTTP status as an integer; OpenAI: a string).
    pub code: Option<Value>,
    /// `param`.
    pub param: Option<String>,
}

impl ErrorContract {
    /// Parses an error body in any of the three shapes; `None` when it is not an error object
    /// with a string message.
    pub fn parse(body: &Value) -> Option<ErrorContract> {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        if let Some(error) = body.get("error").filter(|e| e.is_object()) {
            return Some(ErrorContract {
                shape: ErrorShape::Nested,
                message: text(error.get("message")?)?,
                kind: error.get("type").and_then(text),
                code: error.get("code").cloned().filter(|c| !c.is_null()),
                param: error.get("param").and_then(text),
            });
        }
        if body.get("object").and_then(Value::as_str) == Some("error")
            || (body.get("message").is_some() && body.get("type").is_some())
        {
            return Some(ErrorContract {
                shape: ErrorShape::Flat,
                message: text(body.get("message")?)?,
                kind: body.get("type").and_then(text),
                code: body.get("code").cloned().filter(|c| !c.is_null()),
                param: body.get("param").and_then(text),
            });
        }
        let detail = body.get("detail")?;
        Some(ErrorContract {
            shape: ErrorShape::Detail,
            message: detail.as_str().map_or_else(|| detail.to_string(), str::to_owned),
            kind: None,
            code: None,
            param: None,
        })
    }
}

/// A raw HTTP answer.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// The status.
    pub status: u16,
    /// The `content-type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
    /// The body as JSON, when it is JSON.
    pub json: Option<Value>,
    /// How long the request took.
    pub elapsed: Duration,
}

impl HttpResponse {
    /// Whether the status is 2xx.
    pub fn success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error object in the body, if any.
    pub fn error(&self) -> Option<ErrorContract> {
        self.json.as_ref().and_then(ErrorContract::parse)
    }

    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Audio returned by a server, decoded.
#[derive(Clone, Debug)]
pub struct AudioOutput {
    /// The concatenated audio.
    pub audio: Audio,
    /// How many segments (stream chunks) it came in.
    pub segments: usize,
    /// The encoding (`wav`, `pcm`, `flac`).
    pub format: String,
}

/// One answer of `send_omni_request`.
#[derive(Clone, Debug, Default)]
pub struct OmniResponse {
    /// The text output.
    pub text: Option<String>,
    /// The audio output.
    pub audio: Option<AudioOutput>,
    /// Image outputs.
    pub images: Vec<Frame>,
    /// The finish reason of the last choice.
    pub finish_reason: Option<String>,
    /// `usage.prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `usage.completion_tokens`.
    pub completion_tokens: Option<u64>,
    /// `usage.prompt_tokens_details.cached_tokens`.
    pub cached_tokens: Option<u64>,
    /// `choices[0].logprobs` of the text choice.
    pub logprobs: Option<Value>,
    /// How many SSE chunks arrived (streaming).
    pub chunks: usize,
    /// From sending to the end of the answer.
    pub e2e_latency: Duration,
}

/// One answer of `send_audio_speech_request`.
#[derive(Clone, Debug, Default)]
pub struct SpeechResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `content-type`.
    pub content_type: String,
    /// The audio bytes as received (concatenated for streams).
    pub bytes: Vec<u8>,
    /// The decoded audio.
    pub audio: Option<Audio>,
    /// The error object, for an error answer.
    pub error: Option<ErrorContract>,
    /// How many chunks or events carried audio.
    pub chunks: usize,
    /// From sending to the first audio bytes.
    pub time_to_first_audio: Option<Duration>,
    /// From sending to the end.
    pub e2e_latency: Duration,
}

/// A video a server returned.
#[derive(Clone, Debug)]
pub struct VideoOutput {
    /// The MP4 bytes.
    pub bytes: Vec<u8>,
    /// What probing found.
    pub info: VideoInfo,
}

/// One answer of `send_diffusion_request` or the video job flow.
#[derive(Clone, Debug, Default)]
pub struct DiffusionResponse {
    /// Text, when the model also wrote some.
    pub text: Option<String>,
    /// Images, decoded.
    pub images: Vec<Frame>,
    /// Audio outputs (text-to-audio models through chat).
    pub audios: Vec<Audio>,
    /// Videos.
    pub videos: Vec<VideoOutput>,
    /// From sending (for jobs: from the accepted POST) to completion.
    pub e2e_latency: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_three_error_shapes() {
        let nested = ErrorContract::parse(
            &json!({"error": {"message": "boom", "type": "InternalServerError", "param": null, "code": 500}}),
        )
        .unwrap();
        assert_eq!((nested.shape, nested.code.clone()), (ErrorShape::Nested, Some(json!(500))));
        let flat =
            ErrorContract::parse(&json!({"object": "error", "message": "boom", "type": "x", "code": 500})).unwrap();
        assert_eq!(flat.shape, ErrorShape::Flat);
        let detail = ErrorContract::parse(&json!({"detail": "Not Found"})).unwrap();
        assert_eq!((detail.shape, detail.message.as_str()), (ErrorShape::Detail, "Not Found"));
        assert!(ErrorContract::parse(&json!({"error": {"message": 5}})).is_none());
        assert!(ErrorContract::parse(&json!({"choices": []})).is_none());
    }
}
