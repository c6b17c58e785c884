//! What every route shares: the configuration, the engine, stored jobs, and the checks every
//! generation request goes through.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::config::EffectiveConfig;
use super::engine::Engine;
use super::errors::ApiError;
use super::faults::Refusal;
use super::profile::{Profile, Route};
use super::routes::videos::VideoStore;

/// The server's shared state.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// The shared parts.
#[derive(Debug)]
pub struct Shared {
    /// The effective configuration.
    pub config: EffectiveConfig,
    /// The profile.
    pub profile: Profile,
    /// The timing engine (with faults and metrics).
    pub engine: Arc<Engine>,
    /// Video jobs.
    pub videos: VideoStore,
    /// When the server started, in Unix seconds.
    pub started: u64,
    ids: AtomicU64,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State for a server with this configuration.
    pub fn new(config: EffectiveConfig, profile: Profile, engine: Arc<Engine>) -> AppState {
        AppState(Arc::new(Shared {
            config,
            profile,
            engine,
            videos: VideoStore::default(),
            started: unix_now(),
            ids: AtomicU64::new(1),
        }))
    }

    /// The model a request names, checked against the served names; absent means the first.
    pub fn check_model(&self, model: Option<&str>) -> Result<String, ApiError> {
        let names = &self.config.served_model_names;
        match model {
            None => Ok(names[0].clone()),
            Some(name) if names.iter().any(|n| n == name) => Ok(name.to_owned()),
            Some(name) => Err(ApiError::unknown_model(name)),
        }
    }

    /// Refuses a route the model does not have, as the real server does.
    pub fn check_route(&self, route: Route, path: &str) -> Result<(), ApiError> {
        if self.profile.serves(route) {
            return Ok(());
        }
        if route == Route::Completions && self.profile.is_omni() {
            return Err(ApiError::bad_request(format!(
                "The model `{}` is a thinker-talker model and does not support {path}; use /v1/chat/completions.",
                self.config.served_model_names[0]
            )));
        }
        Err(ApiError::unsupported_route(&self.config.served_model_names[0], path))
    }

    /// A fresh id with `prefix`, like `chatcmpl-3f…`.
    pub fn next_id(&self, prefix: &str) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        let mixed = xxhash_rust::xxh3::xxh3_64(&[n.to_le_bytes(), self.started.to_le_bytes()].concat());
        format!("{prefix}-{mixed:016x}")
    }

    /// Applies the faults to a new generation request; the exit fault ends the process here.
    pub fn admit(&self, prompt_tokens: u64, request_id: &str) -> Result<(), ApiError> {
        match self.engine.faults().admit(prompt_tokens, request_id) {
            Ok(()) => Ok(()),
            Err(Refusal::Error(err)) => Err(err),
            Err(Refusal::Exit(code)) => {
                eprintln!("omnitest mock: exiting with code {code} (fault)");
                std::process::exit(code)
            }
        }
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
