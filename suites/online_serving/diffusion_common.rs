//! What the diffusion suites share: the request shapes of the seed's diffusion tests (CI-sized:
//! 2 denoising steps, seed 42, a negative prompt with `true_cfg_scale` 4 so that CFG-parallel
//! has two branches to split), concurrent sending, and synthetic input images as `data:` URLs.

use omnitest::prelude::*;
use serde_json::json;

/// The negative prompt the seed's image tests send.
pub(crate) const NEGATIVE_PROMPT: &str = "blurry, low quality";

/// The negative prompt the seed's video tests send.
pub(crate) const VIDEO_NEGATIVE_PROMPT: &str = "low quality, blurry, watermark, text";

/// A chat request for one `width` × `height` image of `prompt`: 2 steps, seed 42, and CFG on
/// (`negative_prompt` with `true_cfg_scale` 4, which is what activates CFG-parallel).
pub(crate) fn image_request(model: &str, prompt: &str, width: u32, height: u32) -> DiffusionRequest {
    image_request_for(model, Messages::user(prompt), width, height)
}

/// [`image_request`] for messages that carry input images (edits).
pub(crate) fn image_request_for(model: &str, messages: Messages, width: u32, height: u32) -> DiffusionRequest {
    DiffusionRequest::new(model, messages)
        .size(width, height)
        .steps(2)
        .seed(42)
        .extra("negative_prompt", json!(NEGATIVE_PROMPT))
        .extra("true_cfg_scale", json!(4.0))
}

/// A user message asking `prompt` about `images` (synthetic squares, `width` × `height` JPEGs,
/// one seed per image so that two inputs differ).
pub(crate) fn edit_messages(prompt: &str, images: usize, width: u32, height: u32) -> Result<Messages, TestError> {
    let mut messages = Messages::user(prompt);
    for seed in 0..images {
        messages = messages.image(synthetic_image(width, height, seed as u64)?.data_url());
    }
    Ok(messages)
}

/// A synthetic picture of squares (`seed` 0 is the seed's `generate_synthetic_image`).
pub(crate) fn synthetic_image(width: u32, height: u32, seed: u64) -> Result<synth::Synthetic, TestError> {
    Ok(synth::image_with(synth::ImageOptions { width, height, seed, ..synth::ImageOptions::default() })?)
}

/// A `/v1/videos` job for `prompt`: `width` × `height`, `num_frames` frames at `fps`, 2 steps,
/// guidance 4, seed 42, as the seed's Wan2.2 tests send.
pub(crate) fn video_request(
    model: &str,
    prompt: &str,
    width: u32,
    height: u32,
    num_frames: u32,
    fps: u32,
) -> VideoRequest {
    VideoRequest::new(model, prompt)
        .field("negative_prompt", VIDEO_NEGATIVE_PROMPT)
        .field("width", width)
        .field("height", height)
        .field("num_frames", num_frames)
        .field("fps", fps)
        .field("num_inference_steps", 2)
        .field("guidance_scale", 4.0)
        .field("seed", 42)
}

// The seed's chapter-3 feature combinations for two H100s, as serve flags. The parallel layouts
// are macros taking the quantization flags that follow them, since models differ there (FP8,
// GGUF with the checkpoint's own file, or none for Wan2.2).

/// Cache-DiT + TP = 2 + VAE patch parallel = 2 (with the tiling it needs), then `extra` flags.
macro_rules! cachedit_tp2_vae2 {
    ($($extra:expr),* $(,)?) => {
        &[
            "--cache-backend", "cache_dit", "--tensor-parallel-size", "2",
            "--vae-patch-parallel-size", "2", "--vae-use-tiling", $($extra),*
        ]
    };
}

/// Cache-DiT + HSDP (shard 2) + VAE patch parallel = 2 (with tiling), then `extra` flags.
macro_rules! cachedit_hsdp2_vae2 {
    ($($extra:expr),* $(,)?) => {
        &[
            "--cache-backend", "cache_dit", "--use-hsdp", "--hsdp-shard-size", "2",
            "--vae-patch-parallel-size", "2", "--vae-use-tiling", $($extra),*
        ]
    };
}

/// The serve flags of the chapter-3 cases that quantize with GGUF, for one checkpoint's
/// `gguf_model`: `[TeaCache + layerwise offload (1 GPU), Cache-DiT + Ring=2, Cache-DiT + HSDP=2 +
/// VAE=2]`. GGUF goes through `--diffusion-quantization-config`, not `--quantization`.
macro_rules! gguf_cases {
    ($gguf:literal) => {
        [
            &[
                "--cache-backend",
                "tea_cache",
                "--enable-layerwise-offload",
                "--diffusion-quantization-config",
                concat!(r#"{"method":"gguf","gguf_model":""#, $gguf, r#""}"#),
            ],
            &[
                "--cache-backend",
                "cache_dit",
                "--ring",
                "2",
                "--diffusion-quantization-config",
                concat!(r#"{"method":"gguf","gguf_model":""#, $gguf, r#""}"#),
            ],
            $crate::online_serving::diffusion_common::cachedit_hsdp2_vae2!(
                "--diffusion-quantization-config",
                concat!(r#"{"method":"gguf","gguf_model":""#, $gguf, r#""}"#),
            ),
        ]
    };
}

pub(crate) use {cachedit_hsdp2_vae2, cachedit_tp2_vae2, gguf_cases};

/// Cache-DiT + Ulysses SP = 2 + FP8.
pub(crate) const CACHEDIT_ULYSSES2_FP8: &[&str] =
    &["--cache-backend", "cache_dit", "--usp", "2", "--quantization", "fp8"];
/// TeaCache + CFG-parallel = 2 + FP8.
pub(crate) const TEACACHE_CFG2_FP8: &[&str] =
    &["--cache-backend", "tea_cache", "--cfg-parallel-size", "2", "--quantization", "fp8"];
/// Cache-DiT + TP = 2 + VAE patch parallel = 2 + FP8.
pub(crate) const CACHEDIT_TP2_VAE2_FP8: &[&str] = cachedit_tp2_vae2!("--quantization", "fp8");

/// Runs `send` on every item at once, one thread each (as the seed's tests do with a thread per
/// request, or the list mode of `send_diffusion_request`), and returns the answers in order.
pub(crate) fn concurrently<I: Sync, T: Send>(
    items: &[I],
    send: impl Fn(&I) -> Result<T, TestError> + Sync,
) -> Result<Vec<T>, TestError> {
    std::thread::scope(|scope| {
        let send = &send;
        let handles: Vec<_> = items.iter().map(|item| scope.spawn(move || send(item))).collect();
        let total = handles.len();
        let mut answers = Vec::with_capacity(total);
        for (i, handle) in handles.into_iter().enumerate() {
            let answer =
                handle.join().map_err(|_| TestError::harness(format!("request {}'s thread panicked", i + 1)))?;
            answers.push(answer.map_err(|err| err.context(format!("concurrent request {}/{total}", i + 1)))?);
        }
        Ok(answers)
    })
}

/// Sends chat diffusion requests at once; each answer is validated at the run level.
pub(crate) fn send_concurrently(
    client: &Client,
    requests: &[DiffusionRequest],
) -> Result<Vec<DiffusionResponse>, TestError> {
    concurrently(requests, |request| Ok(client.send_diffusion_request(request, 1)?.remove(0)))
}
