//! What a soak leaves in its output folder: `samples.csv` (written as it runs), `memory.svg`/
//! `.png` (the memory series with the fitted slope after the warm-up), `latency.svg`/`.png`
//! (each window's p99 latencies) and `verdict.md`.
//!
//! | module | what |
//! |---|---|
//! | [`csv`] | the time series, one row per sample |
//! | [`plots`] | charts against time |

pub mod csv;
pub mod plots;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plots::{Line, TimeChart};

use super::run::SoakReport;
use super::settings::describe_duration;
use super::stats::linear_fit;
use super::verdict::{CheckKind, MemorySeries, Status};
use crate::bench::report::plots::{PlotError, write_svg_and_png};

/// The time series' file name.
pub const SAMPLES_CSV: &str = "samples.csv";
/// The verdict's file name.
pub const VERDICT_MD: &str = "verdict.md";

/// Why a report file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A folder or file could not be written.
    #[error(
        "cannot write {}: {source}\n(hint: check that the output folder is writable and has space)",
        path.display()
    )]
    Write {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// Creates the output folder.
pub fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_owned(), source })
}

/// Writes the charts and the Markdown verdict; returns their paths.
pub fn write(report: &SoakReport, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = Vec::new();
    for (stem, chart) in [("memory", memory_chart(report)), ("latency", latency_chart(report))] {
        if !chart.is_empty() {
            files.extend(write_svg_and_png(&chart, &dir.join(stem))?);
        }
    }
    let verdict = dir.join(VERDICT_MD);
    files.push(verdict.clone());
    let mut text = markdown(report);
    text.push_str("\n## Files\n\n");
    for file in std::iter::once(&dir.join(SAMPLES_CSV)).chain(&files) {
        let _ =
            writeln!(text, "- `{}`", file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()));
    }
    std::fs::write(&verdict, text).map_err(|source| ReportError::Write { path: verdict.clone(), source })?;
    Ok(files)
}

fn warmup_marker(report: &SoakReport) -> Option<(f64, String)> {
    let warmup = report.settings.warmup;
    (!warmup.is_zero()).then(|| (warmup.as_secs_f64(), format!("end of the {} warm-up", describe_duration(warmup))))
}

fn memory_chart(report: &SoakReport) -> TimeChart {
    let samples = &report.recording.samples;
    let mut lines = Vec::new();
    let rss: Vec<(f64, f64)> = samples.iter().filter_map(|s| Some((s.t_s, s.tree?.rss_mb))).collect();
    let gpu: Vec<(f64, f64)> =
        samples.iter().filter_map(|s| Some((s.t_s, s.gpu.as_ref()?.processes_mib? * 1.048_576))).collect();
    for (series, points) in [(MemorySeries::TreeRss, rss), (MemorySeries::GpuProcesses, gpu)] {
        if points.is_empty() {
            continue;
        }
        lines.push(Line { name: format!("{series} (MB)"), points, thin: false });
        if let Some(fit) = report.verdict.check(CheckKind::Leak(series)).and_then(|check| check.fit) {
            let (from, to) = (report.settings.warmup.as_secs_f64(), report.settings.duration.as_secs_f64());
            // The fit is in MB per hour of hours since the start.
            let at = |t: f64| (t, fit.intercept + fit.slope * t / 3600.0);
            lines.push(Line {
                name: format!("fit: {:.1} MB/h (95% CI {:.1}–{:.1})", fit.slope, fit.slope_low, fit.slope_high),
                points: vec![at(from), at(to)],
                thin: true,
            });
        }
    }
    TimeChart {
        title: format!("{}: server memory", report.name),
        y_label: "MB".to_owned(),
        lines,
        marker: warmup_marker(report),
    }
}

fn latency_chart(report: &SoakReport) -> TimeChart {
    let samples = &report.recording.samples;
    let series = |name: &str, pick: fn(&super::window::WindowSummary) -> Option<f64>| Line {
        name: name.to_owned(),
        points: samples.iter().filter_map(|s| Some((s.t_s, pick(&s.client)?))).collect(),
        thin: false,
    };
    let mut lines = vec![series("E2EL p99 (ms)", |c| c.e2el.p99)];
    if report.api.streams_tokens() {
        lines.push(series("TTFT p99 (ms)", |c| c.ttft.p99));
        lines.push(series("TPOT p99 (ms)", |c| c.tpot.p99));
        lines.push(series("ITL p99 (ms)", |c| c.itl.p99));
    }
    TimeChart {
        title: format!(
            "{}: p99 latency per {} window",
            report.name,
            describe_duration(report.settings.sample_interval)
        ),
        y_label: "ms".to_owned(),
        lines,
        marker: warmup_marker(report),
    }
}

/// The Markdown verdict: the run, each check, and the resource trends.
pub fn markdown(report: &SoakReport) -> String {
    let settings = &report.settings;
    let recording = &report.recording;
    let totals = &recording.totals;
    let mut out = String::new();
    let outcome = if report.passed() { "passed" } else { "FAILED" };
    let _ = writeln!(out, "# Soak {}: {outcome}\n", report.name);
    let _ = writeln!(
        out,
        "{} at {} for {} (drain bound {}), {} batches; samples every {}, warm-up {}.\n",
        report.api,
        report.load,
        describe_duration(settings.duration),
        describe_duration(report.drain),
        recording.batches,
        describe_duration(settings.sample_interval),
        describe_duration(settings.warmup),
    );
    let classes: Vec<String> = totals.errors.iter().map(|(class, n)| format!("{n} {class}")).collect();
    let _ = writeln!(
        out,
        "Requests: {} sent, {} completed, {} failed{}.\n",
        totals.sent,
        totals.completed,
        totals.failed,
        if classes.is_empty() { String::new() } else { format!(" ({})", classes.join(", ")) }
    );
    if let Some(scale) = &settings.mock_scale {
        let _ = writeln!(
            out,
            "Served by the embedded mock: prompts at most {} tokens, answers at most {}, pictures at most {} px; \
             leak threshold at least {} MB/h; drift reported, not asserted.\n",
            scale.max_input_len,
            scale.max_output_len,
            scale.max_side,
            super::settings::MOCK_LEAK_THRESHOLD_MB_PER_HOUR
        );
    }
    if let Some(error) = &recording.csv_error {
        let _ = writeln!(out, "Warning: the CSV is incomplete: {error}\n");
    }
    out.push_str("## Checks\n\n| check | result | detail |\n|---|---|---|\n");
    for check in &report.verdict.checks {
        let name = match check.kind {
            CheckKind::Requests => "requests".to_owned(),
            CheckKind::Leak(series) => format!("leak: {series}"),
            CheckKind::Drift(metric) => format!("drift: {metric}"),
            CheckKind::Preemptions => "preemptions".to_owned(),
        };
        let result = match (check.status, check.asserted) {
            (Status::Pass, _) => "pass",
            (Status::Fail, true) => "**FAIL**",
            (Status::Fail, false) => "fail, reported only (on the mock)",
            (Status::NotChecked, _) => "not checked",
        };
        let _ = writeln!(out, "| {name} | {result} | {} |", check.detail.replace('|', "\\|"));
    }
    out.push_str(&trends(report));
    out
}

/// The slopes of the process tree's resources after the warm-up, for the reader: only memory is
/// judged, but growing file descriptors or threads are worth seeing.
fn trends(report: &SoakReport) -> String {
    let (from, to) = (report.settings.warmup.as_secs_f64(), report.settings.duration.as_secs_f64());
    let measured = || report.recording.samples.iter().filter(move |s| s.t_s >= from && s.t_s <= to);
    let series: [(&str, Vec<(f64, f64)>); 3] = [
        ("RSS (MB)", measured().filter_map(|s| Some((s.t_s / 3600.0, s.tree?.rss_mb))).collect()),
        ("open file descriptors", measured().filter_map(|s| Some((s.t_s / 3600.0, s.tree?.fds as f64))).collect()),
        ("threads", measured().filter_map(|s| Some((s.t_s / 3600.0, s.tree?.threads as f64))).collect()),
    ];
    let mut out = String::new();
    for (name, points) in series {
        let (Some(first), Some(last), Some(fit)) = (points.first(), points.last(), linear_fit(&points, 0.95)) else {
            continue;
        };
        if out.is_empty() {
            out.push_str(
                "\n## Server process tree after the warm-up\n\n| series | first | last | slope per hour | 95% CI |\n\
                 |---|---:|---:|---:|---|\n",
            );
        }
        let _ = writeln!(
            out,
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1}–{:.1} |",
            first.1, last.1, fit.slope, fit.slope_low, fit.slope_high
        );
    }
    out
}
