//! Running a planned chat request through the engine, as an SSE stream or one JSON answer.

use axum::Json;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::chunks::{ChunkWriter, Delta, Usage};
use super::plan::{ImageJob, Plan};
use crate::media::{Audio, data_url, picture};
use crate::mock::content;
use crate::mock::defects::Defect;
use crate::mock::engine::Sequence;
use crate::mock::errors::ApiError;
use crate::mock::profile::{Modality, Profile};
use crate::mock::routes::sse::{self, Out, Stop};
use crate::mock::state::{AppState, unix_now};
use crate::mock::text::{count_tokens, filler, tokenize};

/// Streams the response. The producer runs in its own task and stops as soon as the client
/// goes away, which frees the engine slot.
pub fn stream(state: AppState, plan: Plan) -> Response {
    let (mut out, response) = sse::channel(state.engine.faults().truncate_after());
    tokio::spawn(async move {
        let result = produce(&state, &plan, &mut out).await;
        out.end(result).await;
    });
    response
}

async fn produce(state: &AppState, plan: &Plan, out: &mut Out) -> Result<(), Stop> {
    let request = &plan.request;
    let writer = ChunkWriter::new(&plan.id, plan.created, &plan.model);
    let (text, audio, image) = (plan.wants(Modality::Text), plan.wants(Modality::Audio), plan.images.as_ref());
    let audio = audio && !state.config.defects.has(Defect::NoAudio);
    let drop_text = state.config.defects.has(Defect::EmptyText);
    let mut seq = state.engine.admit(plan.prompt_tokens, &plan.id).await?;
    let cached = plan.usage_details.then_some(plan.cached_tokens);
    let usage =
        |completion| request.continuous_usage.then_some(Usage { prompt: plan.prompt_tokens, completion, cached });
    let mut completion = 0;
    let finish = plan.reply.finish_reason;
    let text_is_last = text && !audio && image.is_none();

    // vLLM sends the role-only chunk when the first output arrives, not on admission, so a client
    // that times the first chunk with choices (as `vllm bench serve` does) sees the real TTFT.
    let role_chunk =
        || writer.delta("text", Delta { role: true, content: Some(""), usage: usage(0), ..Delta::default() });
    let mut role_sent = !text;
    if thinks(state, plan) {
        for piece in tokenize(&plan.reply.text) {
            seq.next_token().await?;
            if !role_sent {
                out.send(role_chunk()).await?;
                role_sent = true;
            }
            completion += 1;
            if text && !drop_text {
                let logprobs = request.logprobs.then(|| logprobs_json(piece, request.top_logprobs).to_string());
                let delta = Delta {
                    content: Some(piece),
                    usage: usage(completion),
                    logprobs: logprobs.as_deref(),
                    ..Delta::default()
                };
                out.send(writer.delta("text", delta)).await?;
            }
        }
    }
    if !role_sent {
        out.send(role_chunk()).await?;
    }
    if text_is_last {
        out.send(
            writer.delta("text", Delta { finish_reason: Some(finish), usage: usage(completion), ..Delta::default() }),
        )
        .await?;
    }
    if audio {
        let speech = speak(state, plan).await?;
        let chunks = content::chunk_audio(&speech, state.config.timing.audio_chunk_s);
        let started = Instant::now();
        let last = chunks.len().saturating_sub(1);
        for (i, chunk) in chunks.iter().enumerate() {
            seq.work(chunk.duration_s() * 1000.0 * state.config.timing.audio_rtf).await?;
            if i == 0 {
                state.engine.metrics().audio_ttfp.observe(seq.arrival().elapsed().as_secs_f64());
            }
            let encoded = BASE64.encode(content::encode_audio(chunk, request.audio_format)?);
            let finish_reason = (i == last && image.is_none()).then_some("stop");
            let delta = Delta {
                role: i == 0 && !text,
                content: Some(&encoded),
                finish_reason,
                usage: usage(completion),
                ..Delta::default()
            };
            out.send(writer.delta("audio", delta)).await?;
        }
        record_audio(state, &speech, started);
    }
    if let Some(job) = image {
        let urls = draw(&mut seq, state, job).await?;
        out.send(writer.images(&urls, Some("stop"), &image_extras(state, job))).await?;
    }
    if request.include_usage {
        out.send(writer.usage(Usage { prompt: plan.prompt_tokens, completion, cached })).await?;
    }
    out.send("[DONE]".to_owned()).await?;
    seq.finish(finish);
    Ok(())
}

/// Runs the request to the end and answers with vLLM-Omni's non-streaming shape: one choice per
/// output modality, all with index 0.
pub async fn complete(state: AppState, plan: Plan) -> Result<Response, ApiError> {
    let request = &plan.request;
    let defects = &state.config.defects;
    let (text, audio) = (plan.wants(Modality::Text), plan.wants(Modality::Audio) && !defects.has(Defect::NoAudio));
    let mut seq = state.engine.admit(plan.prompt_tokens, &plan.id).await?;
    let mut completion = 0u64;
    let pieces = tokenize(&plan.reply.text);
    if thinks(&state, &plan) {
        for _ in &pieces {
            seq.next_token().await?;
            completion += 1;
        }
    }
    let mut choices = Vec::new();
    if text {
        let logprobs = request
            .logprobs
            .then(|| json!({"content": pieces.iter().map(|p| logprobs_json(p, request.top_logprobs)["content"][0].clone()).collect::<Vec<_>>()}));
        choices.push(json!({
            "index": 0,
            "message": {
                "role": "assistant",
                "content": if defects.has(Defect::EmptyText) { "" } else { plan.reply.text.as_str() },
                "tool_calls": [],
            },
            "logprobs": logprobs,
            "finish_reason": plan.reply.finish_reason,
        }));
    }
    if audio {
        let speech = speak(&state, &plan).await?;
        let started = Instant::now();
        seq.work(speech.duration_s() * 1000.0 * state.config.timing.audio_rtf).await?;
        state.engine.metrics().audio_ttfp.observe(seq.arrival().elapsed().as_secs_f64());
        record_audio(&state, &speech, started);
        let data = BASE64.encode(content::encode_audio(&speech, request.audio_format)?);
        choices.push(json!({
            "index": 0,
            "message": {"role": "assistant", "content": null, "audio": {
                "id": format!("audio-{:016x}", xxhash_rust::xxh3::xxh3_64(plan.id.as_bytes())),
                "data": data,
                "expires_at": unix_now() + 86_400,
                "transcript": "",
            }},
            "finish_reason": "stop",
        }));
    }
    if let Some(job) = &plan.images {
        let urls = draw(&mut seq, &state, job).await?;
        let extras = image_extras(&state, job);
        let content: Vec<Value> = urls
            .iter()
            .map(|url| {
                let mut item = json!({"type": "image_url", "image_url": {"url": url}});
                if let (Some(item), Some(extras)) = (item.as_object_mut(), extras.as_object()) {
                    item.extend(extras.clone());
                }
                item
            })
            .collect();
        choices
            .push(json!({"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}));
    }
    seq.finish(plan.reply.finish_reason);
    Ok(Json(json!({
        "id": plan.id,
        "object": "chat.completion",
        "created": plan.created,
        "model": plan.model,
        "choices": choices,
        "usage": {
            "prompt_tokens": plan.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": plan.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": plan.cached_tokens},
        },
    }))
    .into_response())
}

/// The audio output, made off the async threads: the talker's speech of the reply, or for a
/// text-to-audio model the sound of the prompt.
async fn speak(state: &AppState, plan: &Plan) -> Result<Audio, ApiError> {
    let rate = state.profile.sample_rate();
    let defects = &state.config.defects;
    let job = if state.profile == Profile::StableAudio {
        let (prompt, seed) = (plan.request.last_user_text(), plan.request.seed.unwrap_or(state.config.timing.seed));
        let silent = defects.has(Defect::SilentAudio);
        tokio::task::spawn_blocking(move || {
            let sound = content::render_sound(&prompt, seed, TEXT_TO_AUDIO_SECONDS, rate);
            if silent { content::silence_like(&sound) } else { sound }
        })
    } else {
        let text = if defects.has(Defect::MismatchedAudio) {
            filler(plan.reply.text.len() as u64, count_tokens(&plan.reply.text).max(4))
        } else {
            plan.reply.text.clone()
        };
        let speaker = plan.request.speaker.clone().unwrap_or_else(|| "ethan".to_owned());
        tokio::task::spawn_blocking(move || content::speak(&text, &speaker, rate, 1.0))
    };
    job.await.map_err(|err| ApiError::internal(format!("audio generation failed: {err}")))
}

/// How long a text-to-audio model's chat answer is.
const TEXT_TO_AUDIO_SECONDS: f64 = 10.0;

/// Whether the request runs the thinker (text tokens), returned or not.
fn thinks(state: &AppState, plan: &Plan) -> bool {
    let has_thinker = state.profile.chat_outputs().contains(&Modality::Text);
    has_thinker && (plan.wants(Modality::Text) || plan.wants(Modality::Audio))
}

fn record_audio(state: &AppState, speech: &Audio, started: Instant) {
    let duration = speech.duration_s();
    let metrics = state.engine.metrics();
    metrics.audio_duration.observe(duration);
    if duration > 0.0 {
        metrics.audio_rtf.observe(started.elapsed().as_secs_f64() / duration);
    }
}

/// Runs the denoising steps, then draws the images as PNG data URLs.
async fn draw(seq: &mut Sequence, state: &AppState, job: &ImageJob) -> Result<Vec<String>, ApiError> {
    seq.work(f64::from(job.steps) * state.config.timing.diffusion_step_ms).await?;
    let job = job.clone();
    let (count, width) = (state.config.defects.image_count(job.count), state.config.defects.image_width(job.width));
    tokio::task::spawn_blocking(move || {
        (0..count)
            .map(|i| {
                let frame = content::render_image(&job.prompt, job.seed.wrapping_add(u64::from(i)), width, job.height);
                picture::encode_png(&frame).map(|png| data_url::encode("image/png", &png))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|err| ApiError::internal(format!("image rendering failed: {err}")))?
    .map_err(|err| ApiError::internal(format!("image encoding failed: {err}")))
}

fn image_extras(state: &AppState, job: &ImageJob) -> Value {
    let diffusion_s = f64::from(job.steps) * state.config.timing.diffusion_step_ms / 1000.0;
    json!({"stage_durations": {"diffusion": diffusion_s}, "peak_memory_mb": super::super::peak_memory_mb()})
}

/// Deterministic log probabilities for a token and `top` alternatives.
fn logprobs_json(token: &str, top: u32) -> Value {
    let logprob = -((xxhash_rust::xxh3::xxh3_64(token.as_bytes()) % 1000) as f64) / 1000.0;
    let entry = |t: &str, lp: f64| json!({"token": t, "logprob": lp, "bytes": t.as_bytes()});
    let alternatives: Vec<Value> = (0..top)
        .map(|i| if i == 0 { entry(token, logprob) } else { entry(&format!("{token}{i}"), logprob - f64::from(i)) })
        .collect();
    let mut first = entry(token, logprob);
    first["top_logprobs"] = Value::Array(alternatives);
    json!({"content": [first]})
}
