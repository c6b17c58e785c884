//! Stable Audio Open text-to-audio through `POST /v1/audio/generate` (JSON in, WAV out): the
//! counterpart of the seed's Stable Audio online test (`test_stable_audio*.py`: a short, 4-step
//! sound) and of the request validation its invalid-parameter suite checks.
//!
//! At every level the answer must be a decodable sound with frames and a sample rate (the
//! seed's WAV sanity check); at advanced_model it must also last `audio_length` seconds and not
//! be silence. CI: the seed marks its Stable Audio files `slow` (weekly) on one L4; a 2-second,
//! 4-step sound is cheap enough for the ready and merge pipelines, so it runs at L2 and L3 here.

use omnitest::prelude::*;
use serde_json::{Value, json};

const MODEL: &str = "stabilityai/stable-audio-open-1.0";
const PROMPT: &str = "A piano playing a gentle melody with soft room ambience.";

/// The model's built-in defaults.
static DEFAULT: Scenario = Scenario::vllm_omni(MODEL);

/// The seed's request: 2 seconds, 4 steps, guidance 7, a negative prompt, seed 42.
fn t2a_body(model: &str, seconds: f64, format: &str) -> Value {
    json!({
        "model": model, "input": PROMPT, "audio_length": seconds, "num_inference_steps": 4,
        "guidance_scale": 7.0, "negative_prompt": "Low quality.", "seed": 42, "response_format": format,
    })
}

omni_test! {
    /// Text-to-audio: a short WAV of the requested length, not silent.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: audio
    /// Input Setting: /v1/audio/generate, audio_length=2.0, num_inference_steps=4, guidance_scale=7.0, negative_prompt, seed=42, response_format=wav
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_text_to_audio_001(server: &Server, client: &Client) -> TestResult {
        client.audio_generate(&t2a_body(server.model(), 2.0, "wav"))?;
        Ok(())
    }

    /// Text-to-audio as FLAC, of another length.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: audio
    /// Input Setting: /v1/audio/generate, audio_length=1.5, num_inference_steps=4, guidance_scale=7.0, negative_prompt, seed=42, response_format=flac
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_text_to_audio_002(server: &Server, client: &Client) -> TestResult {
        client.audio_generate(&t2a_body(server.model(), 1.5, "flac"))?;
        Ok(())
    }

    /// Invalid requests are refused with 400 naming the field, as vLLM-Omni's request model
    /// does, and the server keeps serving.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: error
    /// Input Setting: empty input, missing input, audio_length 0, num_inference_steps 0, guidance_scale -1, response_format mpeg, stream_format sse
    /// Datasets: 7 sequential bad requests, then a good one
    #[levels(core_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_invalid_request_001(server: &Server, client: &Client) -> TestResult {
        let model = server.model();
        let steps = ["num_inference_steps", "greater_than_equal"];
        let guidance = ["guidance_scale", "greater_than_equal"];
        let cases: [(Value, &[&str]); 7] = [
            (json!({"model": model, "input": "   "}), &["cannot be empty", "input"]),
            (json!({"model": model}), &["input"]),
            (json!({"model": model, "input": "pad", "audio_length": 0}), &["audio_length", "greater_than"]),
            (json!({"model": model, "input": "pad", "num_inference_steps": 0}), &steps),
            (json!({"model": model, "input": "pad", "guidance_scale": -1.0}), &guidance),
            (json!({"model": model, "input": "pad", "response_format": "mpeg"}), &["response_format"]),
            (json!({"model": model, "input": "pad", "stream_format": "sse"}), &["stream_format"]),
        ];
        for (body, fragments) in cases {
            let answer = client.post_json("/v1/audio/generate", &body)?;
            check_http_error(&answer, &[400], fragments).map_err(|err| err.context(body.to_string()))?;
        }
        client.audio_generate(&t2a_body(model, 1.0, "wav"))?;
        Ok(())
    }
}
