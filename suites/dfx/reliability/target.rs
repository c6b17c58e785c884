//! What the reliability suites need to know of a model: how its engine processes are titled,
//! which route it serves, and its light, heavy and long requests on that route.

use omnitest::prelude::*;
use serde_json::{Value, json};

/// A model under fault.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target {
    /// A literal part of the command lines of the engine's processes: vLLM-Omni titles them
    /// `VLLM::EngineCore`, `VLLM::Worker_TP0`, `vLLM-Omni::DiffusionWorker-0`; the mock's
    /// `--engine-process` child carries the same title.
    pub(crate) engine_pattern: &'static str,
    /// The route its requests go to.
    pub(crate) route: Route,
}

/// The generation route a model serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/v1/chat/completions` with text and audio output (omni models).
    Chat,
    /// `/v1/audio/speech` (TTS models).
    Speech,
    /// `/v1/images/generations` (image diffusion models).
    Images,
    /// The `/v1/videos` job API (video diffusion models).
    Videos,
}

/// How much a request asks of the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Size {
    /// The smallest useful request: what a health-minded client sends after a fault.
    Light,
    /// Large inputs and outputs: what runs out of memory first.
    Heavy,
    /// Seconds of generation: long enough to be in flight when a fault strikes.
    Long,
}

/// A request on one of the routes.
#[derive(Clone, Debug)]
pub(crate) enum Request {
    /// A chat completion.
    Chat(OmniRequest),
    /// A speech synthesis.
    Speech(SpeechRequest),
    /// An image generation (the JSON body).
    Images(Value),
    /// A video job.
    Video(VideoRequest),
}

/// Text long enough to weigh on the prompt: about 2,000 words.
fn long_text() -> String {
    "Describe in detail how a river shapes the valley it flows through, season by season. ".repeat(130)
}

impl Target {
    /// The route's request of `size` for `model`.
    pub(crate) fn request(&self, model: &str, size: Size) -> Result<Request, TestError> {
        Ok(match self.route {
            Route::Chat => Request::Chat(chat(model, size, &[Modality::Text])?),
            Route::Speech => Request::Speech(speech(model, size)),
            Route::Images => Request::Images(images(model, size)),
            Route::Videos => Request::Video(video(model, size)),
        })
    }

    /// The requests whose error answers under memory pressure must agree, with their names:
    /// text and text+audio output for omni models (the seed's contract check), the route's
    /// heavy request otherwise.
    pub(crate) fn pressure_variants(&self, model: &str) -> Result<Vec<(&'static str, Request)>, TestError> {
        Ok(match self.route {
            Route::Chat => vec![
                ("text", Request::Chat(chat(model, Size::Heavy, &[Modality::Text])?)),
                ("text+audio", Request::Chat(chat(model, Size::Heavy, &[Modality::Text, Modality::Audio])?)),
            ],
            _ => vec![("heavy", self.request(model, Size::Heavy)?)],
        })
    }
}

fn chat(model: &str, size: Size, outputs: &[Modality]) -> Result<OmniRequest, TestError> {
    Ok(match size {
        Size::Light => OmniRequest::new(model, Messages::user("Say hello.")).modalities(outputs).max_tokens(16),
        // The seed's heavy request: a long text with a 720p picture and 20 s of speech.
        Size::Heavy => {
            let messages = Messages::user(long_text())
                .image(synth::image(1280, 720)?.data_url())
                .audio(synth::audio(20, 1)?.data_url());
            OmniRequest::new(model, messages).modalities(outputs).max_tokens(64)
        }
        Size::Long => OmniRequest::new(model, Messages::user("Write a long story about a lighthouse keeper."))
            .modalities(outputs)
            .max_tokens(1000)
            .extra("ignore_eos", json!(true)),
    })
}

fn speech(model: &str, size: Size) -> SpeechRequest {
    let input = match size {
        Size::Light => "Hello.".to_owned(),
        // About a minute of speech: long for a TTS request, short enough to check on a CPU.
        Size::Heavy => long_text().chars().take(1000).collect(),
        Size::Long => "The lighthouse keeper climbed the stairs every evening to light the lamp. ".repeat(8),
    };
    SpeechRequest::new(model, input).voice("vivian").response_format("wav")
}

fn images(model: &str, size: Size) -> Value {
    let (dimensions, steps) = match size {
        Size::Light => ("256x256", 2),
        Size::Heavy => ("1280x720", 20),
        Size::Long => ("512x512", 30),
    };
    json!({"model": model, "prompt": "a red square on a blue field", "size": dimensions, "n": 1,
        "num_inference_steps": steps, "seed": 42})
}

fn video(model: &str, size: Size) -> VideoRequest {
    let (width, height, frames, steps) = match size {
        Size::Light => (256, 256, 8, 2),
        Size::Heavy => (832, 480, 33, 4),
        Size::Long => (256, 256, 8, 30),
    };
    VideoRequest::new(model, "a red ball rolling across a table")
        .field("width", width)
        .field("height", height)
        .field("num_frames", frames)
        .field("fps", 8)
        .field("num_inference_steps", steps)
        .field("seed", 42)
}
