//! L2–L4 online-serving tests: one file per model, each the counterpart of the seed's
//! `tests/e2e/online_serving/test_<model>.py` (`docs/seed-test-map.md` has the table). A test
//! talks to a served model through the validating client; its scenarios carry the real
//! `vllm serve --omni` flags and deploy files, so the same test runs against the mock on a laptop
//! and against vLLM-Omni on the hardware its markers name.

mod async_omni;
mod bagel;
mod bagel_expansion;
mod common;
mod diffusion_common;
mod images_generations_lora;
mod mimo_audio;
mod qwen2_5_omni;
mod qwen3_omni;
mod qwen3_omni_expansion;
mod qwen3_tts;
mod qwen3_tts_expansion;
mod qwen_image;
mod qwen_image_edit;
mod qwen_image_edit_expansion;
mod qwen_image_expansion;
mod stable_audio;
mod wan22;
mod wan22_expansion;
mod z_image;
