//! The concurrency cap: at most N requests in flight, the rest waiting in arrival order.
//!
//! Unlike a plain semaphore, a slot handed over says when it was freed, so that a queued
//! request's wait (vLLM's `client_queue_time`) and the client's own delay in sending it (the
//! dispatch lag) can be told apart.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::oneshot;

/// The slots of one run.
#[derive(Debug)]
pub struct Slots {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    free: usize,
    waiting: VecDeque<oneshot::Sender<Instant>>,
}

/// A held slot; dropping it hands it to the next waiting request, or frees it.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    /// When the slot was handed over, for a request that had to wait; `None` when one was free.
    pub handed_over_at: Option<Instant>,
}

impl Slots {
    /// `capacity` slots; `None` for no cap.
    pub fn new(capacity: Option<usize>) -> Arc<Slots> {
        Arc::new(Slots { state: Mutex::new(State { free: capacity.unwrap_or(usize::MAX), waiting: VecDeque::new() }) })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for a slot, in arrival order.
    pub async fn acquire(self: &Arc<Self>) -> Slot {
        let receiver = {
            let mut state = self.state();
            if state.free > 0 {
                state.free -= 1;
                return Slot { slots: Arc::clone(self), handed_over_at: None };
            }
            let (sender, receiver) = oneshot::channel();
            state.waiting.push_back(sender);
            receiver
        };
        // The sender is only dropped unsent by a release that found this waiter gone, which
        // cannot happen while we wait; a fallback to now keeps the slot count right anyway.
        let handed_over_at = receiver.await.unwrap_or_else(|_| Instant::now());
        Slot { slots: Arc::clone(self), handed_over_at: Some(handed_over_at) }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.slots.state();
        let now = Instant::now();
        while let Some(waiter) = state.waiting.pop_front() {
            // A waiter whose request was cancelled has dropped its receiver: try the next.
            if waiter.send(now).is_ok() {
                return;
            }
        }
        state.free = state.free.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_freed_slot_goes_to_the_first_waiter_with_its_time() {
        let slots = Slots::new(Some(1));
        let first = slots.acquire().await;
        assert!(first.handed_over_at.is_none());
        let waiter = tokio::spawn({
            let slots = Arc::clone(&slots);
            async move { slots.acquire().await.handed_over_at }
        });
        tokio::task::yield_now().await;
        let released = Instant::now();
        drop(first);
        let handed = waiter.await.unwrap().expect("the waiter had to wait");
        assert!(handed >= released);
        // The waiter's slot came back when its task ended.
        assert!(slots.acquire().await.handed_over_at.is_none());
    }

    #[tokio::test]
    async fn a_cancelled_waiter_is_skipped() {
        let slots = Slots::new(Some(1));
        let held = slots.acquire().await;
        let cancelled = tokio::spawn({
            let slots = Arc::clone(&slots);
            async move { slots.acquire().await }
        });
        tokio::task::yield_now().await;
        cancelled.abort();
        let _ = cancelled.await;
        drop(held);
        assert!(slots.acquire().await.handed_over_at.is_none(), "the slot was freed, not handed to the dead waiter");
    }
}
