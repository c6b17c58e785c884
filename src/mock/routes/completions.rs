//! `POST /v1/completions`: plain text completion, streamed or not. Thinker–talker models reject
//! it with 400, as vLLM-Omni does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::sse::{self, Out, Stop};
use crate::mock::errors::ApiError;
use crate::mock::profile::Route;
use crate::mock::state::{AppState, unix_now};
use crate::mock::text::{Reply, compose_reply, count_tokens, tokenize};
use crate::mock::validate::{Fields, parse_object};

struct CompletionRequest {
    model: Option<String>,
    prompt: String,
    stream: bool,
    include_usage: bool,
    continuous_usage: bool,
    max_tokens: Option<usize>,
    ignore_eos: bool,
    seed: Option<u64>,
}

fn parse(bytes: &[u8]) -> Result<CompletionRequest, ApiError> {
    let body = parse_object(bytes)?;
    let mut f = Fields::new(&body);
    let model = f.string("model", false).map(str::to_owned);
    let prompt = match f.required("prompt") {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
        }
        Some(_) => {
            f.reject("prompt", "string_type", "Input should be a valid string or a list of strings");
            None
        }
        None => None,
    };
    let stream = f.bool("stream").unwrap_or(false);
    let options = f.object("stream_options").cloned();
    let max_tokens = f.unsigned("max_tokens").map(|n| n as usize);
    f.float("temperature");
    let ignore_eos = f.bool("ignore_eos").unwrap_or(false);
    let seed = f.unsigned("seed");
    f.finish()?;
    let flag = |key: &str| options.as_ref().and_then(|o| o.get(key)).and_then(Value::as_bool).unwrap_or(false);
    Ok(CompletionRequest {
        model,
        prompt: prompt.unwrap_or_default(),
        stream,
        include_usage: flag("include_usage"),
        continuous_usage: flag("continuous_usage_stats"),
        max_tokens: Some(max_tokens.unwrap_or(16)),
        ignore_eos,
        seed,
    })
}

/// The handler.
pub async fn completions(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(state, headers, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn handle(state: AppState, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    state.check_route(Route::Completions, "/v1/completions")?;
    let request = parse(&body)?;
    let model = state.check_model(request.model.as_deref())?;
    let id = super::request_id(&state, &headers, "cmpl");
    let prompt_tokens = count_tokens(&request.prompt).max(1) as u64;
    state.admit(prompt_tokens, &id)?;
    let seed = request.seed.unwrap_or(state.config.timing.seed) ^ xxhash_rust::xxh3::xxh3_64(request.prompt.as_bytes());
    let reply = compose_reply(&[], seed, request.max_tokens, request.ignore_eos);
    let created = unix_now();
    let head = json!({"id": id, "object": "text_completion", "created": created, "model": model});
    if request.stream {
        let (mut out, response) = sse::channel(state.engine.faults().truncate_after());
        tokio::spawn(async move {
            let result = stream(&state, &request, &reply, &head, prompt_tokens, &mut out).await;
            out.end(result).await;
        });
        return Ok(response);
    }
    let mut seq = state.engine.admit(prompt_tokens, &id).await?;
    for _ in 0..reply.tokens {
        seq.next_token().await?;
    }
    seq.finish(reply.finish_reason);
    let mut body = head;
    body["choices"] = json!([{"index": 0, "text": reply.text, "logprobs": null, "finish_reason": reply.finish_reason}]);
    body["usage"] = usage(prompt_tokens, reply.tokens as u64);
    Ok(Json(body).into_response())
}

async fn stream(
    state: &AppState,
    request: &CompletionRequest,
    reply: &Reply,
    head: &Value,
    prompt_tokens: u64,
    out: &mut Out,
) -> Result<(), Stop> {
    let mut seq = state.engine.admit(prompt_tokens, head["id"].as_str().unwrap_or_default()).await?;
    let pieces = tokenize(&reply.text);
    let last = pieces.len().saturating_sub(1);
    for (i, piece) in pieces.iter().enumerate() {
        seq.next_token().await?;
        let mut chunk = head.clone();
        let finish = (i == last).then_some(reply.finish_reason);
        chunk["choices"] = json!([{"index": 0, "text": piece, "logprobs": null, "finish_reason": finish}]);
        if request.continuous_usage {
            chunk["usage"] = usage(prompt_tokens, i as u64 + 1);
        }
        out.send(chunk.to_string()).await?;
    }
    if request.include_usage {
        let mut chunk = head.clone();
        chunk["choices"] = json!([]);
        chunk["usage"] = usage(prompt_tokens, pieces.len() as u64);
        out.send(chunk.to_string()).await?;
    }
    out.send("[DONE]".to_owned()).await?;
    seq.finish(reply.finish_reason);
    Ok(())
}

fn usage(prompt: u64, completion: u64) -> Value {
    json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
}
