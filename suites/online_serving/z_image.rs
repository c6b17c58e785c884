//! Z-Image-Turbo text-to-image: the counterpart of the seed's
//! `tests/e2e/online_serving/test_z_image.py` (a basic request and per-output sizes through
//! chat) and of the images-API case of `test_image_gen_edit.py` (two sizes at once).
//!
//! CI: the seed's merge pipeline (L3) runs Z-Image on one L4 (§5.4). Z-Image-Turbo is distilled
//! to few steps without classifier-free guidance, so requests send `guidance_scale` 0 and no
//! negative prompt. Per-request LoRA switching on the same model is in
//! `images_generations_lora.rs`.

use omnitest::prelude::*;
use serde_json::json;

use super::diffusion_common::concurrently;

const MODEL: &str = "Tongyi-MAI/Z-Image-Turbo";
const PROMPT: &str = "A high-detail studio photo of an orange tabby cat sitting on a laptop keyboard.";

/// The model's built-in defaults.
static DEFAULT: Scenario = Scenario::vllm_omni(MODEL);

/// A chat request for Turbo: 2 steps, no guidance, seed 42.
fn turbo_request(model: &str, sizes: &[(u32, u32)]) -> DiffusionRequest {
    DiffusionRequest::new(model, Messages::user(PROMPT))
        .sizes(sizes)
        .steps(2)
        .seed(42)
        .extra("guidance_scale", json!(0.0))
}

omni_test! {
    /// One 512x512 image through chat.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: height=512, width=512, num_inference_steps=2, guidance_scale=0.0, seed=42
    /// Datasets: single request
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_basic_001(server: &Server, client: &Client) -> TestResult {
        client.send_diffusion_request(&turbo_request(server.model(), &[(512, 512)]), 1)?;
        Ok(())
    }

    /// Two outputs with their own sizes through chat.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: 2 images
    /// Input Setting: height=[512, 512], width=[512, 768], num_inference_steps=2, guidance_scale=0.0, seed=42
    /// Datasets: one request per output size
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_different_sizes_001(server: &Server, client: &Client) -> TestResult {
        let answer = client.send_diffusion_request(&turbo_request(server.model(), &[(512, 512), (768, 512)]), 1)?;
        check_eq!(answer[0].images.len(), 2);
        Ok(())
    }

    /// The images API with two sizes at once: each answer has its own size.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: /v1/images/generations, n=1, size=512x512 and 768x512, num_inference_steps=2, response_format=b64_json
    /// Datasets: 2 concurrent requests
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_images_generations_001(server: &Server, client: &Client) -> TestResult {
        concurrently(&["512x512", "768x512"], |size| {
            client.images_generations(&json!({
                "model": server.model(), "prompt": "cute cat playing with a ball", "n": 1, "size": size,
                "response_format": "b64_json", "num_inference_steps": 2,
            }))
        })?;
        Ok(())
    }
}
