//! The L4 diffusion feature matrix for Wan2.2 text-to-video: the seed's chapter 3 ("Test
//! Examples: Functionality Tests", the 2 × H100 combinations) applied to
//! `Wan-AI/Wan2.2-T2V-A14B-Diffusers`, the model of the seed's `test_wan22_t2v.py` whose
//! features `tests/e2e/online_serving/test_wan22_expansion.py` covers one by one. With the
//! seed's fallback rules applied, each server runs:
//!
//! | scenario | GPUs | flags |
//! |---|---|---|
//! | `cachedit_layerwise` | 1 | `--cache-backend cache_dit --enable-layerwise-offload` |
//! | `cachedit_ulysses2` | 2 | `--cache-backend cache_dit --usp 2` |
//! | `cachedit_ring2` | 2 | `--cache-backend cache_dit --ring 2` |
//! | `cachedit_cfg2` | 2 | `--cache-backend cache_dit --cfg-parallel-size 2` |
//! | `cachedit_tp2_vae2` | 2 | `--cache-backend cache_dit --tensor-parallel-size 2 --vae-patch-parallel-size 2 --vae-use-tiling` |
//! | `cachedit_hsdp2_vae2` | 2 | `--cache-backend cache_dit --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2 --vae-use-tiling` |
//!
//! Fallbacks, each by the seed's rules:
//!
//! - Caching: Wan2.2 has Cache-DiT but not TeaCache (vLLM-Omni's feature table,
//!   `docs/user_guide/diffusion_features.md`), so "if the model only supports specific caching
//!   feature, use this option": Cache-DiT replaces TeaCache in the single-card and CFG cases.
//! - Quantization: neither FP8 ("Wan2.2 … Not validated", `quantization/fp8.md`) nor GGUF ("no
//!   validated adapter", `quantization/gguf.md`; unsupported models fail with "No GGUF adapter
//!   matched") is supported for Wan2.2 on CUDA, so "remove this option in all test cases": no
//!   case quantizes. (MXFP8/MXFP4 are validated for Wan2.2 on Ascend only.)
//! - Offload: Wan2.2 has layerwise offload, so the single-card case keeps it (no module-wise
//!   fallback needed).
//! - After these changes no case's coverage overlaps another's, so all six stay.
//!
//! VAE patch parallelism stays within the DiT ranks (2) and gets `--vae-use-tiling`. Requests
//! are the seed's CI video (512×512, 8 frames at 8 fps, 2 steps, guidance 4 with a negative
//! prompt so that CFG-parallel has two branches). CI: nightly (`full_model`) on H100s; videos
//! are checked fully (size, fps, `(n // 4) * 4 + 1` frames).

use omnitest::prelude::*;

use super::diffusion_common::{cachedit_hsdp2_vae2, cachedit_tp2_vae2, video_request};

const MODEL: &str = "Wan-AI/Wan2.2-T2V-A14B-Diffusers";
const PROMPT: &str =
    "Two anthropomorphic cats in comfy boxing gear and bright gloves fight intensely on a spotlighted stage.";

static CACHEDIT_LAYERWISE: Scenario =
    Scenario::vllm_omni(MODEL).args(&["--cache-backend", "cache_dit", "--enable-layerwise-offload"]);
static CACHEDIT_ULYSSES2: Scenario = Scenario::vllm_omni(MODEL).args(&["--cache-backend", "cache_dit", "--usp", "2"]);
static CACHEDIT_RING2: Scenario = Scenario::vllm_omni(MODEL).args(&["--cache-backend", "cache_dit", "--ring", "2"]);
static CACHEDIT_CFG2: Scenario =
    Scenario::vllm_omni(MODEL).args(&["--cache-backend", "cache_dit", "--cfg-parallel-size", "2"]);
static CACHEDIT_TP2_VAE2: Scenario = Scenario::vllm_omni(MODEL).args(cachedit_tp2_vae2!());
static CACHEDIT_HSDP2_VAE2: Scenario = Scenario::vllm_omni(MODEL).args(cachedit_hsdp2_vae2!());

/// The seed's CI video through the job API.
fn text_to_video(server: &Server, client: &Client) -> TestResult {
    client.send_video_diffusion_request(&video_request(server.model(), PROMPT, 512, 512, 8, 8), 1)?;
    Ok(())
}

omni_test! {
    /// Cache-DiT with layerwise CPU offload on one GPU (Cache-DiT replaces TeaCache, which Wan2.2 lacks).
    /// Deploy Setting: default; --cache-backend cache_dit --enable-layerwise-offload
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: height=512, width=512, num_frames=8, fps=8, num_inference_steps=2, guidance_scale=4.0, negative_prompt, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, cache)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(CACHEDIT_LAYERWISE)]
    fn test_single_card_001(server: &Server, client: &Client) -> TestResult {
        text_to_video(server, client)
    }

    /// Sequence parallelism over two GPUs, Ulysses and Ring, with Cache-DiT.
    /// Deploy Setting: default; --cache-backend cache_dit with --usp 2 or --ring 2
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: height=512, width=512, num_frames=8, fps=8, num_inference_steps=2, guidance_scale=4.0, negative_prompt, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache, sp)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(CACHEDIT_ULYSSES2, CACHEDIT_RING2)]
    fn test_sequence_parallel_001(server: &Server, client: &Client) -> TestResult {
        text_to_video(server, client)
    }

    /// CFG-parallel, tensor parallel with VAE patch parallel, and HSDP with VAE patch parallel,
    /// each over two GPUs with Cache-DiT.
    /// Deploy Setting: default; --cfg-parallel-size 2 | --tensor-parallel-size 2 --vae-patch-parallel-size 2 | --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: height=512, width=512, num_frames=8, fps=8, num_inference_steps=2, guidance_scale=4.0, negative_prompt, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(CACHEDIT_CFG2, CACHEDIT_TP2_VAE2, CACHEDIT_HSDP2_VAE2)]
    fn test_parallel_001(server: &Server, client: &Client) -> TestResult {
        text_to_video(server, client)
    }
}
