//! The L4 diffusion feature matrix for BAGEL-7B-MoT: the seed's chapter 3 (the 2 × H100
//! combinations) applied to the model of `test_bagel.py`, whose features the seed's
//! `tests/e2e/online_serving/test_bagel_expansion.py` covers one by one. BAGEL is a two-stage
//! pipeline (thinker, then DiT), so the 2-GPU servers edit the CI deploy config to give the
//! DiT stage both GPUs, as the seed does, and tensor/VAE-patch parallelism is set in that
//! stage's `parallel_config`:
//!
//! | scenario | GPUs | flags and deploy edits |
//! |---|---|---|
//! | `teacache_layerwise` | 1 | `--cache-backend tea_cache --enable-layerwise-offload` |
//! | `cachedit_ulysses2` | 2 | `--cache-backend cache_dit --usp 2`; stage 1 on GPUs 0,1 |
//! | `cachedit_ring2` | 2 | `--cache-backend cache_dit --ring 2`; stage 1 on GPUs 0,1 |
//! | `teacache_cfg2` | 2 | `--cache-backend tea_cache --cfg-parallel-size 2`; stage 1 on GPUs 0,1 |
//! | `cachedit_tp2_vae2` | 2 | `--cache-backend cache_dit`; stage 1 on GPUs 0,1 with `parallel_config` TP 2, VAE patch 2 |
//! | `cachedit_hsdp2_vae2` | 2 | `--cache-backend cache_dit --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2`; stage 1 on GPUs 0,1 |
//!
//! Fallbacks, by the seed's rules:
//!
//! - Quantization: vLLM-Omni lists FP8 and GGUF for BAGEL as "not validated" / "requires a
//!   model-specific adapter" (`quantization/fp8.md`, `quantization/gguf.md`), so "remove this
//!   option in all test cases": no case quantizes.
//! - Offload, HSDP, VAE patch parallelism: the collapsed feature table marks them ❌ for BAGEL,
//!   but the seed's own BAGEL expansion runs layerwise offload, HSDP=2 and TP=2 + VAE patch 2, so
//!   they stay (layerwise, not the module-wise fallback).
//! - After dropping quantization no case's coverage is contained in the others', so all six
//!   stay.
//!
//! Requests ask for the image modality (`modalities: ["image"]`, as `test_bagel.py` does), with
//! the seed's negative prompt, `true_cfg_scale` 4 and `cfg_img_scale` 1 so that CFG-parallel has
//! branches to split. CI: nightly (`full_model`) on H100s; the seed marks its BAGEL expansion
//! `slow` (weekly), chapter 3 puts feature matrices in the nightly run, which is followed here.

use omnitest::prelude::*;
use serde_json::json;

use super::diffusion_common::cachedit_hsdp2_vae2;

const MODEL: &str = "ByteDance-Seed/BAGEL-7B-MoT";
const PROMPT: &str = "A futuristic city skyline at twilight, cyberpunk style, ultra-detailed, high resolution.";
const NEGATIVE_PROMPT: &str = "low quality, blurry, distorted, deformed, watermark";

/// The DiT stage on both GPUs (the thinker stays on GPU 0).
const DIT_ON_TWO_GPUS: &[(&str, &str)] = &[("stages.0.devices", "'0'"), ("stages.1.devices", "'0,1'")];

const fn bagel(args: &'static [&'static str]) -> Scenario {
    Scenario::vllm_omni(MODEL).stage_configs("ci/bagel.yaml").startup_timeout_s(600).args(args)
}

static TEACACHE_LAYERWISE: Scenario = bagel(&["--cache-backend", "tea_cache", "--enable-layerwise-offload"]);
static CACHEDIT_ULYSSES2: Scenario = bagel(&["--cache-backend", "cache_dit", "--usp", "2"]).updates(DIT_ON_TWO_GPUS);
static CACHEDIT_RING2: Scenario = bagel(&["--cache-backend", "cache_dit", "--ring", "2"]).updates(DIT_ON_TWO_GPUS);
static TEACACHE_CFG2: Scenario =
    bagel(&["--cache-backend", "tea_cache", "--cfg-parallel-size", "2"]).updates(DIT_ON_TWO_GPUS);
static CACHEDIT_TP2_VAE2: Scenario = bagel(&["--cache-backend", "cache_dit"]).updates(&[
    ("stages.0.devices", "'0'"),
    ("stages.1.devices", "'0,1'"),
    ("stages.1.parallel_config.tensor_parallel_size", "2"),
    ("stages.1.parallel_config.vae_patch_parallel_size", "2"),
]);
static CACHEDIT_HSDP2_VAE2: Scenario = bagel(cachedit_hsdp2_vae2!()).updates(DIT_ON_TWO_GPUS);

/// One 512×512 image with CFG on.
fn text_to_image(server: &Server, client: &Client) -> TestResult {
    let request = DiffusionRequest::new(server.model(), Messages::user(PROMPT))
        .modalities(&[Modality::Image])
        .size(512, 512)
        .steps(2)
        .seed(42)
        .extra("negative_prompt", json!(NEGATIVE_PROMPT))
        .extra("true_cfg_scale", json!(4.0))
        .extra("cfg_img_scale", json!(1.0));
    client.send_diffusion_request(&request, 1)?;
    Ok(())
}

omni_test! {
    /// TeaCache with layerwise CPU offload on one GPU (no quantization: not validated for BAGEL).
    /// Deploy Setting: ci/bagel.yaml; --cache-backend tea_cache --enable-layerwise-offload
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: modalities=["image"], height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, cfg_img_scale=1.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, cache)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(TEACACHE_LAYERWISE)]
    fn test_single_card_001(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }

    /// Sequence parallelism of the DiT stage over two GPUs, Ulysses and Ring, with Cache-DiT.
    /// Deploy Setting: ci/bagel.yaml with stage 1 on GPUs 0,1; --cache-backend cache_dit with --usp 2 or --ring 2
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: modalities=["image"], height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, cfg_img_scale=1.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache, sp)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(CACHEDIT_ULYSSES2, CACHEDIT_RING2)]
    fn test_sequence_parallel_001(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }

    /// CFG-parallel (TeaCache), tensor parallel with VAE patch parallel set in the deploy config
    /// (Cache-DiT), and HSDP with VAE patch parallel (Cache-DiT), the DiT stage over two GPUs.
    /// Deploy Setting: ci/bagel.yaml with stage 1 on GPUs 0,1 (and parallel_config TP 2, VAE patch 2); --cfg-parallel-size 2 | --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: modalities=["image"], height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, cfg_img_scale=1.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(TEACACHE_CFG2, CACHEDIT_TP2_VAE2, CACHEDIT_HSDP2_VAE2)]
    fn test_parallel_001(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }
}
