//! Qwen-Image text-to-image: the counterpart of the seed's
//! `tests/e2e/online_serving/test_qwen_image.py` (chat smoke on the default and the
//! disaggregated-VAE server, concurrent prompts), plus the images API that Qwen-Image serves.
//! The L4 feature matrix is in `qwen_image_expansion.rs`.
//!
//! CI: L2 (`core_model`) and L3 (`advanced_model`) on one H100, the disaggregated VAE on two.

use omnitest::prelude::*;
use serde_json::json;

use super::diffusion_common::{NEGATIVE_PROMPT, concurrently, image_request, send_concurrently};

const MODEL: &str = "Qwen/Qwen-Image";
pub(crate) const T2I_PROMPT: &str = "A photo of a cat sitting on a laptop keyboard, digital art style.";

/// The model's built-in defaults.
static DEFAULT: Scenario = Scenario::vllm_omni(MODEL);

/// Encode, denoise and decode as three stages, the VAE on another GPU than the transformer.
static DISAGGREGATED_VAE: Scenario = Scenario::vllm_omni(MODEL).stage_configs("ci/qwen_image_3stage.yaml");

/// The seed's eight prompts for concurrent requests, each with its own negative prompt.
const BATCH_PROMPTS: [(&str, &str); 8] = [
    ("a cup of coffee on a table", "low resolution"),
    ("a toy dinosaur on a sandy beach", "cinematic, realistic"),
    ("a futuristic city skyline at sunset", "blurry, foggy"),
    ("a bowl of fresh strawberries", "low detail"),
    ("a medieval knight standing in the rain", "modern clothing"),
    ("a cat wearing sunglasses lounging in a garden", "dark lighting"),
    ("a spaceship flying above a volcano", "low contrast"),
    ("a watercolor painting of a mountain lake", "photo, realistic"),
];

/// One 512×512 image through chat, CFG on; its size is checked at deep levels.
fn text_to_image(server: &Server, client: &Client) -> TestResult {
    client.send_diffusion_request(&image_request(server.model(), T2I_PROMPT, 512, 512), 1)?;
    Ok(())
}

omni_test! {
    /// Text-to-image smoke through chat completions on the default server.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_text_to_image_001(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }

    /// Text-to-image smoke through chat completions with the VAE disaggregated into its own
    /// stage (encode and decode on GPU 0, denoise on GPU 1).
    /// Deploy Setting: ci/qwen_image_3stage.yaml (stage configs)
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(DISAGGREGATED_VAE)]
    fn test_text_to_image_002(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }

    /// Eight different prompts at once, each with its own negative prompt: every answer is an
    /// image of the requested size.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: height=512, width=512, num_inference_steps=2, per-prompt negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: 8 concurrent requests
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_batch_001(server: &Server, client: &Client) -> TestResult {
        let requests: Vec<DiffusionRequest> = BATCH_PROMPTS
            .iter()
            .map(|(prompt, negative)| {
                image_request(server.model(), prompt, 512, 512).extra("negative_prompt", json!(negative))
            })
            .collect();
        let responses = send_concurrently(client, &requests)?;
        check_eq!(responses.len(), BATCH_PROMPTS.len());
        Ok(())
    }

    /// The images API: two images per prompt at 512×512, as b64 PNG; two sizes at once.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: /v1/images/generations, n=2, size=512x512 (then 512x512 and 768x512 at once), num_inference_steps=2, seed=42
    /// Datasets: single request, then 2 concurrent requests
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(DEFAULT)]
    fn test_images_generations_001(server: &Server, client: &Client) -> TestResult {
        let body = |size: &str, n: u32| json!({
            "model": server.model(), "prompt": T2I_PROMPT, "negative_prompt": NEGATIVE_PROMPT,
            "n": n, "size": size, "num_inference_steps": 2, "true_cfg_scale": 4.0, "seed": 42,
            "response_format": "b64_json",
        });
        check_eq!(client.images_generations(&body("512x512", 2))?.images.len(), 2);
        concurrently(&["512x512", "768x512"], |size| client.images_generations(&body(size, 1)))?;
        Ok(())
    }
}
