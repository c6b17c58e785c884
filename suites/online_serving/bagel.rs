//! BAGEL-7B-MoT through chat completions: the counterpart of the seed's
//! `tests/e2e/online_serving/test_bagel.py` (and its twin `test_bagel_online.py`): text-to-image
//! and image-to-image with `modalities: ["image"]`, the prompt wrapped in BAGEL's
//! `<|im_start|>…<|im_end|>` markers, on the CI deploy config (thinker and DiT on one GPU).
//!
//! The seed's image-to-image input is a photo from vLLM's asset store; here it is a synthetic
//! picture of squares, so nothing is downloaded. CI: L2 and L3 on one H100 (image-to-image also
//! on one MI325).

use omnitest::prelude::*;
use serde_json::json;

const MODEL: &str = "ByteDance-Seed/BAGEL-7B-MoT";

/// The CI deploy config: thinker and DiT share GPU 0.
static CI_DEPLOY: Scenario = Scenario::vllm_omni(MODEL).stage_configs("ci/bagel.yaml").startup_timeout_s(300);

/// BAGEL's prompt markers.
fn wrapped(prompt: &str) -> String {
    format!("<|im_start|>{prompt}<|im_end|>")
}

/// An image request: `modalities: ["image"]`, 2 steps, no guidance, seed 42.
fn bagel_request(model: &str, messages: Messages, size: Option<(u32, u32)>) -> DiffusionRequest {
    let request = DiffusionRequest::new(model, messages)
        .modalities(&[Modality::Image])
        .steps(2)
        .seed(42)
        .extra("guidance_scale", json!(0.0));
    match size {
        Some((width, height)) => request.size(width, height),
        None => request,
    }
}

/// The seed's image-to-image input: an edit instruction and a picture.
fn edit_messages() -> Result<Messages, TestError> {
    Ok(Messages::user(wrapped("Change the grass color to red")).image(synth::image(512, 512)?.data_url()))
}

omni_test! {
    /// Text-to-image through chat, asking for the image modality.
    /// Deploy Setting: ci/bagel.yaml
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: modalities=["image"], height=512, width=512, num_inference_steps=2, guidance_scale=0.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(CI_DEPLOY)]
    fn test_text_to_image_001(server: &Server, client: &Client) -> TestResult {
        let messages = Messages::user(wrapped("A cute cat"));
        client.send_diffusion_request(&bagel_request(server.model(), messages, Some((512, 512))), 1)?;
        Ok(())
    }

    /// Image-to-image through chat: an input picture and an edit instruction; without a size the
    /// output keeps the model's default.
    /// Deploy Setting: ci/bagel.yaml
    /// Input Modal: text + image
    /// Output Modal: image
    /// Input Setting: modalities=["image"], num_inference_steps=2, guidance_scale=0.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 1)]
    #[scenarios(CI_DEPLOY)]
    fn test_image_to_image_001(server: &Server, client: &Client) -> TestResult {
        client.send_diffusion_request(&bagel_request(server.model(), edit_messages()?, None), 1)?;
        Ok(())
    }

    /// Image-to-image at a requested size: the answer has exactly that size at deep levels.
    /// Deploy Setting: ci/bagel.yaml
    /// Input Modal: text + image
    /// Output Modal: image
    /// Input Setting: modalities=["image"], height=512, width=512, num_inference_steps=2, guidance_scale=0.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(CI_DEPLOY)]
    fn test_image_to_image_002(server: &Server, client: &Client) -> TestResult {
        client.send_diffusion_request(&bagel_request(server.model(), edit_messages()?, Some((512, 512))), 1)?;
        Ok(())
    }
}
