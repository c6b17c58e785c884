//! Continuous load for a soak's whole duration. The Python runner sent a batch, waited for its
//! last answer, then started the next, so the load fell to zero at every batch boundary; here
//! the batches are one stream. With a concurrency cap, a request is sent the moment a slot is
//! free, whichever batch it belongs to; with a request rate, the next batch's arrivals continue
//! the schedule where the previous batch's end (a batch of N at rate R spans N/R seconds). Each
//! batch is made while the one before it is sent.
//!
//! The run is bounded: nothing is sent after the duration, requests still running then get the
//! drain bound to finish, and those still running after it are cancelled and count as failed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use super::batches::{Batch, Batches};
use crate::bench::load::send::{RequestRecord, Target};
use crate::bench::load::slots::Slots;
use crate::bench::schedule::RequestRate;
use crate::bench::sweep::Load;

/// What the samplers read of the load while it runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Requests sent so far.
    pub sent: AtomicU64,
    /// Requests sent and not yet finished.
    pub in_flight: AtomicU64,
    /// Batches started.
    pub batches: AtomicU64,
}

/// When the load runs.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The start of the load; request times count from it.
    pub start: Instant,
    /// Nothing is sent from this moment.
    pub end: Instant,
    /// How long requests running at the end may take to finish.
    pub drain: Duration,
}

/// How the load ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DriveEnd {
    /// Why the load stopped before the duration, if it did.
    pub stopped_early: Option<String>,
    /// Requests cancelled after the drain bound.
    pub cancelled: u64,
}

/// Counts a request in flight while it lives, however its task ends.
struct InFlight(Arc<Progress>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Sends `first` and the batches after it at `load` until `timing.end`, then drains; each
/// finished request goes to `finished`.
pub async fn drive(
    first: Batch,
    mut batches: Batches,
    target: Arc<Target>,
    load: Load,
    timing: Timing,
    progress: Arc<Progress>,
    finished: UnboundedSender<RequestRecord>,
) -> DriveEnd {
    let cap = match load {
        Load::Concurrency(cap) => Some(cap as usize),
        Load::Rate(_) => None,
    };
    let slots = Slots::new(cap);
    let mut tasks = JoinSet::new();
    // What a cancelled task's failure record needs: its send time and prompt length.
    let mut running: HashMap<tokio::task::Id, (f64, u64)> = HashMap::new();
    let mut batch_start = timing.start;
    let mut batch = first;
    let mut end = DriveEnd::default();
    'batches: loop {
        progress.batches.fetch_add(1, Ordering::Relaxed);
        let upcoming = tokio::task::spawn_blocking(move || {
            let next = batches.next_batch();
            (batches, next)
        });
        let span = match batch.spec.load {
            Load::Rate(RequestRate::Finite(rate)) => batch.requests.len() as f64 / rate,
            _ => 0.0,
        };
        let requests = Arc::new(std::mem::take(&mut batch.requests));
        for (index, offset) in batch.offsets.iter().enumerate() {
            let due = batch_start + Duration::from_secs_f64(*offset);
            if due >= timing.end {
                break 'batches;
            }
            tokio::time::sleep_until(due.into()).await;
            // With a rate, a request arrives on its schedule; with only a cap, it arrives when
            // the dispatcher turns to it, and then waits for a slot.
            let arrival = if span > 0.0 { due } else { Instant::now() };
            let Ok(slot) = tokio::time::timeout_at(timing.end.into(), slots.acquire()).await else {
                break 'batches;
            };
            while let Some(done) = tasks.try_join_next_with_id() {
                forget(&mut running, done, &finished);
            }
            let sent = Instant::now();
            let eligible = slot.handed_over_at.map_or(arrival, |handed| handed.max(arrival));
            progress.sent.fetch_add(1, Ordering::Relaxed);
            progress.in_flight.fetch_add(1, Ordering::Relaxed);
            let guard = InFlight(Arc::clone(&progress));
            let pending = (target.clock.at(sent), requests[index].prompt_len);
            let (target, requests, finished) = (Arc::clone(&target), Arc::clone(&requests), finished.clone());
            let handle = tasks.spawn(async move {
                let _guard = guard;
                let mut record = target.send(&requests[index], sent).await;
                drop(slot);
                record.dispatch_lag_s = Some(sent.saturating_duration_since(eligible).as_secs_f64());
                record.outcome.client_queue_s = eligible.saturating_duration_since(arrival).as_secs_f64();
                let _ = finished.send(record);
            });
            running.insert(handle.id(), pending);
        }
        batch_start += Duration::from_secs_f64(span);
        match upcoming.await {
            Ok((rest, Ok(next))) => {
                batches = rest;
                batch = next;
            }
            Ok((_, Err(error))) => {
                end.stopped_early = Some(error.to_string());
                break;
            }
            Err(error) => {
                end.stopped_early = Some(format!("making the next batch failed: {error}"));
                break;
            }
        }
    }
    let drain_until = Instant::now().max(timing.end) + timing.drain;
    loop {
        match tokio::time::timeout_at(drain_until.into(), tasks.join_next_with_id()).await {
            Ok(Some(done)) => forget(&mut running, done, &finished),
            Ok(None) => break,
            Err(_) => {
                tasks.abort_all();
                break;
            }
        }
    }
    let clock = target.clock;
    while let Some(done) = tasks.join_next_with_id().await {
        match done {
            Err(error) if error.is_cancelled() => {
                let Some((sent_s, prompt_len)) = running.remove(&error.id()) else { continue };
                end.cancelled += 1;
                let message = format!(
                    "cancelled: still running {:.1} s after the soak's end (sent at {sent_s:.1} s, drain bound \
                     {:.0} s)",
                    clock.now() - (timing.end - timing.start).as_secs_f64(),
                    timing.drain.as_secs_f64()
                );
                let _ = finished.send(RequestRecord::failed(sent_s, prompt_len, message));
            }
            other => forget(&mut running, other, &finished),
        }
    }
    end
}

/// Lets go of a finished task; one that panicked counts as a failed request.
fn forget(
    running: &mut HashMap<tokio::task::Id, (f64, u64)>,
    done: Result<(tokio::task::Id, ()), tokio::task::JoinError>,
    finished: &UnboundedSender<RequestRecord>,
) {
    match done {
        Ok((id, ())) => {
            running.remove(&id);
        }
        Err(error) => {
            if let Some((sent_s, prompt_len)) = running.remove(&error.id()) {
                let message = format!("the request task failed: {error}");
                let _ = finished.send(RequestRecord::failed(sent_s, prompt_len, message));
            }
        }
    }
}
