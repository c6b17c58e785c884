//! Reliability: faults injected into a live server and what a client must see, the port of the
//! seed's `tests/dfx/reliability/test_reliability_<model>.py` for Qwen3-Omni and Wan2.2, plus
//! Qwen3-TTS and Qwen-Image. Every model gets the same tests ([`suite`]): the engine process
//! killed (`/health` 503, fast 5xx failures, concurrent and in-flight requests that end), the
//! server or its whole tree killed (no process and no GPU memory left), GPU memory pressure
//! (the error contract, concurrent requests, recovery once it goes), network faults through a
//! proxy, and the route's invalid-parameter table.
//!
//! The same tests run against vLLM-Omni on GPUs and against the mock: the engine is found by its
//! process title (the mock's `--engine-process` child carries vLLM-Omni's), and memory pressure
//! is a CUDA sidecar on GPUs and the mock's `oom` fault on the mock. L5: `full_model` and
//! `slow`, run weekly; `injectors/` holds the L1 tests of the injectors themselves.

pub(crate) mod bounds;
pub(crate) mod injectors;
pub(crate) mod invalid_params;
pub(crate) mod network;
pub(crate) mod pressure;
pub(crate) mod probe;
pub(crate) mod process_faults;
pub(crate) mod suite;
pub(crate) mod target;

mod qwen3_omni;
mod qwen3_tts;
mod qwen_image;
mod wan22;

/// The mock's engine runs in a process titled as vLLM-Omni's, so that it can be killed by title.
pub(crate) const ENGINE_PROCESS: &str = "--engine-process";

/// A fault that could not be injected: a harness error (the test could not be carried out), not
/// a failure of the server.
pub(crate) fn not_injected(err: impl std::fmt::Display) -> omnitest::TestError {
    omnitest::TestError::harness(err.to_string())
}
