//! A soak recorded: the load driven on one thread with its own async runtime (as the load
//! generator runs), with the samplers on the same runtime, one sample before the load starts,
//! one every interval while it runs and drains, and a last one when it has ended.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;

use super::batches::{Batch, Batches};
use super::drive::{Progress, Timing, drive};
use super::report::csv::{CsvError, SampleCsv};
use super::sample::{Sample, Samplers, prometheus};
use super::settings::SoakSettings;
use super::window::ClientWindow;
use crate::bench::load::send::RequestRecord;
use crate::bench::load::{LoadError, connect, cpu};

/// Everything a soak recorded.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// The time series, first sample before the load.
    pub samples: Vec<Sample>,
    /// Each window's per-request latencies, for the drift test.
    pub latencies: Vec<WindowLatencies>,
    /// All requests.
    pub totals: RequestTotals,
    /// Batches started.
    pub batches: u64,
    /// Why the load stopped before its duration, if it did.
    pub stopped_early: Option<String>,
    /// The first failure to write a CSV row (the samples are still in memory).
    pub csv_error: Option<String>,
}

/// The latencies of the requests that finished in one window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WindowLatencies {
    /// The window's end, in seconds since the load started.
    pub t_s: f64,
    /// Time to first token of each successful request, in ms.
    pub ttft_ms: Vec<f64>,
    /// Time per output token of each successful request of two tokens or more, in ms.
    pub tpot_ms: Vec<f64>,
    /// End-to-end latency of each successful request, in ms.
    pub e2el_ms: Vec<f64>,
}

/// The soak's requests, all windows together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestTotals {
    /// Requests sent.
    pub sent: u64,
    /// Requests completed.
    pub completed: u64,
    /// Requests failed (cancelled at the drain bound included).
    pub failed: u64,
    /// Failures by class.
    pub errors: BTreeMap<&'static str, u64>,
    /// The first failure's message.
    pub first_error: Option<String>,
}

/// Why a soak could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The load generator could not start.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The CSV file could not be created.
    #[error(transparent)]
    Csv(#[from] CsvError),
}

/// Runs the load of `first` and the batches after it, sampling the server, and writes the
/// samples to `csv_path` as they are taken.
pub fn record(
    first: Batch,
    batches: Batches,
    mut samplers: Samplers,
    settings: &SoakSettings,
    drain: Duration,
    csv_path: &Path,
) -> Result<Recording, RecordError> {
    let settings = settings.clone();
    let csv_path = csv_path.to_owned();
    let worker = std::thread::Builder::new().name("omnitest-soak".to_owned()).spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| LoadError::Setup(format!("no async runtime: {e}")))?;
        runtime.block_on(run(first, batches, &mut samplers, &settings, drain, &csv_path))
    });
    let worker = worker.map_err(|e| LoadError::Setup(format!("cannot start the soak thread: {e}")))?;
    worker.join().map_err(|_| LoadError::Setup("the soak thread panicked".to_owned()))?
}

/// The samples and windows as they accumulate.
struct Recorder {
    recording: Recording,
    window: ClientWindow,
    csv: Option<SampleCsv>,
    sent_before: u64,
}

impl Recorder {
    /// Takes a sample at `t_s`, with the requests received since the last one.
    async fn sample(
        &mut self,
        samplers: &mut Samplers,
        t_s: f64,
        progress: &Progress,
        received: &mut UnboundedReceiver<RequestRecord>,
        csv_path: &Path,
    ) -> Result<(), CsvError> {
        while let Ok(record) = received.try_recv() {
            let totals = &mut self.recording.totals;
            if record.outcome.success {
                totals.completed += 1;
            } else {
                totals.failed += 1;
                let class = super::window::error_class(&record.outcome.error);
                *totals.errors.entry(class).or_default() += 1;
                totals.first_error.get_or_insert_with(|| record.outcome.error.clone());
            }
            self.window.add(&record);
        }
        let sent = progress.sent.load(Ordering::Relaxed);
        self.window.sent = sent - self.sent_before;
        self.sent_before = sent;
        self.recording.totals.sent = sent;
        let (tree, gpu) = samplers.resources();
        let metrics = samplers.metrics().await;
        let mut window = std::mem::take(&mut self.window);
        let sample = Sample {
            t_s,
            in_flight: progress.in_flight.load(Ordering::Relaxed),
            tree,
            gpu,
            metrics,
            client: window.summarize(),
        };
        self.recording.latencies.push(WindowLatencies {
            t_s,
            ttft_ms: std::mem::take(&mut window.ttft_ms),
            tpot_ms: std::mem::take(&mut window.tpot_ms),
            e2el_ms: std::mem::take(&mut window.e2el_ms),
        });
        let csv = match self.csv.take() {
            Some(csv) => csv,
            None => {
                // The first sample fixes the columns: the `vllm_omni:` families the server has.
                let first = sample.metrics.clone().unwrap_or_default();
                SampleCsv::create(csv_path, &samplers.gpu_devices(), prometheus::columns(&first))?
            }
        };
        let csv = self.csv.insert(csv);
        if let Err(error) = csv.write(&sample)
            && self.recording.csv_error.is_none()
        {
            eprintln!("warning: {error}");
            self.recording.csv_error = Some(error.to_string());
        }
        self.recording.samples.push(sample);
        Ok(())
    }
}

async fn run(
    first: Batch,
    batches: Batches,
    samplers: &mut Samplers,
    settings: &SoakSettings,
    drain: Duration,
    csv_path: &Path,
) -> Result<Recording, RecordError> {
    cpu::raise_open_file_limit();
    let load = first.spec.load;
    let start = Instant::now();
    let target = Arc::new(connect(&first.target, start)?);
    let timing = Timing { start, end: start + settings.duration, drain };
    let progress = Arc::new(Progress::default());
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
    let mut recorder =
        Recorder { recording: Recording::default(), window: ClientWindow::default(), csv: None, sent_before: 0 };
    recorder.sample(samplers, 0.0, &progress, &mut received, csv_path).await?;
    let driver = tokio::spawn(drive(first, batches, target, load, timing, Arc::clone(&progress), sender));
    let interval = settings.sample_interval;
    let mut ticks = tokio::time::interval_at((start + interval).into(), interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Known before the requests are taken in, so that none sent before the end is missed.
        let ended = driver.is_finished();
        recorder.sample(samplers, start.elapsed().as_secs_f64(), &progress, &mut received, csv_path).await?;
        if ended {
            break;
        }
    }
    let end = driver.await.map_err(|e| LoadError::Setup(format!("the load driver failed: {e}")))?;
    let mut recording = recorder.recording;
    recording.batches = progress.batches.load(Ordering::Relaxed);
    recording.stopped_early = end.stopped_early;
    Ok(recording)
}
