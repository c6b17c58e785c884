//! What a chat request will produce, decided before the engine runs it.

use std::sync::Arc;

use super::prefix_cache::{self, CacheSettings};
use super::request::ChatRequest;
use crate::mock::content::{self, Perception};
use crate::mock::errors::ApiError;
use crate::mock::profile::Modality;
use crate::mock::state::{AppState, unix_now};
use crate::mock::text::{Reply, compose_reply, count_tokens};

/// The outputs of one request.
#[derive(Debug)]
pub struct Plan {
    /// The request.
    pub request: ChatRequest,
    /// The model name to report.
    pub model: String,
    /// The response id.
    pub id: String,
    /// Creation time, Unix seconds.
    pub created: u64,
    /// Prompt tokens (text and media).
    pub prompt_tokens: u64,
    /// Prompt tokens served from the prefix cache.
    pub cached_tokens: u64,
    /// Whether stream usage carries `prompt_tokens_details`.
    pub usage_details: bool,
    /// What the thinker says, whether or not text is returned.
    pub reply: Reply,
    /// Images to draw: prompt, seed, width, height, count, steps.
    pub images: Option<ImageJob>,
}

/// An image generation inside a chat request.
#[derive(Clone, Debug)]
pub struct ImageJob {
    /// What to draw.
    pub prompt: String,
    /// The seed.
    pub seed: u64,
    /// Size.
    pub width: u32,
    /// Size.
    pub height: u32,
    /// How many images.
    pub count: u32,
    /// Denoising steps (time).
    pub steps: u32,
}

impl Plan {
    /// Perceives the inputs, applies faults and composes the reply.
    pub async fn build(state: &AppState, request: ChatRequest, model: String, id: String) -> Result<Plan, ApiError> {
        let messages = Arc::new(request.messages.clone());
        let perception: Perception = tokio::task::spawn_blocking(move || content::perceive(&messages))
            .await
            .map_err(|err| ApiError::internal(format!("input analysis failed: {err}")))??;
        let prompt_tokens = (count_tokens(&request.prompt_text()) as u64 + perception.media_tokens).max(1);
        state.admit(prompt_tokens, &id)?;
        let cache = CacheSettings::of(&state.config);
        let seen = cache.enabled && prefix_cache::seen_before(prefix_cache::fingerprint(&request.messages));
        let cached_tokens = cache.cached_tokens(prompt_tokens, seen);
        let seed = request.seed.unwrap_or(state.config.timing.seed)
            ^ xxhash_rust::xxh3::xxh3_64(request.prompt_text().as_bytes());
        let reply = compose_reply(&perception.descriptions, seed, request.max_tokens, request.ignore_eos);
        let images = request.modalities.contains(&Modality::Image).then(|| ImageJob {
            prompt: request.last_user_text(),
            seed: request.image.seed.unwrap_or(seed),
            width: request.image.width.unwrap_or(1024).clamp(16, 4096),
            height: request.image.height.unwrap_or(1024).clamp(16, 4096),
            count: request.image.outputs.unwrap_or(1).clamp(1, 10),
            steps: request.image.steps.unwrap_or(20).max(1),
        });
        Ok(Plan {
            request,
            model,
            id,
            created: unix_now(),
            prompt_tokens,
            cached_tokens,
            usage_details: cache.details,
            reply,
            images,
        })
    }

    /// Whether the response carries `modality`.
    pub fn wants(&self, modality: Modality) -> bool {
        self.request.modalities.contains(&modality)
    }
}
