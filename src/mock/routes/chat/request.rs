//! A chat request, validated as vLLM-Omni validates it.

use serde_json::{Map, Value};

use crate::mock::errors::ApiError;
use crate::mock::profile::{Modality, Profile};
use crate::mock::validate::{Fields, parse_object};

/// The audio encodings a response can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioFormat {
    /// A WAV file per segment.
    Wav,
    /// Raw 16-bit little-endian PCM.
    Pcm,
    /// A FLAC file per segment.
    Flac,
}

impl AudioFormat {
    /// Parses vLLM-Omni's `audio.format` / `response_format` values.
    pub fn parse(value: &str) -> Result<AudioFormat, ApiError> {
        match value {
            "wav" => Ok(AudioFormat::Wav),
            "pcm" | "pcm16" => Ok(AudioFormat::Pcm),
            "flac" => Ok(AudioFormat::Flac),
            "mp3" | "opus" | "aac" => Err(ApiError::bad_request(format!(
                "Audio format `{value}` is valid for vLLM-Omni but the omnitest mock encodes only wav, pcm and flac"
            ))),
            other => Err(ApiError::bad_request(format!(
                "Invalid audio format: {other}. Supported formats: wav, pcm, flac, mp3, opus, pcm16"
            ))),
        }
    }

    /// The MIME type of one encoded segment.
    pub fn mime(self) -> &'static str {
        match self {
            AudioFormat::Wav => "audio/wav",
            AudioFormat::Pcm => "audio/pcm",
            AudioFormat::Flac => "audio/flac",
        }
    }
}

/// One piece of a message's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Text.
    Text(String),
    /// An image URL (a `data:` URL for the mock).
    Image(String),
    /// An audio URL.
    Audio(String),
    /// A video URL.
    Video(String),
    /// OpenAI's `input_audio`: base64 data and its format.
    InputAudio {
        /// Base64 audio.
        data: String,
        /// Its format (`wav`, `mp3`, …).
        format: String,
    },
}

/// A chat message.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// `system`, `user`, `assistant`, `tool` or `developer`.
    pub role: String,
    /// The content parts.
    pub parts: Vec<Part>,
}

/// Diffusion parameters carried by chat requests for image models.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageParams {
    /// Output height.
    pub height: Option<u32>,
    /// Output width.
    pub width: Option<u32>,
    /// Denoising steps.
    pub steps: Option<u32>,
    /// Images per prompt.
    pub outputs: Option<u32>,
    /// The seed.
    pub seed: Option<u64>,
}

/// A validated chat request.
#[derive(Clone, Debug)]
pub struct ChatRequest {
    /// The model as named in the request, if it was.
    pub model: Option<String>,
    /// The messages.
    pub messages: Vec<Message>,
    /// Streamed or not.
    pub stream: bool,
    /// A final usage chunk.
    pub include_usage: bool,
    /// Usage on every chunk.
    pub continuous_usage: bool,
    /// The requested output modalities.
    pub modalities: Vec<Modality>,
    /// The audio encoding.
    pub audio_format: AudioFormat,
    /// The talker's voice.
    pub speaker: Option<String>,
    /// The token limit.
    pub max_tokens: Option<usize>,
    /// Generate exactly `max_tokens`.
    pub ignore_eos: bool,
    /// The sampling seed.
    pub seed: Option<u64>,
    /// Log probabilities.
    pub logprobs: bool,
    /// How many alternatives per token.
    pub top_logprobs: u32,
    /// Diffusion parameters.
    pub image: ImageParams,
}

impl ChatRequest {
    /// Parses and validates a body for `profile`.
    pub fn parse(bytes: &[u8], profile: Profile) -> Result<ChatRequest, ApiError> {
        let body = parse_object(bytes)?;
        let mut f = Fields::new(&body);
        let model = f.string("model", false).map(str::to_owned);
        let raw_messages = f.required_list("messages").cloned();
        let stream = f.bool("stream").unwrap_or(false);
        let stream_options = f.object("stream_options").cloned();
        let max_tokens = f.unsigned("max_completion_tokens").or_else(|| f.unsigned("max_tokens"));
        f.float("temperature");
        f.float("top_p");
        let ignore_eos = f.bool("ignore_eos").unwrap_or(false);
        let seed = f.unsigned("seed");
        let logprobs = f.bool("logprobs").unwrap_or(false);
        let top_logprobs = f.unsigned("top_logprobs");
        let speaker = f.string("speaker", false).map(str::to_owned);
        let modalities = f.strings("modalities");
        let audio = f.object("audio").cloned();
        let response_format = f.object("response_format").cloned();
        let stage_params = body.get("sampling_params_list").cloned();
        let image = ImageParams {
            height: f.unsigned("height").map(|v| v as u32),
            width: f.unsigned("width").map(|v| v as u32),
            steps: f.unsigned("num_inference_steps").map(|v| v as u32),
            outputs: f.unsigned("num_outputs_per_prompt").map(|v| v as u32),
            seed,
        };
        if let Some(n) = f.unsigned("n")
            && n != 1
        {
            f.reject("n", "less_than_equal", "the omnitest mock generates one choice per request (n = 1)");
        }
        f.finish()?;

        if top_logprobs.is_some_and(|n| n > 0) && !logprobs {
            return Err(ApiError::bad_request("when using `top_logprobs`, `logprobs` must be set to true.")
                .with_param("top_logprobs"));
        }
        if let Some(format) = response_format
            && format.get("type").and_then(Value::as_str) == Some("json_schema")
            && !format.get("json_schema").is_some_and(Value::is_object)
        {
            return Err(ApiError::bad_request(
                "When response_format type is 'json_schema', 'json_schema' must be provided.",
            )
            .with_param("response_format"));
        }
        let audio_format = match audio.as_ref().and_then(|a| a.get("format")) {
            None | Some(Value::Null) => AudioFormat::Wav,
            Some(Value::String(format)) => AudioFormat::parse(format)?,
            Some(other) => {
                return Err(ApiError::bad_request(format!("Invalid audio format: {other}")));
            }
        };
        // vLLM-Omni's per-stage sampling parameters: the thinker's (stage 0) decide how much
        // text is generated, over the top-level fields.
        let thinker = stage_sampling(stage_params.as_ref())?;
        let max_tokens = thinker.max_tokens.or(max_tokens);
        let ignore_eos = thinker.ignore_eos.unwrap_or(ignore_eos);
        let seed = thinker.seed.or(seed);
        let messages = parse_messages(raw_messages.unwrap_or_default())?;
        let modalities = match modalities {
            None => profile.default_chat_outputs().to_vec(),
            Some(names) => parse_modalities(&names, profile)?,
        };
        let usage =
            |key: &str| stream_options.as_ref().and_then(|o| o.get(key)).and_then(Value::as_bool).unwrap_or(false);
        Ok(ChatRequest {
            model,
            messages,
            stream,
            include_usage: usage("include_usage"),
            continuous_usage: usage("continuous_usage_stats"),
            modalities,
            audio_format,
            speaker,
            max_tokens: max_tokens.map(|n| n as usize),
            ignore_eos,
            seed,
            logprobs,
            top_logprobs: top_logprobs.unwrap_or(0) as u32,
            image,
        })
    }

    /// All text of the user-side messages, for prompts and token counts.
    pub fn prompt_text(&self) -> String {
        let mut text = String::new();
        for message in &self.messages {
            for part in &message.parts {
                if let Part::Text(t) = part {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(t);
                }
            }
        }
        text
    }

    /// The last user message's text, the prompt a diffusion model draws.
    pub fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == "user")
            .map(|m| {
                m.parts
                    .iter()
                    .filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }
}

/// The sampling fields of one stage's entry in `sampling_params_list` that the mock acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageSampling {
    /// `max_tokens`.
    pub max_tokens: Option<u64>,
    /// `ignore_eos`.
    pub ignore_eos: Option<bool>,
    /// `seed`.
    pub seed: Option<u64>,
}

/// Reads stage 0 (the thinker) of `sampling_params_list`, checking that every entry is an
/// object whose typed fields have their types, as vLLM-Omni builds a `SamplingParams` per stage.
fn stage_sampling(list: Option<&Value>) -> Result<StageSampling, ApiError> {
    let entries = match list {
        None | Some(Value::Null) => return Ok(StageSampling::default()),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "sampling_params_list: Input should be a valid list, found {other}"
            ))
            .with_param("sampling_params_list"));
        }
    };
    let mut thinker = StageSampling::default();
    for (stage, entry) in entries.iter().enumerate() {
        let Value::Object(entry) = entry else {
            return Err(ApiError::bad_request(format!(
                "sampling_params_list.{stage}: Input should be a valid dictionary, found {entry}"
            ))
            .with_param("sampling_params_list"));
        };
        let mut f = Fields::new(entry);
        let max_tokens = f.unsigned("max_tokens");
        let ignore_eos = f.bool("ignore_eos");
        let seed = f.unsigned("seed");
        for name in ["temperature", "top_p", "repetition_penalty"] {
            f.float(name);
        }
        f.finish().map_err(|err| err.with_param("sampling_params_list"))?;
        if max_tokens == Some(0) {
            return Err(ApiError::bad_request(format!(
                "sampling_params_list.{stage}.max_tokens: max_tokens must be at least 1, got 0"
            ))
            .with_param("sampling_params_list"));
        }
        if stage == 0 {
            thinker = StageSampling { max_tokens, ignore_eos, seed };
        }
    }
    Ok(thinker)
}

fn parse_modalities(names: &[String], profile: Profile) -> Result<Vec<Modality>, ApiError> {
    let supported = profile.chat_outputs();
    let mut modalities = Vec::new();
    for name in names {
        let modality = supported
            .iter()
            .copied()
            .find(|m| serde_json::to_value(m).ok().as_ref().and_then(Value::as_str) == Some(name));
        match modality {
            Some(m) if !modalities.contains(&m) => modalities.push(m),
            Some(_) => {}
            None => {
                let list: Vec<String> = supported
                    .iter()
                    .filter_map(|m| serde_json::to_value(m).ok()?.as_str().map(str::to_owned))
                    .collect();
                return Err(ApiError::bad_request(format!(
                    "Unsupported output modality `{name}`: the model outputs {}",
                    if list.is_empty() { "nothing through chat".to_owned() } else { list.join(", ") }
                ))
                .with_param("modalities"));
            }
        }
    }
    // Keep the model's output order (text before audio) whatever order was asked.
    modalities.sort_by_key(|m| supported.iter().position(|s| s == m));
    Ok(modalities)
}

fn parse_messages(raw: Vec<Value>) -> Result<Vec<Message>, ApiError> {
    let mut messages = Vec::with_capacity(raw.len());
    for (i, item) in raw.into_iter().enumerate() {
        let Value::Object(object) = item else {
            return Err(ApiError::bad_request(format!("messages.{i}: expected an object")));
        };
        let role = match object.get("role") {
            Some(Value::String(role))
                if ["system", "user", "assistant", "tool", "developer"].contains(&role.as_str()) =>
            {
                role.clone()
            }
            Some(other) => {
                return Err(ApiError::bad_request(format!("messages.{i}.role: invalid role {other}")));
            }
            None => {
                return Err(ApiError::bad_request(format!("messages.{i}.role: Field required")));
            }
        };
        let parts = parse_content(&object, i)?;
        messages.push(Message { role, parts });
    }
    Ok(messages)
}

fn parse_content(message: &Map<String, Value>, index: usize) -> Result<Vec<Part>, ApiError> {
    match message.get("content") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) => Ok(vec![Part::Text(text.clone())]),
        Some(Value::Array(items)) => items.iter().enumerate().map(|(j, item)| parse_part(item, index, j)).collect(),
        Some(other) => {
            Err(ApiError::bad_request(format!("messages.{index}.content: expected a string or a list, found {other}")))
        }
    }
}

fn parse_part(item: &Value, message: usize, index: usize) -> Result<Part, ApiError> {
    let at = format!("messages.{message}.content.{index}");
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request(format!("{at}.type: Field required")))?;
    let url = |key: &str| {
        item.get(key)
            .and_then(|v| v.get("url").or(Some(v)).and_then(Value::as_str))
            .map(str::to_owned)
            .ok_or_else(|| ApiError::bad_request(format!("{at}.{key}.url: Field required")))
    };
    match kind {
        "text" => item
            .get("text")
            .and_then(Value::as_str)
            .map(|t| Part::Text(t.to_owned()))
            .ok_or_else(|| ApiError::bad_request(format!("{at}.text: Field required"))),
        "image_url" => url("image_url").map(Part::Image),
        "audio_url" => url("audio_url").map(Part::Audio),
        "video_url" => url("video_url").map(Part::Video),
        "input_audio" => {
            let audio = item.get("input_audio");
            let field = |k: &str| audio.and_then(|a| a.get(k)).and_then(Value::as_str).map(str::to_owned);
            match (field("data"), field("format")) {
                (Some(data), Some(format)) => Ok(Part::InputAudio { data, format }),
                _ => Err(ApiError::bad_request(format!("{at}.input_audio: expected data and format"))),
            }
        }
        other => Err(ApiError::bad_request(format!(
            "{at}.type: unknown content part type `{other}` (expected text, image_url, audio_url, video_url or input_audio)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<ChatRequest, ApiError> {
        ChatRequest::parse(body.as_bytes(), Profile::Qwen3Omni)
    }

    #[test]
    fn parses_an_omni_request() {
        let request = parse(
            r#"{"model":"m","stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true},
                "modalities":["audio","text"],"speaker":"ethan","audio":{"format":"pcm16"},
                "messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]}"#,
        )
        .unwrap();
        assert!(request.stream && request.include_usage && request.continuous_usage);
        assert_eq!(request.modalities, [Modality::Text, Modality::Audio]);
        assert_eq!(request.audio_format, AudioFormat::Pcm);
        assert_eq!(request.messages[0].parts[1], Part::Image("data:image/png;base64,AA==".into()));
    }

    #[test]
    fn the_thinker_stage_of_sampling_params_list_wins() {
        let request = parse(
            r#"{"messages":[],"max_tokens":9,"sampling_params_list":[{"max_tokens":64,"ignore_eos":true,"seed":7,"top_p":0.9},{"max_tokens":2}]}"#,
        )
        .unwrap();
        assert_eq!((request.max_tokens, request.ignore_eos, request.seed), (Some(64), true, Some(7)));
        let talker_only =
            parse(r#"{"messages":[],"max_tokens":9,"sampling_params_list":[{},{"max_tokens":2}]}"#).unwrap();
        assert_eq!((talker_only.max_tokens, talker_only.ignore_eos), (Some(9), false));
    }

    #[test]
    fn malformed_sampling_params_lists_are_400s() {
        for body in [
            r#"{"messages":[],"sampling_params_list":{"max_tokens":4}}"#,
            r#"{"messages":[],"sampling_params_list":[4]}"#,
            r#"{"messages":[],"sampling_params_list":[{"max_tokens":"many"}]}"#,
            r#"{"messages":[],"sampling_params_list":[{"max_tokens":0}]}"#,
        ] {
            let err = parse(body).unwrap_err();
            assert_eq!(err.status().as_u16(), 400, "{body}");
            assert_eq!(err.body()["error"]["param"], "sampling_params_list", "{body}");
        }
    }

    #[test]
    fn rejects_what_vllm_rejects() {
        let status = |body: &str| parse(body).unwrap_err().status().as_u16();
        assert_eq!(status(r#"{"model":"m"}"#), 400);
        assert_eq!(status(r#"{"messages":[],"audio":{"format":"ogg"}}"#), 400);
        assert_eq!(status(r#"{"messages":[],"top_logprobs":2}"#), 400);
        assert_eq!(status(r#"{"messages":[],"modalities":["image"]}"#), 400);
        assert_eq!(status(r#"{"messages":[],"response_format":{"type":"json_schema"}}"#), 400);
        assert_eq!(status(r#"{"messages":[{"role":"user","content":[{"type":"hologram"}]}]}"#), 400);
        let message =
            parse(r#"{"messages":[],"audio":{"format":"ogg"}}"#).unwrap_err().body()["error"]["message"].clone();
        assert!(message.as_str().unwrap().starts_with("Invalid audio format: ogg"));
    }
}
