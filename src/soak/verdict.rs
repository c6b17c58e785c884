//! The verdict of a soak, check by check:
//!
//! 1. **requests**: at least one completed and none failed, as the seed's runner asserts;
//! 2. **leak**, for the server tree's RSS and, with a GPU, the memory the tree holds on it and
//!    the devices' used memory: the least-squares slope of the samples after the warm-up, whose
//!    95% confidence interval must not lie wholly above the threshold (so a plateau, however
//!    high, and noise are not leaks);
//! 3. **drift**: the p99 of the last N windows against the first N after the warm-up; drift is
//!    a rise of at least the minimum that the one-sided Mann-Whitney U test on those windows'
//!    requests finds significant. Streamed answers are judged on TTFT and TPOT, others
//!    (images, videos, speech) on E2EL: each batch draws its own answer length, and E2EL grows
//!    with it, so the E2EL of a stream would change with the batches drawn, not with the server;
//! 4. **preemptions**: `vllm:num_preemptions` must not grow after the warm-up.
//!
//! A check without data (no local process, no GPU, no `/metrics`, too few samples) is reported
//! as not checked, never as passed. On the embedded mock, drift is reported and not asserted
//! ([`SoakSettings::drift_asserted`]).

use std::fmt;

use super::record::Recording;
use super::sample::prometheus::PREEMPTIONS;
use super::settings::{SoakSettings, describe_duration};
use super::stats::{LinearFit, linear_fit, mann_whitney_greater};
use crate::bench::load::Api;
use crate::bench::stats::percentile;

/// What a check looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// Failed and completed requests.
    Requests,
    /// A memory series' growth.
    Leak(MemorySeries),
    /// A latency's drift.
    Drift(LatencyMetric),
    /// Preemption growth.
    Preemptions,
}

/// A memory series of the samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemorySeries {
    /// Resident memory of the server's process tree.
    TreeRss,
    /// GPU memory the server's processes hold.
    GpuProcesses,
    /// Used memory of the visible GPUs.
    GpuDevices,
}

/// A latency the drift check follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatencyMetric {
    /// Time to first token.
    Ttft,
    /// Time per output token after the first.
    Tpot,
    /// End-to-end latency.
    E2el,
}

impl fmt::Display for MemorySeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemorySeries::TreeRss => "server tree RSS",
            MemorySeries::GpuProcesses => "server GPU memory",
            MemorySeries::GpuDevices => "GPU device memory",
        })
    }
}

impl fmt::Display for LatencyMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LatencyMetric::Ttft => "TTFT",
            LatencyMetric::Tpot => "TPOT",
            LatencyMetric::E2el => "E2EL",
        })
    }
}

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Within bounds.
    Pass,
    /// Out of bounds: the soak fails.
    Fail,
    /// Not enough data to tell.
    NotChecked,
}

/// One check's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// What it looked at.
    pub kind: CheckKind,
    /// How it came out.
    pub status: Status,
    /// The figures, in a sentence.
    pub detail: String,
    /// The memory fit, for leak checks that had data (in MB per hour).
    pub fit: Option<LinearFit>,
    /// Whether a failure fails the soak; a failure that is not asserted is only reported.
    pub asserted: bool,
}

/// Every check of a soak.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// In the order of the module documentation.
    pub checks: Vec<Check>,
}

impl Verdict {
    /// Whether no asserted check failed.
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The failed checks that fail the soak.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Fail && c.asserted)
    }

    /// The check of `kind`.
    pub fn check(&self, kind: CheckKind) -> Option<&Check> {
        self.checks.iter().find(|c| c.kind == kind)
    }
}

fn check(kind: CheckKind, status: Status, detail: String) -> Check {
    Check { kind, status, detail, fit: None, asserted: true }
}

/// Judges a recorded soak.
pub fn judge(recording: &Recording, settings: &SoakSettings, api: Api) -> Verdict {
    let mut checks = vec![requests(recording)];
    checks.extend(leaks(recording, settings));
    let metrics: &[LatencyMetric] =
        if api.streams_tokens() { &[LatencyMetric::Ttft, LatencyMetric::Tpot] } else { &[LatencyMetric::E2el] };
    checks.extend(
        metrics.iter().map(|&metric| Check { asserted: settings.drift_asserted, ..drift(recording, settings, metric) }),
    );
    checks.push(preemptions(recording, settings));
    Verdict { checks }
}

fn requests(recording: &Recording) -> Check {
    let totals = &recording.totals;
    if let Some(reason) = &recording.stopped_early {
        return check(CheckKind::Requests, Status::Fail, format!("the load stopped early: {reason}"));
    }
    if totals.failed > 0 {
        let classes: Vec<String> = totals.errors.iter().map(|(class, n)| format!("{n} {class}")).collect();
        let detail = format!(
            "failed requests: {} of {} ({}); first error: {}",
            totals.failed,
            totals.completed + totals.failed,
            classes.join(", "),
            totals.first_error.as_deref().unwrap_or("(none recorded)")
        );
        return check(CheckKind::Requests, Status::Fail, detail);
    }
    if totals.completed == 0 {
        return check(CheckKind::Requests, Status::Fail, "no request completed".to_owned());
    }
    check(CheckKind::Requests, Status::Pass, format!("{} requests completed, none failed", totals.completed))
}

/// The samples between the end of the warm-up and the end of the load.
fn measured<'a>(recording: &'a Recording, settings: &SoakSettings) -> impl Iterator<Item = &'a super::sample::Sample> {
    let (from, to) = (settings.warmup.as_secs_f64(), settings.duration.as_secs_f64());
    recording.samples.iter().filter(move |s| s.t_s >= from && s.t_s <= to)
}

fn leaks(recording: &Recording, settings: &SoakSettings) -> Vec<Check> {
    let mib_to_mb = 1.048_576;
    let series: [(MemorySeries, Vec<(f64, f64)>); 3] = [
        (MemorySeries::TreeRss, measured(recording, settings).filter_map(|s| Some((s.t_s, s.tree?.rss_mb))).collect()),
        (
            MemorySeries::GpuProcesses,
            measured(recording, settings)
                .filter_map(|s| Some((s.t_s, s.gpu.as_ref()?.processes_mib? * mib_to_mb)))
                .collect(),
        ),
        (
            MemorySeries::GpuDevices,
            measured(recording, settings)
                .filter_map(|s| Some((s.t_s, s.gpu.as_ref()?.devices_mib.iter().sum::<f64>() * mib_to_mb)))
                .collect(),
        ),
    ];
    let any_gpu = recording.samples.iter().any(|s| s.gpu.is_some());
    series
        .into_iter()
        .filter(|(series, _)| *series == MemorySeries::TreeRss || any_gpu)
        .map(|(series, points)| leak(series, &points, settings))
        .collect()
}

fn leak(series: MemorySeries, points: &[(f64, f64)], settings: &SoakSettings) -> Check {
    let kind = CheckKind::Leak(series);
    let warmup = describe_duration(settings.warmup);
    let threshold = settings.leak_threshold_mb_per_hour;
    let per_hour: Vec<(f64, f64)> = points.iter().map(|&(t, mb)| (t / 3600.0, mb)).collect();
    let Some(fit) = linear_fit(&per_hour, 0.95) else {
        let why = if points.is_empty() { "no samples" } else { "fewer than 3 samples" };
        return check(kind, Status::NotChecked, format!("{series}: not checked, {why} after the {warmup} warm-up"));
    };
    let figures = format!(
        "{series} grows {:.1} MB/h (95% CI {:.1}–{:.1} MB/h, {} samples) after a {warmup} warm-up, \
         threshold {threshold} MB/h",
        fit.slope, fit.slope_low, fit.slope_high, fit.points
    );
    let (status, detail) = if fit.slope_low > threshold {
        (Status::Fail, format!("memory leak: {figures}"))
    } else {
        (Status::Pass, figures)
    };
    Check { kind, status, detail, fit: Some(fit), asserted: true }
}

fn drift(recording: &Recording, settings: &SoakSettings, metric: LatencyMetric) -> Check {
    let kind = CheckKind::Drift(metric);
    let (from, to) = (settings.warmup.as_secs_f64(), settings.duration.as_secs_f64());
    let windows: Vec<&Vec<f64>> = recording
        .latencies
        .iter()
        .filter(|w| w.t_s > from && w.t_s <= to)
        .map(|w| match metric {
            LatencyMetric::Ttft => &w.ttft_ms,
            LatencyMetric::Tpot => &w.tpot_ms,
            LatencyMetric::E2el => &w.e2el_ms,
        })
        .collect();
    if windows.len() < 2 {
        let detail = format!("{metric} drift: not checked, fewer than 2 windows after the warm-up");
        return check(kind, Status::NotChecked, detail);
    }
    let n = settings.drift_windows.unwrap_or((windows.len() / 10).max(3)).clamp(1, windows.len() / 2);
    let pool = |group: &[&Vec<f64>]| group.iter().flat_map(|w| w.iter().copied()).collect::<Vec<f64>>();
    let (first, last) = (pool(&windows[..n]), pool(&windows[windows.len() - n..]));
    const MIN_REQUESTS: usize = 5;
    if first.len() < MIN_REQUESTS || last.len() < MIN_REQUESTS {
        let detail = format!(
            "{metric} drift: not checked, {} and {} requests in the first and last {n} windows (at least \
             {MIN_REQUESTS} each)",
            first.len(),
            last.len()
        );
        return check(kind, Status::NotChecked, detail);
    }
    let (p99_first, p99_last) = (percentile(&first, 99.0), percentile(&last, 99.0));
    let increase = if p99_first > 0.0 { p99_last / p99_first - 1.0 } else { 0.0 };
    let p_value = mann_whitney_greater(&first, &last).map_or(1.0, |test| test.p_value);
    let figures = format!(
        "{metric} p99 went from {p99_first:.1} ms (first {n} windows, {} requests) to {p99_last:.1} ms \
         (last {n} windows, {} requests), {:+.1}%; Mann-Whitney U p = {p_value:.2e} (one-sided); \
         threshold +{:.0}% at p < {}",
        first.len(),
        last.len(),
        increase * 100.0,
        settings.drift_min_increase * 100.0,
        settings.drift_p_value
    );
    if increase >= settings.drift_min_increase && p_value < settings.drift_p_value {
        check(kind, Status::Fail, format!("latency drift: {figures}"))
    } else {
        check(kind, Status::Pass, format!("{metric}: {figures}"))
    }
}

fn preemptions(recording: &Recording, settings: &SoakSettings) -> Check {
    let kind = CheckKind::Preemptions;
    let counter =
        |s: &super::sample::Sample| s.metrics.as_ref().and_then(|m| super::sample::prometheus::value(m, PREEMPTIONS));
    let warmup = settings.warmup.as_secs_f64();
    let after_warmup = recording.samples.iter().filter(|s| s.t_s >= warmup).filter_map(|s| Some((s.t_s, counter(s)?)));
    let readings: Vec<(f64, f64)> = after_warmup.collect();
    let (Some(first), Some(last)) = (readings.first(), readings.last()) else {
        let detail = format!("preemptions: not checked, no {PREEMPTIONS} in /metrics after the warm-up");
        return check(kind, Status::NotChecked, detail);
    };
    let growth = last.1 - first.1;
    if growth > 0.0 {
        let detail = format!(
            "preemptions grew: {PREEMPTIONS} went from {} at {:.0} s to {} at {:.0} s",
            first.1, first.0, last.1, last.0
        );
        return check(kind, Status::Fail, detail);
    }
    check(kind, Status::Pass, format!("preemptions: {PREEMPTIONS} stayed at {} after the warm-up", last.1))
}
