//! Requests the client sends, built fluently: messages with media parts, keyword expectations,
//! and the per-request options of the seed's `request_config` dicts.

use serde_json::{Map, Value, json};

/// Chat messages with text and media parts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Messages {
    messages: Vec<Value>,
}

impl Messages {
    /// One user message with `text` (media parts are added before the text, as the seed does).
    pub fn user(text: impl Into<String>) -> Messages {
        Messages { messages: vec![json!({"role": "user", "content": [{"type": "text", "text": text.into()}]})] }
    }

    /// Prepends a system message.
    #[must_use]
    pub fn system(mut self, text: impl Into<String>) -> Messages {
        self.messages.insert(0, json!({"role": "system", "content": [{"type": "text", "text": text.into()}]}));
        self
    }

    fn push_part(mut self, part: Value) -> Messages {
        if let Some(content) = self.messages.last_mut().and_then(|m| m["content"].as_array_mut()) {
            let at = content.len().saturating_sub(1);
            content.insert(at, part);
        }
        self
    }

    /// Adds an image (a `data:` URL) to the last message.
    #[must_use]
    pub fn image(self, data_url: impl Into<String>) -> Messages {
        self.push_part(json!({"type": "image_url", "image_url": {"url": data_url.into()}}))
    }

    /// Adds an audio clip (a `data:` URL).
    #[must_use]
    pub fn audio(self, data_url: impl Into<String>) -> Messages {
        self.push_part(json!({"type": "audio_url", "audio_url": {"url": data_url.into()}}))
    }

    /// Adds a video (a `data:` URL).
    #[must_use]
    pub fn video(self, data_url: impl Into<String>) -> Messages {
        self.push_part(json!({"type": "video_url", "video_url": {"url": data_url.into()}}))
    }

    /// The messages as JSON.
    pub fn to_json(&self) -> Value {
        Value::Array(self.messages.clone())
    }

    /// The text of every part, joined (for validation messages).
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        for message in &self.messages {
            for part in message["content"].as_array().into_iter().flatten() {
                if let Some(text) = part["text"].as_str() {
                    parts.push(text.to_owned());
                }
            }
        }
        parts.join("\n")
    }
}

/// The seed's `key_words`: for each input modality, words of which at least one must appear in
/// the answer (or its transcript). The key is only a label; every list is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyWords {
    /// `(label, words)`, in insertion order.
    pub groups: Vec<(String, Vec<String>)>,
}

impl KeyWords {
    fn with(mut self, label: &str, words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        self.groups.push((label.to_owned(), words.into_iter().map(Into::into).collect()));
        self
    }

    /// Words about the audio input.
    pub fn audio(words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        KeyWords::default().with("audio", words)
    }

    /// Words about the image input.
    pub fn image(words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        KeyWords::default().with("image", words)
    }

    /// Words about the video input.
    pub fn video(words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        KeyWords::default().with("video", words)
    }

    /// Words about the text.
    pub fn text(words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        KeyWords::default().with("text", words)
    }

    /// Adds audio words.
    #[must_use]
    pub fn and_audio(self, words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        self.with("audio", words)
    }

    /// Adds image words.
    #[must_use]
    pub fn and_image(self, words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        self.with("image", words)
    }

    /// Adds video words.
    #[must_use]
    pub fn and_video(self, words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        self.with("video", words)
    }

    /// Adds text words.
    #[must_use]
    pub fn and_text(self, words: impl IntoIterator<Item = impl Into<String>>) -> KeyWords {
        self.with("text", words)
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// An output modality of a chat request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modality {
    /// Text.
    Text,
    /// Audio.
    Audio,
    /// Image.
    Image,
}

impl Modality {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Modality::Text => "text",
            Modality::Audio => "audio",
            Modality::Image => "image",
        }
    }
}

/// A chat request to an omni model (`send_omni_request`).
#[derive(Clone, Debug, PartialEq)]
pub struct OmniRequest {
    /// The model.
    pub model: String,
    /// The messages.
    pub messages: Messages,
    /// Streamed or not.
    pub stream: bool,
    /// Requested outputs; the seed's default is text and audio.
    pub modalities: Vec<Modality>,
    /// Keyword expectations (checked at advanced_model and full_model).
    pub key_words: KeyWords,
    /// The talker's voice.
    pub speaker: Option<String>,
    /// The audio encoding of audio outputs (`wav` by default).
    pub audio_format: Option<String>,
    /// `max_tokens`.
    pub max_tokens: Option<u32>,
    /// Minimum text-vs-transcript similarity (0.8 by default, as the seed).
    pub similarity_threshold: f64,
    /// Expected transcript of the audio output, compared like the text.
    pub audio_ref_text: Option<String>,
    /// Extra fields merged into the body root (the SDK's `extra_body`).
    pub extra_body: Map<String, Value>,
}

impl OmniRequest {
    /// A request for `model` with `messages`: text and audio out, not streamed.
    pub fn new(model: impl Into<String>, messages: Messages) -> OmniRequest {
        OmniRequest {
            model: model.into(),
            messages,
            stream: false,
            modalities: vec![Modality::Text, Modality::Audio],
            key_words: KeyWords::default(),
            speaker: None,
            audio_format: None,
            max_tokens: None,
            similarity_threshold: 0.8,
            audio_ref_text: None,
            extra_body: Map::new(),
        }
    }

    /// Streams the response.
    #[must_use]
    pub fn stream(mut self, stream: bool) -> OmniRequest {
        self.stream = stream;
        self
    }

    /// Sets the output modalities.
    #[must_use]
    pub fn modalities(mut self, modalities: &[Modality]) -> OmniRequest {
        self.modalities = modalities.to_vec();
        self
    }

    /// Sets keyword expectations.
    #[must_use]
    pub fn key_words(mut self, key_words: KeyWords) -> OmniRequest {
        self.key_words = key_words;
        self
    }

    /// Sets the speaker.
    #[must_use]
    pub fn speaker(mut self, speaker: impl Into<String>) -> OmniRequest {
        self.speaker = Some(speaker.into());
        self
    }

    /// Sets `max_tokens`.
    #[must_use]
    pub fn max_tokens(mut self, max_tokens: u32) -> OmniRequest {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sets the audio output format (`wav`, `pcm`, `flac`).
    #[must_use]
    pub fn audio_format(mut self, format: impl Into<String>) -> OmniRequest {
        self.audio_format = Some(format.into());
        self
    }

    /// Expects the audio output to say `text`.
    #[must_use]
    pub fn audio_ref_text(mut self, text: impl Into<String>) -> OmniRequest {
        self.audio_ref_text = Some(text.into());
        self
    }

    /// Merges a field into the body root.
    #[must_use]
    pub fn extra(mut self, key: &str, value: Value) -> OmniRequest {
        self.extra_body.insert(key.to_owned(), value);
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), json!(self.model));
        body.insert("messages".into(), self.messages.to_json());
        body.insert("stream".into(), json!(self.stream));
        body.insert("modalities".into(), json!(self.modalities.iter().map(|m| m.name()).collect::<Vec<_>>()));
        if self.stream {
            body.insert("stream_options".into(), json!({"include_usage": true}));
        }
        if let Some(speaker) = &self.speaker {
            body.insert("speaker".into(), json!(speaker));
        }
        if let Some(format) = &self.audio_format {
            body.insert("audio".into(), json!({"format": format}));
        }
        if let Some(max_tokens) = self.max_tokens {
            body.insert("max_tokens".into(), json!(max_tokens));
        }
        body.extend(self.extra_body.clone());
        Value::Object(body)
    }
}

/// How `/v1/audio/speech` should answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpeechMode {
    /// The whole file at once.
    Whole,
    /// Raw chunked bytes (`stream_format: "audio"`).
    RawStream,
    /// Server-sent events (`stream_format: "sse"`).
    Sse,
}

/// A `/v1/audio/speech` request (`send_audio_speech_request`).
#[derive(Clone, Debug, PartialEq)]
pub struct SpeechRequest {
    /// The model.
    pub model: String,
    /// The text to speak.
    pub input: String,
    /// The voice.
    pub voice: Option<String>,
    /// `wav` (default), `pcm`, `flac`.
    pub response_format: Option<String>,
    /// Whole, raw streaming or SSE.
    pub mode: SpeechMode,
    /// Every other field (task_type, ref_audio, ref_text, instructions, language, speed, …).
    pub extra_body: Map<String, Value>,
    /// The response must have at least this many audio bytes.
    pub min_audio_bytes: usize,
    /// The HNR floor for PCM output at deep levels, in dB (1.0 by default).
    pub min_hnr_db: f64,
    /// An expected error status instead of audio.
    pub expect_status: Option<Vec<u16>>,
    /// Expected error message fragments (any one must appear).
    pub expect_messages: Vec<String>,
}

impl SpeechRequest {
    /// A request to speak `input`.
    pub fn new(model: impl Into<String>, input: impl Into<String>) -> SpeechRequest {
        SpeechRequest {
            model: model.into(),
            input: input.into(),
            voice: None,
            response_format: None,
            mode: SpeechMode::Whole,
            extra_body: Map::new(),
            min_audio_bytes: 0,
            min_hnr_db: 1.0,
            expect_status: None,
            expect_messages: Vec::new(),
        }
    }

    /// Sets the voice.
    #[must_use]
    pub fn voice(mut self, voice: impl Into<String>) -> SpeechRequest {
        self.voice = Some(voice.into());
        self
    }

    /// Sets the response format.
    #[must_use]
    pub fn response_format(mut self, format: impl Into<String>) -> SpeechRequest {
        self.response_format = Some(format.into());
        self
    }

    /// Sets how the answer is delivered.
    #[must_use]
    pub fn mode(mut self, mode: SpeechMode) -> SpeechRequest {
        self.mode = mode;
        self
    }

    /// Sets a body field (task_type, ref_audio, …).
    #[must_use]
    pub fn extra(mut self, key: &str, value: Value) -> SpeechRequest {
        self.extra_body.insert(key.to_owned(), value);
        self
    }

    /// Requires at least `n` audio bytes.
    #[must_use]
    pub fn min_audio_bytes(mut self, n: usize) -> SpeechRequest {
        self.min_audio_bytes = n;
        self
    }

    /// Expects an error with one of `statuses` whose body contains one of `messages`.
    #[must_use]
    pub fn expect_error(mut self, statuses: &[u16], messages: &[&str]) -> SpeechRequest {
        self.expect_status = Some(statuses.to_vec());
        self.expect_messages = messages.iter().map(|m| (*m).to_owned()).collect();
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), json!(self.model));
        body.insert("input".into(), json!(self.input));
        if let Some(voice) = &self.voice {
            body.insert("voice".into(), json!(voice));
        }
        if let Some(format) = &self.response_format {
            body.insert("response_format".into(), json!(format));
        }
        match self.mode {
            SpeechMode::Whole => {}
            SpeechMode::RawStream => {
                body.insert("stream_format".into(), json!("audio"));
            }
            SpeechMode::Sse => {
                body.insert("stream_format".into(), json!("sse"));
            }
        }
        body.extend(self.extra_body.clone());
        Value::Object(body)
    }
}

/// A chat request to an image model (`send_diffusion_request`).
#[derive(Clone, Debug, PartialEq)]
pub struct DiffusionRequest {
    /// The model.
    pub model: String,
    /// The messages.
    pub messages: Messages,
    /// Per-output sizes `(width, height)`: one request per entry, sent concurrently, as the
    /// seed does with list-valued `height`/`width`.
    pub sizes: Vec<(u32, u32)>,
    /// Images per prompt.
    pub num_outputs: Option<u32>,
    /// Denoising steps.
    pub num_inference_steps: Option<u32>,
    /// The seed.
    pub seed: Option<u64>,
    /// Output modalities, when not the model's default.
    pub modalities: Option<Vec<Modality>>,
    /// Other fields merged into the body root.
    pub extra_body: Map<String, Value>,
}

impl DiffusionRequest {
    /// A request for `model`.
    pub fn new(model: impl Into<String>, messages: Messages) -> DiffusionRequest {
        DiffusionRequest {
            model: model.into(),
            messages,
            sizes: Vec::new(),
            num_outputs: None,
            num_inference_steps: None,
            seed: None,
            modalities: None,
            extra_body: Map::new(),
        }
    }

    /// One output of `width` × `height`.
    #[must_use]
    pub fn size(mut self, width: u32, height: u32) -> DiffusionRequest {
        self.sizes = vec![(width, height)];
        self
    }

    /// One output per size, sent as concurrent requests.
    #[must_use]
    pub fn sizes(mut self, sizes: &[(u32, u32)]) -> DiffusionRequest {
        self.sizes = sizes.to_vec();
        self
    }

    /// Images per prompt.
    #[must_use]
    pub fn num_outputs(mut self, n: u32) -> DiffusionRequest {
        self.num_outputs = Some(n);
        self
    }

    /// Denoising steps.
    #[must_use]
    pub fn steps(mut self, n: u32) -> DiffusionRequest {
        self.num_inference_steps = Some(n);
        self
    }

    /// The seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> DiffusionRequest {
        self.seed = Some(seed);
        self
    }

    /// Output modalities.
    #[must_use]
    pub fn modalities(mut self, modalities: &[Modality]) -> DiffusionRequest {
        self.modalities = Some(modalities.to_vec());
        self
    }

    /// Merges a field into the body root.
    #[must_use]
    pub fn extra(mut self, key: &str, value: Value) -> DiffusionRequest {
        self.extra_body.insert(key.to_owned(), value);
        self
    }

    /// The bodies to send: one per size (or one without a size).
    pub fn bodies(&self) -> Vec<Value> {
        let base = |size: Option<(u32, u32)>| {
            let mut body = Map::new();
            body.insert("model".into(), json!(self.model));
            body.insert("messages".into(), self.messages.to_json());
            if let Some((width, height)) = size {
                body.insert("width".into(), json!(width));
                body.insert("height".into(), json!(height));
            }
            if let Some(n) = self.num_outputs {
                body.insert("num_outputs_per_prompt".into(), json!(if self.sizes.len() > 1 { 1 } else { n }));
            }
            if let Some(steps) = self.num_inference_steps {
                body.insert("num_inference_steps".into(), json!(steps));
            }
            if let Some(seed) = self.seed {
                body.insert("seed".into(), json!(seed));
            }
            if let Some(modalities) = &self.modalities {
                body.insert("modalities".into(), json!(modalities.iter().map(|m| m.name()).collect::<Vec<_>>()));
            }
            body.extend(self.extra_body.clone());
            Value::Object(body)
        };
        if self.sizes.is_empty() { vec![base(None)] } else { self.sizes.iter().map(|s| base(Some(*s))).collect() }
    }
}

/// A `/v1/videos` job (`send_video_diffusion_request`): the form fields, and optionally a
/// reference image or video.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct VideoRequest {
    /// Form fields (`prompt`, `width`, `height`, `num_frames`, `fps`, …), sent as strings.
    pub form: Vec<(String, String)>,
    /// A `data:` URL uploaded as `input_reference`.
    pub input_reference: Option<String>,
    /// How long to wait for completion.
    pub timeout_s: u64,
}

impl VideoRequest {
    /// A job for `prompt` with `model`.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> VideoRequest {
        VideoRequest {
            form: vec![("model".into(), model.into()), ("prompt".into(), prompt.into())],
            input_reference: None,
            timeout_s: 300,
        }
    }

    /// Adds a form field.
    #[must_use]
    pub fn field(mut self, name: &str, value: impl ToString) -> VideoRequest {
        self.form.retain(|(n, _)| n != name);
        self.form.push((name.to_owned(), value.to_string()));
        self
    }

    /// A form field's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Uploads a reference (image or video, as a `data:` URL).
    #[must_use]
    pub fn input_reference(mut self, data_url: impl Into<String>) -> VideoRequest {
        self.input_reference = Some(data_url.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_parts_go_before_the_text() {
        let messages = Messages::user("What is this?")
            .image("data:image/png;base64,AA")
            .video("data:video/mp4;base64,AA")
            .system("be brief");
        let json = messages.to_json();
        assert_eq!(json[0]["role"], "system");
        let kinds: Vec<&str> =
            json[1]["content"].as_array().unwrap().iter().map(|p| p["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["image_url", "video_url", "text"]);
    }

    #[test]
    fn per_size_diffusion_requests() {
        let request =
            DiffusionRequest::new("m", Messages::user("a cat")).sizes(&[(256, 256), (512, 384)]).num_outputs(2);
        let bodies = request.bodies();
        assert_eq!(bodies.len(), 2);
        assert_eq!((bodies[1]["width"].as_u64(), bodies[1]["height"].as_u64()), (Some(512), Some(384)));
        assert_eq!(bodies[0]["num_outputs_per_prompt"], 1);
    }
}
