//! The Qwen-Image-Edit family, image-to-image: the counterpart of the seed's
//! `tests/e2e/online_serving/test_qwen_image_edit.py` (one reference with Qwen-Image-Edit, two
//! with Qwen-Image-Edit-2509, per-output sizes) and of the multi-image cases of
//! `test_image_gen_edit.py` (two concurrent sizes), plus `/v1/images/edits` with one and two
//! images. The L4 feature matrix is in `qwen_image_edit_expansion.rs`.
//!
//! CI: L2 and L3 on one H100, as the seed's markers have them.

use omnitest::prelude::*;

use super::diffusion_common::{NEGATIVE_PROMPT, concurrently, edit_messages, image_request_for, synthetic_image};

/// Qwen-Image-Edit: one reference image.
static EDIT: Scenario = Scenario::vllm_omni("Qwen/Qwen-Image-Edit");

/// Qwen-Image-Edit-2509: several reference images.
static EDIT_2509: Scenario = Scenario::vllm_omni("Qwen/Qwen-Image-Edit-2509");

const EDIT_PROMPT: &str =
    "Transform this modern, geometrist image into a Vincent van Gogh style impressionist painting.";
const MULTI_EDIT_PROMPT: &str = "Transform the first image into a Dadaism collage art. \
     Transform the second image into a Vincent van Gogh style painting. \
     Then juxtapose the two transformed images into a single artwork for visual contrast.";

/// The seed's chat edit: `images` synthetic 512×512 references (one with the single-image
/// prompt, two with the juxtaposing one), a 512×512 output, CFG on.
pub(crate) fn edit_512(server: &Server, client: &Client, images: usize) -> TestResult {
    let prompt = if images > 1 { MULTI_EDIT_PROMPT } else { EDIT_PROMPT };
    let messages = edit_messages(prompt, images, 512, 512)?;
    client.send_diffusion_request(&image_request_for(server.model(), messages, 512, 512), 1)?;
    Ok(())
}

omni_test! {
    /// One reference image edited through chat (CFG on: a negative prompt with true_cfg_scale > 1).
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text + image
    /// Output Modal: image
    /// Input Setting: 512x512 input, height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(EDIT)]
    fn test_single_image_to_image_001(server: &Server, client: &Client) -> TestResult {
        edit_512(server, client, 1)
    }

    /// Two reference images edited into one through chat.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text + 2 images
    /// Output Modal: image
    /// Input Setting: two 512x512 inputs, height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(EDIT_2509)]
    fn test_multi_images_to_image_001(server: &Server, client: &Client) -> TestResult {
        edit_512(server, client, 2)
    }

    /// Two references of different resolutions, two outputs with their own sizes.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text + 2 images (512x512 and 384x256)
    /// Output Modal: 2 images
    /// Input Setting: num_outputs_per_prompt=2, height=[512, 768], width=[512, 512], num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: one request per output size
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(EDIT_2509)]
    fn test_different_sizes_001(server: &Server, client: &Client) -> TestResult {
        let messages = Messages::user(MULTI_EDIT_PROMPT)
            .image(synthetic_image(512, 512, 0)?.data_url())
            .image(synthetic_image(384, 256, 1)?.data_url());
        let request =
            image_request_for(server.model(), messages, 512, 512).sizes(&[(512, 512), (512, 768)]).num_outputs(2);
        check_eq!(client.send_diffusion_request(&request, 1)?[0].images.len(), 2);
        Ok(())
    }

    /// The same two references edited at two sizes by two requests at once.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text + 2 images
    /// Output Modal: image
    /// Input Setting: 1248x832 and 1024x768 outputs, num_inference_steps=2, guidance_scale=0.0, seed=42
    /// Datasets: 2 concurrent requests
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(EDIT_2509)]
    fn test_multi_image_input_001(server: &Server, client: &Client) -> TestResult {
        let messages = edit_messages("Combine these two images into one scene.", 2, 512, 512)?;
        let requests: Vec<DiffusionRequest> = [(1248, 832), (1024, 768)]
            .iter()
            .map(|&(width, height)| {
                DiffusionRequest::new(server.model(), messages.clone())
                    .size(width, height)
                    .steps(2)
                    .seed(42)
                    .extra("guidance_scale", serde_json::json!(0.0))
            })
            .collect();
        concurrently(&requests, |request| client.send_diffusion_request(request, 1))?;
        Ok(())
    }

    /// `/v1/images/edits` with one image: a b64 PNG of the requested size.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text + image (multipart)
    /// Output Modal: image
    /// Input Setting: size=512x512, n=1, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(EDIT)]
    fn test_images_edits_001(server: &Server, client: &Client) -> TestResult {
        let image = synthetic_image(512, 512, 0)?.bytes;
        client.images_edits(image, &edit_fields(server.model(), EDIT_PROMPT))?;
        Ok(())
    }

    /// `/v1/images/edits` with two images (`image[]`), edited into one.
    /// Deploy Setting: default (no deploy yaml)
    /// Input Modal: text + 2 images (multipart)
    /// Output Modal: image
    /// Input Setting: size=512x512, n=1, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(EDIT_2509)]
    fn test_images_edits_002(server: &Server, client: &Client) -> TestResult {
        let images = vec![synthetic_image(512, 512, 0)?.bytes, synthetic_image(384, 256, 1)?.bytes];
        client.images_edits_many(&images, &edit_fields(server.model(), MULTI_EDIT_PROMPT))?;
        Ok(())
    }
}

/// The form fields of an edit: 512×512, one image, 2 steps, CFG on, seed 42.
fn edit_fields<'a>(model: &'a str, prompt: &'a str) -> [(&'a str, &'a str); 8] {
    [
        ("model", model),
        ("prompt", prompt),
        ("size", "512x512"),
        ("n", "1"),
        ("num_inference_steps", "2"),
        ("negative_prompt", NEGATIVE_PROMPT),
        ("true_cfg_scale", "4.0"),
        ("seed", "42"),
    ]
}
