//! The embedded mock server: a CPU stand-in for vLLM-Omni that behaves like it on the wire.
//!
//! `omnitest mock-server MODEL [vllm serve flags] [mock flags]` starts an axum server with the
//! routes, wire formats and error answers of vLLM-Omni for the model's profile, real media
//! (WAV, PNG/JPEG, H.264 MP4), honest content (it describes what pixel and sample analysis
//! finds, and decodes only its own speech), a continuous-batching timing model, and faults on
//! demand.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | the command line and effective configuration |
//! | [`serve_flags`] | the `vllm serve` flags accepted and recorded |
//! | [`diffusion_flags`] | the diffusion feature flags, checked as vLLM-Omni checks them |
//! | [`deploy`] | the deploy / stage-config YAML |
//! | [`profile`] | which routes and modalities a model has |
//! | [`engine`] | the timing model |
//! | [`faults`] | faults on demand |
//! | [`defects`] | deliberate wrong answers, to show that suites fail |
//! | [`metrics`] | Prometheus families |
//! | [`content`] | perception and generation |
//! | [`lora`] | per-request LoRA adapters for image generation |
//! | [`runner`] | the offline runner, and the `Omni(...)` arguments it checks ([`omni_kwargs`]) |
//! | [`text`] | tokenizer and filler text |
//! | [`routes`] | the HTTP API |
//! | [`server`] | binding and serving |

pub mod config;
pub mod content;
pub mod defects;
pub mod deploy;
pub mod diffusion_flags;
pub mod engine;
pub mod errors;
pub mod faults;
pub mod lora;
pub mod metrics;
pub mod omni_kwargs;
pub mod profile;
pub mod routes;
pub mod runner;
pub mod serve_flags;
pub mod server;
pub mod state;
#[cfg(test)]
pub(crate) mod test_server;
pub mod text;
pub mod validate;

pub use server::run;
