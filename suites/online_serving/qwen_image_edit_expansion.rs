//! The L4 diffusion feature matrix for the Qwen-Image-Edit family: the counterpart of the seed's
//! reference L4 test `tests/e2e/online_serving/test_qwen_image_edit_expansion.py`, with the
//! six 2 × H100 combinations of the seed's chapter 3 for both of its models, Qwen-Image-Edit
//! (one reference image) and Qwen-Image-Edit-2509 (two):
//!
//! | scenario (`edit_…`, `edit2509_…`) | GPUs | flags |
//! |---|---|---|
//! | `teacache_layerwise_gguf` | 1 | `--cache-backend tea_cache --enable-layerwise-offload --diffusion-quantization-config {gguf}` |
//! | `cachedit_ulysses2_fp8` | 2 | `--cache-backend cache_dit --usp 2 --quantization fp8` |
//! | `cachedit_ring2_gguf` | 2 | `--cache-backend cache_dit --ring 2 --diffusion-quantization-config {gguf}` |
//! | `teacache_cfg2_fp8` | 2 | `--cache-backend tea_cache --cfg-parallel-size 2 --quantization fp8` |
//! | `cachedit_tp2_vae2_fp8` | 2 | `--cache-backend cache_dit --tensor-parallel-size 2 --vae-patch-parallel-size 2 --vae-use-tiling --quantization fp8` |
//! | `cachedit_hsdp2_vae2_gguf` | 2 | `--cache-backend cache_dit --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2 --vae-use-tiling --diffusion-quantization-config {gguf}` |
//!
//! `{gguf}` is `{"method":"gguf","gguf_model":"QuantStack/Qwen-Image-Edit-GGUF:Q4_K_M"}` (the
//! 2509 checkpoint's own `…-2509-GGUF` for Qwen-Image-Edit-2509).
//!
//! Fallbacks: none of the features is dropped. Both models have TeaCache, Cache-DiT, SP, CFG,
//! TP, HSDP, layerwise offload and VAE patch parallelism in vLLM-Omni's feature table. Its
//! collapsed quantization column says ❌ for the edit models, but the method guides are more
//! specific and list them: GGUF's `QwenImageGGUFAdapter` covers "edit and layered Qwen-Image
//! pipelines" (`quantization/gguf.md`) and FP8 is "validated for the Qwen-Image family"
//! (`quantization/online.md`). Should either fail on the GPU box, the seed's rule applies: drop
//! that method from every case here. The other notes of `qwen_image_expansion.rs` hold too
//! (GGUF through `--diffusion-quantization-config`, TeaCache with layerwise offload, VAE patch
//! parallelism within the DiT ranks with tiling, CFG on in every request).
//!
//! CI: nightly (`full_model`) on H100s; validation is deep (exact sizes).

use omnitest::prelude::*;

use super::diffusion_common::{CACHEDIT_TP2_VAE2_FP8, CACHEDIT_ULYSSES2_FP8, TEACACHE_CFG2_FP8, gguf_cases};
use super::qwen_image_edit::edit_512;

const EDIT: &str = "Qwen/Qwen-Image-Edit";
const EDIT_2509: &str = "Qwen/Qwen-Image-Edit-2509";

const EDIT_GGUF: [&[&str]; 3] = gguf_cases!("QuantStack/Qwen-Image-Edit-GGUF:Q4_K_M");
const EDIT_2509_GGUF: [&[&str]; 3] = gguf_cases!("QuantStack/Qwen-Image-Edit-2509-GGUF:Q4_K_M");

static EDIT_TEACACHE_LAYERWISE_GGUF: Scenario = Scenario::vllm_omni(EDIT).args(EDIT_GGUF[0]);
static EDIT_CACHEDIT_ULYSSES2_FP8: Scenario = Scenario::vllm_omni(EDIT).args(CACHEDIT_ULYSSES2_FP8);
static EDIT_CACHEDIT_RING2_GGUF: Scenario = Scenario::vllm_omni(EDIT).args(EDIT_GGUF[1]);
static EDIT_TEACACHE_CFG2_FP8: Scenario = Scenario::vllm_omni(EDIT).args(TEACACHE_CFG2_FP8);
static EDIT_CACHEDIT_TP2_VAE2_FP8: Scenario = Scenario::vllm_omni(EDIT).args(CACHEDIT_TP2_VAE2_FP8);
static EDIT_CACHEDIT_HSDP2_VAE2_GGUF: Scenario = Scenario::vllm_omni(EDIT).args(EDIT_GGUF[2]);

static EDIT2509_TEACACHE_LAYERWISE_GGUF: Scenario = Scenario::vllm_omni(EDIT_2509).args(EDIT_2509_GGUF[0]);
static EDIT2509_CACHEDIT_ULYSSES2_FP8: Scenario = Scenario::vllm_omni(EDIT_2509).args(CACHEDIT_ULYSSES2_FP8);
static EDIT2509_CACHEDIT_RING2_GGUF: Scenario = Scenario::vllm_omni(EDIT_2509).args(EDIT_2509_GGUF[1]);
static EDIT2509_TEACACHE_CFG2_FP8: Scenario = Scenario::vllm_omni(EDIT_2509).args(TEACACHE_CFG2_FP8);
static EDIT2509_CACHEDIT_TP2_VAE2_FP8: Scenario = Scenario::vllm_omni(EDIT_2509).args(CACHEDIT_TP2_VAE2_FP8);
static EDIT2509_CACHEDIT_HSDP2_VAE2_GGUF: Scenario = Scenario::vllm_omni(EDIT_2509).args(EDIT_2509_GGUF[2]);

/// One 512×512 edit with CFG on: one reference for Qwen-Image-Edit, two for -2509.
fn edit(server: &Server, client: &Client) -> TestResult {
    edit_512(server, client, if server.model() == EDIT_2509 { 2 } else { 1 })
}

omni_test! {
    /// TeaCache with layerwise CPU offload and a GGUF transformer on one GPU.
    /// Deploy Setting: default; --cache-backend tea_cache --enable-layerwise-offload, GGUF Q4_K_M
    /// Input Modal: text + image (Edit) or text + 2 images (Edit-2509)
    /// Output Modal: image
    /// Input Setting: 512x512 inputs, height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, cache)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(EDIT_TEACACHE_LAYERWISE_GGUF, EDIT2509_TEACACHE_LAYERWISE_GGUF)]
    fn test_single_card_001(server: &Server, client: &Client) -> TestResult {
        edit(server, client)
    }

    /// Sequence parallelism over two GPUs, Ulysses (with FP8) and Ring (with GGUF), with Cache-DiT.
    /// Deploy Setting: default; --cache-backend cache_dit with --usp 2 --quantization fp8, or --ring 2 and GGUF Q4_K_M
    /// Input Modal: text + image (Edit) or text + 2 images (Edit-2509)
    /// Output Modal: image
    /// Input Setting: 512x512 inputs, height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache, sp)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(
        EDIT_CACHEDIT_ULYSSES2_FP8, EDIT_CACHEDIT_RING2_GGUF, EDIT2509_CACHEDIT_ULYSSES2_FP8, EDIT2509_CACHEDIT_RING2_GGUF
    )]
    fn test_sequence_parallel_001(server: &Server, client: &Client) -> TestResult {
        edit(server, client)
    }

    /// CFG-parallel (TeaCache, FP8), tensor parallel with VAE patch parallel (Cache-DiT, FP8),
    /// and HSDP with VAE patch parallel (Cache-DiT, GGUF), each over two GPUs.
    /// Deploy Setting: default; --cfg-parallel-size 2 | --tensor-parallel-size 2 --vae-patch-parallel-size 2 | --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2
    /// Input Modal: text + image (Edit) or text + 2 images (Edit-2509)
    /// Output Modal: image
    /// Input Setting: 512x512 inputs, height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(
        EDIT_TEACACHE_CFG2_FP8, EDIT_CACHEDIT_TP2_VAE2_FP8, EDIT_CACHEDIT_HSDP2_VAE2_GGUF,
        EDIT2509_TEACACHE_CFG2_FP8, EDIT2509_CACHEDIT_TP2_VAE2_FP8, EDIT2509_CACHEDIT_HSDP2_VAE2_GGUF
    )]
    fn test_parallel_001(server: &Server, client: &Client) -> TestResult {
        edit(server, client)
    }
}
