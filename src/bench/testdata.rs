//! Config fixtures shared by the tests.

/// The seed's Qwen3-Omni example, as a one-case file.
pub const SEED_EXAMPLE: &str = include_str!("testdata/seed_qwen3_omni.json");

/// The reference's `test_qwen3_omni_async_chunk.json` excerpt (its trimmed `mean_e2el_ms` and
/// `mean_audio_rtf` lists completed with made-up values), and a second case with a QPS sweep,
/// a per-hardware baseline on two platforms, and a disabled quality entry.
pub const ASYNC_CHUNK: &str = include_str!("testdata/qwen3_omni_async_chunk.json");
