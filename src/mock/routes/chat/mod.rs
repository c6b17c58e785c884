//! `POST /v1/chat/completions`: text, omni text + audio, and images for diffusion models,
//! streamed (SSE with vLLM-Omni's per-chunk `modality`) or not.

mod chunks;
mod plan;
mod prefix_cache;
pub mod request;
mod respond;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::mock::errors::ApiError;
use crate::mock::profile::Route;
use crate::mock::state::AppState;

/// The handler.
pub async fn chat_completions(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(state, headers, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn handle(state: AppState, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    state.check_route(Route::Chat, "/v1/chat/completions")?;
    let request = request::ChatRequest::parse(&body, state.profile)?;
    let model = state.check_model(request.model.as_deref())?;
    let request_id = super::request_id(&state, &headers, "chatcmpl");
    let plan = plan::Plan::build(&state, request, model, request_id).await?;
    Ok(if plan.request.stream { respond::stream(state, plan) } else { respond::complete(state, plan).await? })
}
