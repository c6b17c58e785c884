//! L2–L4 offline-inference tests: the counterparts of the seed's
//! `tests/e2e/offline_inference/test_<model>.py`, driving an offline runner (vLLM-Omni's `Omni`
//! through `harness/offline_runner.py`, or `omnitest mock-runner`) over the JSON-lines protocol.

mod bagel_text2img;
mod cache_dit;
mod common;
mod diffusion_cpu_offload;
mod diffusion_layerwise_offload;
mod diffusion_lora;
mod qwen2_5_omni;
mod qwen3_omni;
mod sequence_parallel;
mod stable_audio_expansion;
mod teacache;
mod wan22;
mod z_image;
mod zimage_tensor_parallel;
