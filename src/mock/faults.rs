//! Faults on demand: set at start with `--fault`, or while running through the loopback-only
//! admin route `POST /omnitest/faults`, and observable from outside as the real server would
//! show them.

use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::errors::{ApiError, ErrorShape};

/// Which faults are active.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// The engine is dead: `/health` answers 503, in-flight streams get an error chunk, new
    /// requests fail at once with a 500 error object.
    pub dead: bool,
    /// GPU out of memory: generation requests fail with a 500 error object in this shape.
    pub oom: Option<ErrorShape>,
    /// Only requests with at least this many prompt tokens hit the OOM (0: all of them).
    pub oom_min_prompt_tokens: u64,
    /// Generation hangs: requests are accepted and never answered, `/health` stays 200.
    pub hang: bool,
    /// Every token and chunk takes this many times longer (1 or 0: off).
    pub slow: f64,
    /// Latency grows by this many milliseconds per token for each request served before,
    /// a gradual degradation for drift detection.
    pub degrade_ms: f64,
    /// Streams stop after this many chunks, without a terminating `[DONE]`.
    pub truncate_after: Option<u64>,
    /// Each request leaks this many KiB of resident memory.
    pub leak_kib: u64,
    /// The process exits with this code as soon as a request arrives.
    pub exit: Option<i32>,
}

/// A `--fault` value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid fault `{0}`: expected dead, hang, oom[=nested|flat], oom-min-prompt-tokens=N, slow=FACTOR, \
     degrade-ms=MS, truncate=CHUNKS, leak-kib=KIB or exit=CODE"
)]
pub struct FaultSpecError(pub String);

impl FaultSettings {
    /// Applies one `--fault` spec, e.g. `slow=3` or `oom=flat`.
    pub fn apply(&mut self, spec: &str) -> Result<(), FaultSpecError> {
        let err = || FaultSpecError(spec.to_owned());
        let (name, value) = spec.split_once('=').map_or((spec, None), |(n, v)| (n, Some(v)));
        fn number<T: FromStr>(value: Option<&str>, err: impl Fn() -> FaultSpecError) -> Result<T, FaultSpecError> {
            value.and_then(|v| v.parse().ok()).ok_or_else(err)
        }
        match name {
            "dead" if value.is_none() => self.dead = true,
            "hang" if value.is_none() => self.hang = true,
            "oom" => {
                self.oom = Some(match value {
                    None | Some("nested") => ErrorShape::Nested,
                    Some("flat") => ErrorShape::Flat,
                    Some(_) => return Err(err()),
                })
            }
            "oom-min-prompt-tokens" => self.oom_min_prompt_tokens = number(value, err)?,
            "slow" => self.slow = number(value, err)?,
            "degrade-ms" => self.degrade_ms = number(value, err)?,
            "truncate" => self.truncate_after = Some(number(value, err)?),
            "leak-kib" => self.leak_kib = number(value, err)?,
            "exit" => self.exit = Some(number(value, err)?),
            _ => return Err(err()),
        }
        Ok(())
    }

    fn slow_factor(&self) -> f64 {
        if self.slow > 0.0 { self.slow } else { 1.0 }
    }
}

/// The live fault state.
#[derive(Debug)]
pub struct Faults {
    settings: watch::Sender<FaultSettings>,
    served: AtomicU64,
    leaked: Mutex<Vec<Box<[u8]>>>,
}

/// Why a request cannot be served.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// An error answer now.
    Error(ApiError),
    /// The process must exit with this code.
    Exit(i32),
}

/// vLLM's fixed message for a dead engine.
pub const ENGINE_DEAD: &str = "EngineCore encountered an issue. See stack trace (above) for the root cause.";

impl Faults {
    /// Starts with `settings`.
    pub fn new(settings: FaultSettings) -> Faults {
        Faults { settings: watch::Sender::new(settings), served: AtomicU64::new(0), leaked: Mutex::new(Vec::new()) }
    }

    /// The current settings.
    pub fn settings(&self) -> FaultSettings {
        self.settings.borrow().clone()
    }

    /// Replaces the settings; waiting requests see the change at once.
    pub fn set(&self, settings: FaultSettings) {
        self.settings.send_replace(settings);
    }

    /// Declares the engine dead, keeping the other faults.
    pub fn kill_engine(&self) {
        self.settings.send_modify(|settings| settings.dead = true);
    }

    /// Whether the engine is dead.
    pub fn is_dead(&self) -> bool {
        self.settings.borrow().dead
    }

    /// Checks a new generation request: refuses it when a fault says so, and leaks memory when
    /// asked. `prompt_tokens` decides whether an OOM applies.
    pub fn admit(&self, prompt_tokens: u64, request_id: &str) -> Result<(), Refusal> {
        let settings = self.settings.borrow().clone();
        if let Some(code) = settings.exit {
            return Err(Refusal::Exit(code));
        }
        if settings.dead {
            return Err(Refusal::Error(engine_dead_error(request_id)));
        }
        if let Some(shape) = settings.oom
            && prompt_tokens >= settings.oom_min_prompt_tokens
        {
            return Err(Refusal::Error(oom_error(request_id).with_shape(shape)));
        }
        if settings.leak_kib > 0 {
            self.leak(settings.leak_kib);
        }
        Ok(())
    }

    /// Counts a finished request (for `degrade_ms`).
    pub fn served_one(&self) {
        self.served.fetch_add(1, Ordering::Relaxed);
    }

    /// The delay factor and the extra milliseconds per token that slowness and degradation add.
    pub fn latency_penalty(&self) -> (f64, f64) {
        let settings = self.settings.borrow();
        let served = self.served.load(Ordering::Relaxed) as f64;
        (settings.slow_factor(), settings.degrade_ms * served)
    }

    /// After how many chunks streams are cut.
    pub fn truncate_after(&self) -> Option<u64> {
        self.settings.borrow().truncate_after
    }

    /// Waits while generation hangs; fails if the engine dies meanwhile.
    pub async fn wait_until_running(&self, request_id: &str) -> Result<(), ApiError> {
        let mut changes = self.settings.subscribe();
        loop {
            let (hang, dead) = {
                let settings = changes.borrow_and_update();
                (settings.hang, settings.dead)
            };
            if dead {
                return Err(engine_dead_error(request_id));
            }
            if !hang {
                return Ok(());
            }
            if changes.changed().await.is_err() {
                return Err(engine_dead_error(request_id));
            }
        }
    }

    /// Resolves once the engine is dead: what a long step waits on beside its timer, so that
    /// work in flight fails when the engine dies rather than finishing as if nothing happened.
    pub async fn until_dead(&self) {
        let mut changes = self.settings.subscribe();
        loop {
            if changes.borrow_and_update().dead {
                return;
            }
            if changes.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }

    fn leak(&self, kib: u64) {
        // Touch every page so the memory is resident, as a real leak's would be.
        let block = vec![0xA5u8; (kib * 1024) as usize].into_boxed_slice();
        self.leaked.lock().unwrap_or_else(|p| p.into_inner()).push(block);
    }

    /// How many bytes have leaked so far.
    pub fn leaked_bytes(&self) -> usize {
        self.leaked.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|b| b.len()).sum()
    }
}

/// The error for requests to a dead engine.
pub fn engine_dead_error(request_id: &str) -> ApiError {
    ApiError::internal(ENGINE_DEAD).with_field("request_id", request_id.into())
}

/// The error for a request that runs out of GPU memory.
pub fn oom_error(request_id: &str) -> ApiError {
    ApiError::internal(
        "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.11 GiB of which \
         1.19 GiB is free. (simulated by the omnitest mock)",
    )
    .with_field("request_id", request_id.into())
    .with_field("error_stage_id", 0.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_are_rejected() {
        let mut settings = FaultSettings::default();
        for spec in ["dead", "oom=flat", "slow=2.5", "truncate=3", "leak-kib=64", "exit=7", "degrade-ms=0.5"] {
            settings.apply(spec).unwrap();
        }
        assert!(settings.dead);
        assert_eq!(settings.oom, Some(ErrorShape::Flat));
        assert_eq!(settings.truncate_after, Some(3));
        assert_eq!(settings.exit, Some(7));
        assert!(settings.apply("slow=fast").is_err());
        assert!(settings.apply("dead=1").is_err());
        assert!(settings.apply("explode").is_err());
    }

    #[test]
    fn oom_applies_from_the_prompt_size_up() {
        let mut settings = FaultSettings::default();
        settings.apply("oom").unwrap();
        settings.apply("oom-min-prompt-tokens=100").unwrap();
        let faults = Faults::new(settings);
        assert!(faults.admit(10, "r").is_ok());
        match faults.admit(100, "r") {
            Err(Refusal::Error(err)) => assert_eq!(err.status().as_u16(), 500),
            other => panic!("expected an OOM, got {other:?}"),
        }
    }

    #[test]
    fn leaks_accumulate() {
        let faults = Faults::new(FaultSettings { leak_kib: 4, ..FaultSettings::default() });
        faults.admit(1, "a").unwrap();
        faults.admit(1, "b").unwrap();
        assert_eq!(faults.leaked_bytes(), 8192);
    }
}
