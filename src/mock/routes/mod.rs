//! The mock's routes, one module per API family.

pub mod audio;
pub mod basic;
pub mod chat;
pub mod completions;
pub mod form;
pub mod images;
pub mod speech;
pub mod sse;
pub mod videos;

use axum::http::HeaderMap;

use super::state::AppState;

/// The request id: the client's `x-request-id`, or a fresh one with `prefix`.
pub fn request_id(state: &AppState, headers: &HeaderMap, prefix: &str) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 256)
        .map_or_else(|| state.next_id(prefix), str::to_owned)
}

/// The process's peak resident memory in MiB (`VmHWM`), what the mock reports as
/// `peak_memory_mb`.
pub fn peak_memory_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
