//! The protocols the load generator speaks, and the endpoint each uses by default.

use std::fmt;

/// How requests are sent and their responses timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `openai-chat`: streamed chat completions timed per SSE chunk, as `vllm bench serve`.
    Chat,
    /// `openai-chat-omni`: streamed chat completions with `continuous_usage_stats`, timed per
    /// token, with vLLM-Omni's audio metrics.
    ChatOmni,
    /// `openai-completions` (`openai`, `vllm`): streamed text completions, timed per chunk.
    Completions,
    /// `openai-audio-speech`: streamed raw PCM from `/v1/audio/speech`.
    Speech,
    /// Diffusion images through chat completions (one non-streamed answer per request).
    ImageChat,
    /// Diffusion images through `/v1/images/generations`.
    ImageGenerations,
    /// Diffusion videos through the `/v1/videos` job API: create, poll, download.
    Video,
}

impl Api {
    /// The API a `backend` value names.
    pub fn from_backend(name: &str) -> Option<Api> {
        Some(match name {
            "openai-chat" => Api::Chat,
            "openai-chat-omni" | "daily-omni" => Api::ChatOmni,
            "openai" | "vllm" | "openai-completions" => Api::Completions,
            "openai-audio-speech" => Api::Speech,
            _ => return None,
        })
    }

    /// The backend names [`Api::from_backend`] accepts, for error messages.
    pub const BACKENDS: &'static str =
        "openai-chat, openai-chat-omni, daily-omni, openai-completions, openai, vllm, openai-audio-speech";

    /// The endpoint used when a config names none.
    pub fn default_endpoint(self) -> &'static str {
        match self {
            Api::Chat | Api::ChatOmni | Api::ImageChat => "/v1/chat/completions",
            Api::Completions => "/v1/completions",
            Api::Speech => "/v1/audio/speech",
            Api::ImageGenerations => "/v1/images/generations",
            Api::Video => "/v1/videos",
        }
    }

    /// Whether responses are token streams (TTFT, ITL and TPOT mean something).
    pub fn streams_tokens(self) -> bool {
        matches!(self, Api::Chat | Api::ChatOmni | Api::Completions)
    }

    /// Whether this is a diffusion API (latency per image or video, peak memory).
    pub fn is_diffusion(self) -> bool {
        matches!(self, Api::ImageChat | Api::ImageGenerations | Api::Video)
    }

    /// The name written as `backend` in result files.
    pub fn name(self) -> &'static str {
        match self {
            Api::Chat => "openai-chat",
            Api::ChatOmni => "openai-chat-omni",
            Api::Completions => "openai-completions",
            Api::Speech => "openai-audio-speech",
            Api::ImageChat => "diffusion-chat",
            Api::ImageGenerations => "diffusion-images",
            Api::Video => "diffusion-videos",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A diffusion task (`t2i`, `i2v`, …) and what it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffusionTask {
    /// Text to image.
    TextToImage,
    /// Image (and text) to image.
    ImageToImage,
    /// Text to video.
    TextToVideo,
    /// Image (and text) to video.
    ImageToVideo,
}

impl DiffusionTask {
    /// The task a `task` value names.
    pub fn parse(name: &str) -> Option<DiffusionTask> {
        Some(match name {
            "t2i" => DiffusionTask::TextToImage,
            "i2i" | "ti2i" => DiffusionTask::ImageToImage,
            "t2v" => DiffusionTask::TextToVideo,
            "i2v" | "ti2v" => DiffusionTask::ImageToVideo,
            _ => return None,
        })
    }

    /// The tasks [`DiffusionTask::parse`] accepts.
    pub const NAMES: &'static str = "t2i, i2i, ti2i, t2v, i2v, ti2v";

    /// Whether the task makes videos.
    pub fn makes_video(self) -> bool {
        matches!(self, DiffusionTask::TextToVideo | DiffusionTask::ImageToVideo)
    }

    /// Whether each request carries an input image.
    pub fn takes_image(self) -> bool {
        matches!(self, DiffusionTask::ImageToImage | DiffusionTask::ImageToVideo)
    }
}
