//! The L4 diffusion feature matrix for Qwen-Image: the seed's chapter 3 ("Test Examples:
//! Functionality Tests", the 2 × H100 combinations), in the style of its reference
//! `tests/e2e/online_serving/test_qwen_image_edit_expansion.py`, applied to the model of
//! `test_qwen_image.py`. Each supported feature is on in at least one server:
//!
//! | scenario | GPUs | flags |
//! |---|---|---|
//! | `teacache_layerwise_gguf` | 1 | `--cache-backend tea_cache --enable-layerwise-offload --diffusion-quantization-config {gguf}` |
//! | `cachedit_ulysses2_fp8` | 2 | `--cache-backend cache_dit --usp 2 --quantization fp8` |
//! | `cachedit_ring2_gguf` | 2 | `--cache-backend cache_dit --ring 2 --diffusion-quantization-config {gguf}` |
//! | `teacache_cfg2_fp8` | 2 | `--cache-backend tea_cache --cfg-parallel-size 2 --quantization fp8` |
//! | `cachedit_tp2_vae2_fp8` | 2 | `--cache-backend cache_dit --tensor-parallel-size 2 --vae-patch-parallel-size 2 --vae-use-tiling --quantization fp8` |
//! | `cachedit_hsdp2_vae2_gguf` | 2 | `--cache-backend cache_dit --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2 --vae-use-tiling --diffusion-quantization-config {gguf}` |
//!
//! No fallback is needed: vLLM-Omni's feature table (`docs/user_guide/diffusion_features.md`)
//! lists every one of these features for Qwen-Image, FP8 is validated for it
//! (`quantization/fp8.md`) and its GGUF adapter is `QwenImageGGUFAdapter`
//! (`quantization/gguf.md`). Notes that hold for all three Qwen-Image matrices:
//!
//! - GGUF is not a `--quantization` value for diffusion servers: vLLM-Omni takes the
//!   pre-quantized transformer through `--diffusion-quantization-config` with `method: gguf`
//!   and a `gguf_model` (`repo:quant_type` here), and needs the `vllm-gguf-plugin` installed.
//! - The single-GPU case pairs layerwise offload with TeaCache, as the seed's list says and as
//!   its reference test notes (Cache-DiT and layerwise offload did not work together, #1779).
//! - VAE patch parallelism rides on the DiT ranks (at most, and dividing, the world size: 2
//!   with TP=2 or HSDP shard 2) and is given `--vae-use-tiling`, which it needs.
//! - Requests carry a negative prompt with `true_cfg_scale` 4: without both, CFG-parallel has
//!   only one branch and the CFG=2 server would not exercise it.
//!
//! CI: nightly (`full_model`), on the seed's H100 shards; validation is deep (exact sizes).

use omnitest::prelude::*;

use super::diffusion_common::{self, gguf_cases, image_request};
use super::qwen_image::T2I_PROMPT;

const MODEL: &str = "Qwen/Qwen-Image";

const GGUF: [&[&str]; 3] = gguf_cases!("QuantStack/Qwen-Image-GGUF:Q4_K_M");

static TEACACHE_LAYERWISE_GGUF: Scenario = Scenario::vllm_omni(MODEL).args(GGUF[0]);
static CACHEDIT_ULYSSES2_FP8: Scenario = Scenario::vllm_omni(MODEL).args(diffusion_common::CACHEDIT_ULYSSES2_FP8);
static CACHEDIT_RING2_GGUF: Scenario = Scenario::vllm_omni(MODEL).args(GGUF[1]);
static TEACACHE_CFG2_FP8: Scenario = Scenario::vllm_omni(MODEL).args(diffusion_common::TEACACHE_CFG2_FP8);
static CACHEDIT_TP2_VAE2_FP8: Scenario = Scenario::vllm_omni(MODEL).args(diffusion_common::CACHEDIT_TP2_VAE2_FP8);
static CACHEDIT_HSDP2_VAE2_GGUF: Scenario = Scenario::vllm_omni(MODEL).args(GGUF[2]);

/// One 512×512 text-to-image request with CFG on.
fn text_to_image(server: &Server, client: &Client) -> TestResult {
    client.send_diffusion_request(&image_request(server.model(), T2I_PROMPT, 512, 512), 1)?;
    Ok(())
}

omni_test! {
    /// TeaCache with layerwise CPU offload and a GGUF transformer on one GPU.
    /// Deploy Setting: default; --cache-backend tea_cache --enable-layerwise-offload, GGUF Q4_K_M
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, cache)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(TEACACHE_LAYERWISE_GGUF)]
    fn test_single_card_001(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }

    /// Sequence parallelism over two GPUs, Ulysses (with FP8) and Ring (with GGUF), with Cache-DiT.
    /// Deploy Setting: default; --cache-backend cache_dit with --usp 2 --quantization fp8, or --ring 2 and GGUF Q4_K_M
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache, sp)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(CACHEDIT_ULYSSES2_FP8, CACHEDIT_RING2_GGUF)]
    fn test_sequence_parallel_001(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }

    /// CFG-parallel (TeaCache, FP8), tensor parallel with VAE patch parallel (Cache-DiT, FP8),
    /// and HSDP with VAE patch parallel (Cache-DiT, GGUF), each over two GPUs.
    /// Deploy Setting: default; --cfg-parallel-size 2 | --tensor-parallel-size 2 --vae-patch-parallel-size 2 | --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: height=512, width=512, num_inference_steps=2, negative_prompt, true_cfg_scale=4.0, seed=42
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(diffusion, parallel, cache)]
    #[hardware(cuda = "H100", cards = 2)]
    #[scenarios(TEACACHE_CFG2_FP8, CACHEDIT_TP2_VAE2_FP8, CACHEDIT_HSDP2_VAE2_GGUF)]
    fn test_parallel_001(server: &Server, client: &Client) -> TestResult {
        text_to_image(server, client)
    }
}
