//! `/health`, `/v1/models`, `/metrics`, and the loopback-only admin routes.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::mock::errors::ApiError;
use crate::mock::faults::FaultSettings;
use crate::mock::state::AppState;

/// `GET /health`: 200 while the engine lives, 503 once it is dead.
pub async fn health(State(state): State<AppState>) -> Response {
    if state.engine.faults().is_dead() {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unhealthy"}))).into_response()
    } else {
        (StatusCode::OK, Json(json!({"status": "healthy"}))).into_response()
    }
}

/// `GET /version`.
pub async fn version() -> Json<serde_json::Value> {
    Json(json!({ "version": concat!("omnitest-mock-", env!("CARGO_PKG_VERSION")) }))
}

/// `GET /v1/models`: vLLM's model list.
pub async fn models(State(state): State<AppState>) -> Json<serde_json::Value> {
    let max_model_len = state.config.serve_flags.get("max-model-len").and_then(|v| v.as_str()?.parse::<u64>().ok());
    let data: Vec<_> = state
        .config
        .served_model_names
        .iter()
        .map(|name| {
            json!({
                "id": name,
                "object": "model",
                "created": state.started,
                "owned_by": "vllm",
                "root": state.config.model,
                "parent": null,
                "max_model_len": max_model_len.unwrap_or(32768),
                "permission": [{
                    "id": format!("modelperm-{:016x}", xxhash_rust::xxh3::xxh3_64(name.as_bytes())),
                    "object": "model_permission",
                    "created": state.started,
                    "allow_create_engine": false,
                    "allow_sampling": true,
                    "allow_logprobs": true,
                    "allow_search_indices": false,
                    "allow_view": true,
                    "allow_fine_tuning": false,
                    "organization": "*",
                    "group": null,
                    "is_blocking": false
                }]
            })
        })
        .collect();
    Json(json!({ "object": "list", "data": data }))
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.engine.metrics().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// The admin routes answer only loopback clients.
fn loopback_only(peer: SocketAddr) -> Result<(), ApiError> {
    if peer.ip().is_loopback() {
        Ok(())
    } else {
        Err(ApiError::with_status(StatusCode::FORBIDDEN, "the omnitest admin routes answer loopback clients only"))
    }
}

/// `GET /omnitest/config`: the effective configuration.
pub async fn config(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    match loopback_only(peer) {
        Ok(()) => Json(&state.config).into_response(),
        Err(err) => err.into_response(),
    }
}

/// `GET /omnitest/faults`: the active faults.
pub async fn get_faults(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    match loopback_only(peer) {
        Ok(()) => Json(state.engine.faults().settings()).into_response(),
        Err(err) => err.into_response(),
    }
}

/// `POST /omnitest/faults`: replaces the active faults with the body's.
pub async fn set_faults(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(err) = loopback_only(peer) {
        return err.into_response();
    }
    match serde_json::from_slice::<FaultSettings>(&body) {
        Ok(settings) => {
            state.engine.faults().set(settings.clone());
            Json(settings).into_response()
        }
        Err(err) => ApiError::bad_request(format!("invalid fault settings: {err}")).into_response(),
    }
}

/// `DELETE /omnitest/faults`: clears every fault.
pub async fn clear_faults(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    if let Err(err) = loopback_only(peer) {
        return err.into_response();
    }
    state.engine.faults().set(FaultSettings::default());
    Json(FaultSettings::default()).into_response()
}

/// Unknown routes get FastAPI's 404.
pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"detail": "Not Found"}))).into_response()
}
