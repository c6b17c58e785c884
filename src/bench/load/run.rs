//! One measured run: warm-ups, then every request sent on its schedule, at most N in flight.
//!
//! The generator runs on its own thread with a single-threaded tokio runtime, so that its CPU
//! time can be measured apart from everything else in the process (other tests, a progress
//! bar). A second thread, the dispatcher, sleeps until each arrival is due (`std::thread::sleep`
//! is precise to tens of microseconds, tokio's timer to a millisecond) and hands the request to
//! the runtime. Each request then records:
//!
//! - its dispatch lag: sent − due (or − the moment its concurrency slot was handed over), the
//!   client's own delay, which should be close to zero;
//! - its client queue time: how long it waited for a slot (vLLM's `client_queue_time`).
//!
//! A run is bounded: requests still running when the last arrival plus the request timeout (and
//! a grace of ten seconds) has passed are cancelled and fail, and arrivals not yet sent by then
//! are dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::api::Api;
use super::cpu;
use super::request::PreparedRequest;
use super::send::{Clock, RequestRecord, Target};
use super::slots::Slots;
use crate::bench::health::ClientHealth;
use crate::bench::stream::TokenTiming;

/// Where the requests go.
#[derive(Clone, Debug)]
pub struct TargetSpec {
    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The endpoint path.
    pub endpoint: String,
    /// The protocol.
    pub api: Api,
    /// How token timings are derived.
    pub timing: TokenTiming,
    /// The limit on one request.
    pub timeout: Duration,
}

/// How the run goes.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// When each measured request is due, in seconds from the start.
    pub offsets: Vec<f64>,
    /// The concurrency cap.
    pub max_concurrency: Option<u32>,
    /// Warm-up requests (copies of the first request), sent first and not measured.
    pub warmups: u64,
    /// Whether to draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
    /// A request sent later than this after it was due counts as late.
    pub late_after: Duration,
    /// The CPU to pin the generator's threads to, if any.
    pub cpu: Option<usize>,
}

/// What a run measured.
#[derive(Clone, Debug)]
pub struct LoadRun {
    /// One record per measured request, in request order.
    pub records: Vec<RequestRecord>,
    /// From the start of the run to its last answer, in seconds.
    pub duration_s: f64,
    /// The generator's own health.
    pub health: ClientHealth,
    /// CPU seconds the generator's threads used during the measured run.
    pub client_cpu_s: f64,
    /// SSE messages (or body chunks) received.
    pub events: u64,
    /// When the measured run started.
    pub started: SystemTime,
}

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The generator could not start.
    #[error("cannot start the load generator: {0}")]
    Setup(String),
    /// A warm-up request failed: the server was not measured.
    #[error("a warm-up request failed, so the server was not measured: {0}")]
    Warmup(String),
}

struct Shared {
    target: Target,
    requests: Arc<Vec<PreparedRequest>>,
    slots: Arc<Slots>,
    progress: ProgressBar,
}

/// Runs `requests` against `target` and measures them.
pub fn run(target: TargetSpec, requests: Vec<PreparedRequest>, settings: RunSettings) -> Result<LoadRun, LoadError> {
    if requests.is_empty() {
        return Err(LoadError::Setup("no requests to send".to_owned()));
    }
    if settings.offsets.len() != requests.len() {
        return Err(LoadError::Setup(format!(
            "{} arrival times for {} requests",
            settings.offsets.len(),
            requests.len()
        )));
    }
    cpu::raise_open_file_limit();
    let worker = std::thread::Builder::new().name("omnitest-load".to_owned()).spawn(move || {
        if let Some(cpu) = settings.cpu {
            cpu::pin_current_thread(cpu);
        }
        // Arrivals come from the dispatcher thread through the runtime's inject queue, which
        // tokio by default polls once every 31 tasks: behind a few hundred busy streams, a due
        // request would wait for them. Polling it first starts every request as it comes due.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .global_queue_interval(1)
            .build()
            .map_err(|e| LoadError::Setup(format!("no async runtime: {e}")))?;
        runtime.block_on(drive(target, requests, settings))
    });
    let worker = worker.map_err(|e| LoadError::Setup(format!("cannot start the generator thread: {e}")))?;
    worker.join().map_err(|_| LoadError::Setup("the generator thread panicked".to_owned()))?
}

/// The sender of `spec`'s requests, with one connection pool, timing on a clock whose zero is
/// `start`.
pub fn connect(spec: &TargetSpec, start: Instant) -> Result<Target, LoadError> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(usize::MAX)
        .build()
        .map_err(|e| LoadError::Setup(format!("no HTTP client: {e}")))?;
    let url = format!("{}{}", spec.base_url.trim_end_matches('/'), spec.endpoint);
    let url = reqwest::Url::parse(&url).map_err(|e| LoadError::Setup(format!("bad URL {url}: {e}")))?;
    Ok(Target {
        client,
        base_url: spec.base_url.trim_end_matches('/').to_owned(),
        url,
        api: spec.api,
        timing: spec.timing,
        timeout: spec.timeout,
        clock: Clock::new(start),
    })
}

async fn drive(spec: TargetSpec, requests: Vec<PreparedRequest>, settings: RunSettings) -> Result<LoadRun, LoadError> {
    let target = connect(&spec, Instant::now())?;
    let requests = Arc::new(requests);
    let cap = settings.max_concurrency.map(|c| c as usize);
    warm_up(&target, &requests[0], settings.warmups, cap).await?;

    let n = requests.len();
    let progress = progress_bar(n as u64, settings.progress);
    let start = Instant::now();
    let started = SystemTime::now();
    let shared = Arc::new(Shared {
        target: Target { clock: Clock::new(start), ..target },
        requests: Arc::clone(&requests),
        slots: Slots::new(cap),
        progress: progress.clone(),
    });
    let cpu_before = cpu::thread_cpu_s();
    let last_offset = settings.offsets.iter().copied().fold(0.0, f64::max);
    let deadline = start + Duration::from_secs_f64(last_offset) + spec.timeout + Duration::from_secs(10);
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let dispatcher = {
        let (shared, stop, offsets) = (Arc::clone(&shared), Arc::clone(&stop), settings.offsets.clone());
        let handle = tokio::runtime::Handle::current();
        let pin = settings.cpu;
        std::thread::Builder::new()
            .name("omnitest-dispatch".to_owned())
            .spawn(move || {
                if let Some(cpu) = pin {
                    cpu::pin_current_thread(cpu);
                }
                let cpu_start = cpu::thread_cpu_s();
                let mut dropped = 0u64;
                for (index, offset) in offsets.iter().enumerate() {
                    let due = start + Duration::from_secs_f64(*offset);
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    if stop.load(Ordering::Relaxed) {
                        dropped = (offsets.len() - index) as u64;
                        break;
                    }
                    let task = handle.spawn(request_task(index, due, Arc::clone(&shared)));
                    if sender.send((index, task)).is_err() {
                        dropped = (offsets.len() - index) as u64;
                        break;
                    }
                }
                (dropped, cpu::thread_cpu_s() - cpu_start)
            })
            .map_err(|e| LoadError::Setup(format!("cannot start the dispatcher thread: {e}")))?
    };

    let mut records: Vec<Option<RequestRecord>> = vec![None; n];
    loop {
        let next = tokio::time::timeout_at(deadline.into(), receiver.recv()).await;
        let Ok(Some((index, mut task))) = next else {
            // The deadline passed, or every arrival has been dispatched.
            if next.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            break;
        };
        let record = match tokio::time::timeout_at(deadline.into(), &mut task).await {
            Ok(Ok(record)) => record,
            Ok(Err(error)) => {
                RequestRecord::failed(0.0, requests[index].prompt_len, format!("the request task failed: {error}"))
            }
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                task.abort();
                RequestRecord::failed(0.0, requests[index].prompt_len, "cancelled: the run passed its time limit")
            }
        };
        records[index] = Some(record);
    }
    // Arrivals handed over after the deadline are cancelled too.
    while let Ok((index, task)) = receiver.try_recv() {
        task.abort();
        records[index] =
            Some(RequestRecord::failed(0.0, requests[index].prompt_len, "cancelled: the run passed its time limit"));
    }
    let duration_s = start.elapsed().as_secs_f64();
    let runtime_cpu_s = cpu::thread_cpu_s() - cpu_before;
    drop(receiver);
    let (dropped, dispatcher_cpu_s) =
        dispatcher.join().map_err(|_| LoadError::Setup("the dispatcher thread panicked".to_owned()))?;
    progress.finish_and_clear();
    let records: Vec<RequestRecord> = records
        .into_iter()
        .enumerate()
        .map(|(index, record)| {
            record.unwrap_or_else(|| {
                RequestRecord::failed(0.0, requests[index].prompt_len, "dropped: never sent before the time limit")
            })
        })
        .collect();
    let lags: Vec<f64> = records.iter().filter_map(|r| r.dispatch_lag_s).collect();
    let late_after = settings.late_after.as_secs_f64();
    let client_cpu_s = runtime_cpu_s + dispatcher_cpu_s;
    let health = ClientHealth {
        late_arrivals: lags.iter().filter(|&&lag| lag > late_after).count() as u64,
        dispatch_lags_s: lags,
        dropped_arrivals: dropped,
        cpu_percent: (duration_s > 0.0).then(|| client_cpu_s / duration_s * 100.0),
    };
    let events = records.iter().map(|r| r.events).sum();
    Ok(LoadRun { records, duration_s, health, client_cpu_s, events, started })
}

async fn request_task(index: usize, due: Instant, shared: Arc<Shared>) -> RequestRecord {
    let slot = shared.slots.acquire().await;
    let eligible = slot.handed_over_at.map_or(due, |handed| handed.max(due));
    let sent = Instant::now();
    let mut record = shared.target.send(&shared.requests[index], sent).await;
    drop(slot);
    record.dispatch_lag_s = Some(sent.saturating_duration_since(eligible).as_secs_f64());
    record.outcome.client_queue_s = eligible.saturating_duration_since(due).as_secs_f64();
    shared.progress.inc(1);
    record
}

/// Sends `count` copies of `request` (at most `cap` at once) and fails on the first failure,
/// as vLLM stops when its initial test request fails.
async fn warm_up(target: &Target, request: &PreparedRequest, count: u64, cap: Option<usize>) -> Result<(), LoadError> {
    if count == 0 {
        return Ok(());
    }
    let slots = Slots::new(cap);
    let runs = (0..count).map(|_| {
        let slots = Arc::clone(&slots);
        async move {
            let _slot = slots.acquire().await;
            target.send(request, Instant::now()).await
        }
    });
    let results = futures_util::future::join_all(runs).await;
    match results.iter().find(|r| !r.outcome.success) {
        Some(failed) => Err(LoadError::Warmup(failed.outcome.error.clone())),
        None => Ok(()),
    }
}

fn progress_bar(length: u64, wanted: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {bar:30} {pos}/{len} requests, {elapsed} elapsed") {
        bar.set_style(style);
    }
    bar
}
