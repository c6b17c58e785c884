//! The timing model: a continuous-batching engine in miniature.
//!
//! At most `max_num_seqs` requests run at once; the rest queue (the `waiting` gauge). A running
//! request's first token comes after the time to first token (plus prefill per prompt token);
//! each later token after one engine step, whose length grows with the number of requests
//! running. Every delay has seeded, mean-preserving jitter. Deadlines are absolute, so timer
//! lateness never accumulates and measured means match the settings.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::errors::ApiError;
use super::faults::{Faults, engine_dead_error};
use super::metrics::Metrics;

/// The timing settings, all from flags.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// Time to first token, in milliseconds.
    pub ttft_ms: f64,
    /// Time between tokens with one request running, in milliseconds.
    pub itl_ms: f64,
    /// Relative jitter: each delay is scaled by a uniform factor in [1 − j, 1 + j].
    pub jitter: f64,
    /// Extra time to first token per 1,000 prompt tokens, in milliseconds.
    pub prefill_ms_per_1k_tokens: f64,
    /// Requests generated at once; more wait in a queue.
    pub max_num_seqs: usize,
    /// How much longer a step gets for each further running request (0.01: 1% each).
    pub batch_slope: f64,
    /// Audio generation time over audio duration.
    pub audio_rtf: f64,
    /// Seconds of audio per streamed audio chunk.
    pub audio_chunk_s: f64,
    /// Time per diffusion step, in milliseconds.
    pub diffusion_step_ms: f64,
    /// The seed of the jitter and of generated content.
    pub seed: u64,
}

impl Timing {
    /// No delays at all, for measuring the client.
    pub fn zero_latency(max_num_seqs: usize) -> Timing {
        Timing {
            ttft_ms: 0.0,
            itl_ms: 0.0,
            jitter: 0.0,
            prefill_ms_per_1k_tokens: 0.0,
            max_num_seqs,
            batch_slope: 0.0,
            audio_rtf: 0.0,
            audio_chunk_s: 1.0,
            diffusion_step_ms: 0.0,
            seed: 0,
        }
    }
}

/// The engine: slots, queue, clocks.
#[derive(Debug)]
pub struct Engine {
    timing: Timing,
    slots: Arc<Semaphore>,
    faults: Arc<Faults>,
    metrics: Arc<Metrics>,
    admitted: AtomicU64,
}

/// A request holding a slot, paced by the engine.
#[derive(Debug)]
pub struct Sequence {
    engine: Arc<Engine>,
    _slot: OwnedSemaphorePermit,
    rng: SmallRng,
    arrival: Instant,
    next: Instant,
    tokens: u64,
    last_token: Option<Instant>,
}

impl Engine {
    /// An engine with these settings.
    pub fn new(timing: Timing, faults: Arc<Faults>, metrics: Arc<Metrics>) -> Arc<Engine> {
        let slots = Arc::new(Semaphore::new(timing.max_num_seqs.max(1)));
        Arc::new(Engine { timing, slots, faults, metrics, admitted: AtomicU64::new(0) })
    }

    /// The settings.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// The fault state.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The fault state, shared.
    pub fn shared_faults(&self) -> Arc<Faults> {
        Arc::clone(&self.faults)
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Queues a request until a slot is free, then schedules its first token.
    pub async fn admit(self: &Arc<Self>, prompt_tokens: u64, request_id: &str) -> Result<Sequence, ApiError> {
        let arrival = Instant::now();
        self.metrics.waiting.inc();
        self.metrics.omni_waiting.inc();
        let slot = Arc::clone(&self.slots).acquire_owned().await;
        self.metrics.waiting.dec();
        self.metrics.omni_waiting.dec();
        let slot = slot.map_err(|_| engine_dead_error(request_id))?;
        self.faults.wait_until_running(request_id).await?;
        self.metrics.queue_time.observe(arrival.elapsed().as_secs_f64());
        self.metrics.prompt_tokens.inc_by(prompt_tokens);
        self.metrics.running.inc();
        self.metrics.omni_running.inc();
        self.update_kv_usage();
        let n = self.admitted.fetch_add(1, Ordering::Relaxed);
        let mut rng = SmallRng::seed_from_u64(self.timing.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let prefill = self.timing.prefill_ms_per_1k_tokens * prompt_tokens as f64 / 1000.0;
        let first = jittered(&mut rng, self.timing.ttft_ms, self.timing.jitter) + prefill;
        let now = Instant::now();
        Ok(Sequence {
            engine: Arc::clone(self),
            _slot: slot,
            rng,
            arrival,
            next: now + millis(first * self.faults.latency_penalty().0),
            tokens: 0,
            last_token: None,
        })
    }

    fn running(&self) -> i64 {
        self.metrics.running.get()
    }

    fn update_kv_usage(&self) {
        let used = self.running().max(0) as f64 / self.timing.max_num_seqs.max(1) as f64;
        self.metrics.kv_cache_usage.set(used.min(1.0));
    }

    /// The length of one step with the current batch, before jitter.
    fn step_ms(&self) -> f64 {
        let extra = (self.running() - 1).max(0) as f64;
        self.timing.itl_ms * (1.0 + self.timing.batch_slope * extra)
    }
}

impl Sequence {
    /// Waits until the next token is due. The first call waits for the first token.
    pub async fn next_token(&mut self) -> Result<(), ApiError> {
        self.check_faults().await?;
        sleep_until(self.next).await;
        let now = Instant::now();
        let metrics = &self.engine.metrics;
        match self.last_token {
            None => metrics.ttft.observe((now - self.arrival).as_secs_f64()),
            Some(previous) => metrics.itl.observe((now - previous).as_secs_f64()),
        }
        metrics.generation_tokens.inc();
        self.last_token = Some(now);
        self.tokens += 1;
        let (factor, degrade_ms) = self.engine.faults.latency_penalty();
        let step = jittered(&mut self.rng, self.engine.step_ms(), self.engine.timing.jitter) * factor + degrade_ms;
        self.next += millis(step);
        Ok(())
    }

    /// Waits `ms` milliseconds of engine work (an audio chunk, diffusion steps), slowed by faults.
    pub async fn work(&mut self, ms: f64) -> Result<(), ApiError> {
        self.check_faults().await?;
        let (factor, _) = self.engine.faults.latency_penalty();
        let deadline =
            self.next.max(Instant::now()) + millis(jittered(&mut self.rng, ms, self.engine.timing.jitter) * factor);
        tokio::select! {
            () = sleep_until(deadline) => {}
            () = self.engine.faults.until_dead() => return Err(engine_dead_error("")),
        }
        self.next = deadline;
        Ok(())
    }

    /// When the request arrived.
    pub fn arrival(&self) -> Instant {
        self.arrival
    }

    /// Ends the request successfully with `finish_reason`.
    pub fn finish(self, finish_reason: &str) {
        let metrics = &self.engine.metrics;
        let latency = self.arrival.elapsed().as_secs_f64();
        metrics.e2e.observe(latency);
        metrics.omni_e2e.observe(latency);
        metrics.succeeded(finish_reason);
        self.engine.faults.served_one();
    }

    async fn check_faults(&self) -> Result<(), ApiError> {
        let faults = &self.engine.faults;
        if faults.is_dead() {
            return Err(engine_dead_error(""));
        }
        faults.wait_until_running("").await
    }
}

impl Drop for Sequence {
    fn drop(&mut self) {
        self.engine.metrics.running.dec();
        self.engine.metrics.omni_running.dec();
        self.engine.update_kv_usage();
    }
}

fn jittered(rng: &mut SmallRng, ms: f64, jitter: f64) -> f64 {
    if ms <= 0.0 || jitter <= 0.0 {
        return ms.max(0.0);
    }
    ms * (1.0 + jitter * (2.0 * rng.random::<f64>() - 1.0))
}

fn millis(ms: f64) -> Duration {
    Duration::from_secs_f64(ms.max(0.0) / 1000.0)
}

/// Sleeps until `deadline`, without touching the timer when it has passed.
async fn sleep_until(deadline: Instant) {
    if deadline > Instant::now() {
        tokio::time::sleep_until(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::faults::FaultSettings;

    fn engine(timing: Timing) -> Arc<Engine> {
        Engine::new(timing, Arc::new(Faults::new(FaultSettings::default())), Arc::new(Metrics::new("m")))
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_follow_the_schedule_exactly_without_jitter() {
        let timing = Timing { ttft_ms: 100.0, itl_ms: 20.0, max_num_seqs: 4, ..Timing::zero_latency(4) };
        let engine = engine(timing);
        let start = Instant::now();
        let mut seq = engine.admit(10, "r").await.unwrap();
        seq.next_token().await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        for _ in 0..5 {
            seq.next_token().await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_beyond_max_num_seqs_wait() {
        let engine = engine(Timing { ttft_ms: 50.0, ..Timing::zero_latency(1) });
        let first = engine.admit(1, "a").await.unwrap();
        let waiter = {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move { engine.admit(1, "b").await.map(|_| Instant::now()) })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(engine.metrics.waiting.get(), 1);
        let released = Instant::now();
        drop(first);
        let admitted = waiter.await.unwrap().unwrap();
        assert!(admitted >= released);
        assert_eq!(engine.metrics.waiting.get(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_step_fails_as_soon_as_the_engine_dies() {
        let engine = engine(Timing::zero_latency(1));
        let mut seq = engine.admit(1, "r").await.unwrap();
        let killer = {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                engine.faults().kill_engine();
            })
        };
        let start = Instant::now();
        assert!(seq.work(10_000.0).await.is_err(), "a step outlived the engine");
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        killer.await.unwrap();
    }

    #[test]
    fn jitter_keeps_the_mean() {
        let mut rng = SmallRng::seed_from_u64(7);
        let n = 100_000;
        let mean: f64 = (0..n).map(|_| jittered(&mut rng, 20.0, 0.2)).sum::<f64>() / f64::from(n);
        assert!((mean - 20.0).abs() < 0.05, "{mean}");
    }

    #[test]
    fn steps_grow_with_the_batch() {
        let engine = engine(Timing { itl_ms: 10.0, batch_slope: 0.1, ..Timing::zero_latency(8) });
        engine.metrics.running.set(5);
        assert!((engine.step_ms() - 14.0).abs() < 1e-9);
    }
}
