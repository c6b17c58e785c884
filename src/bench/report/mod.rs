//! What a sweep leaves besides its result files: a Markdown summary of each benchmark entry's
//! steps and charts of them, rebuilt from the result files present, so that the harness (which
//! runs steps as separate trials) and `omnitest bench` produce the same files.
//!
//! | module | what |
//! |---|---|
//! | [`plots`] | line charts as SVG and PNG |

pub mod plots;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::baseline::{Bound, StepBaseline, evaluate};
use super::step::result_file_name;
use super::sweep::{Load, SweepStep};
use plots::{Chart, PlotError};

/// Summary columns: result key and heading.
const COLUMNS: [(&str, &str); 17] = [
    ("completed", "completed"),
    ("failed", "failed"),
    ("duration", "duration s"),
    ("request_throughput", "req/s"),
    ("output_throughput", "output tok/s"),
    ("mean_ttft_ms", "mean TTFT ms"),
    ("p99_ttft_ms", "p99 TTFT ms"),
    ("mean_tpot_ms", "mean TPOT ms"),
    ("mean_itl_ms", "mean ITL ms"),
    ("mean_e2el_ms", "mean E2EL ms"),
    ("mean_audio_ttfp_ms", "mean audio TTFP ms"),
    ("mean_audio_rtf", "mean audio RTF"),
    ("audio_throughput", "audio s/s"),
    ("audio_continuity_ok_rate", "continuous"),
    ("latency_mean", "mean latency s"),
    ("throughput_qps", "images or videos/s"),
    ("peak_memory_mb_max", "peak memory MB"),
];

const LATENCIES: [&str; 10] = [
    "mean_ttft_ms",
    "p99_ttft_ms",
    "mean_tpot_ms",
    "mean_itl_ms",
    "p99_itl_ms",
    "mean_e2el_ms",
    "p99_e2el_ms",
    "mean_audio_ttfp_ms",
    "p99_audio_ttfp_ms",
    "latency_mean",
];

const THROUGHPUTS: [&str; 5] =
    ["request_throughput", "output_throughput", "total_token_throughput", "audio_throughput", "throughput_qps"];

/// Why the entry's report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A chart failed.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The summary could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Writes the summary and charts of one entry (`steps` share a test name and entry) from the
/// result files in `dir`; returns the files written (none when no step has a result yet).
pub fn write_entry(dir: &Path, steps: &[SweepStep]) -> Result<Vec<PathBuf>, ReportError> {
    let results: Vec<(&SweepStep, Value)> = steps
        .iter()
        .filter_map(|step| {
            let text = std::fs::read_to_string(dir.join(result_file_name(step))).ok()?;
            Some((step, serde_json::from_str(&text).ok()?))
        })
        .collect();
    let Some((first, _)) = results.first() else { return Ok(Vec::new()) };
    let stem = dir.join(format!("{}_e{}", first.test_name, first.entry_index));
    let mut written = Vec::new();
    let summary_path = stem.with_file_name(format!("{}_e{}_summary.md", first.test_name, first.entry_index));
    std::fs::write(&summary_path, summary(&results))
        .map_err(|source| ReportError::Write { path: summary_path.clone(), source })?;
    written.push(summary_path);
    let x_label = match first.load {
        Load::Concurrency(_) => "max concurrency",
        Load::Rate(_) => "request rate (req/s)",
    };
    let labels: Vec<String> = results.iter().map(|(step, _)| load_label(step.load)).collect();
    for (kind, keys, unit) in [
        ("latency", &LATENCIES[..], "ms (s for latency_mean), log scale"),
        ("throughput", &THROUGHPUTS[..], "per second, log scale"),
    ] {
        let series: Vec<plots::Series> = keys
            .iter()
            .map(|key| ((*key).to_owned(), results.iter().map(|(_, r)| r.get(*key).and_then(Value::as_f64)).collect()))
            .filter(|(_, values): &plots::Series| values.iter().any(Option::is_some))
            .collect();
        let chart = Chart {
            title: format!("{} (entry {}): {kind}", first.test_name, first.entry_index),
            x_label: x_label.to_owned(),
            steps: labels.clone(),
            y_label: unit.to_owned(),
            series,
        };
        if !chart.is_empty() {
            let name = format!("{}_e{}_{kind}", first.test_name, first.entry_index);
            written.extend(chart.write(&stem.with_file_name(name))?);
        }
    }
    Ok(written)
}

fn load_label(load: Load) -> String {
    match load {
        Load::Concurrency(cap) => cap.to_string(),
        Load::Rate(rate) => rate.to_string(),
    }
}

/// The Markdown summary of an entry's results.
pub fn summary(results: &[(&SweepStep, Value)]) -> String {
    let Some((first, _)) = results.first() else { return String::new() };
    let columns: Vec<(&str, &str)> = COLUMNS
        .iter()
        .copied()
        .filter(|(key, _)| results.iter().any(|(_, r)| r.get(*key).is_some_and(|v| !v.is_null())))
        .collect();
    let mut out = format!(
        "# {} — entry {} of {}\n\n",
        first.test_name,
        first.entry_index,
        first.file.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned())
    );
    let _ = write!(out, "| step |");
    for (_, heading) in &columns {
        let _ = write!(out, " {heading} |");
    }
    out.push_str(" p99 dispatch lag ms | baseline |\n|---|");
    out.push_str(&"---:|".repeat(columns.len() + 1));
    out.push_str("---|\n");
    for (step, result) in results {
        let _ = write!(out, "| {} |", step.label);
        for (key, _) in &columns {
            let _ = write!(out, " {} |", cell(result.get(*key)));
        }
        let _ = write!(out, " {} |", cell(result.get("client_health").and_then(|h| h.get("dispatch_lag_p99_ms"))));
        let _ = writeln!(out, " {} |", baseline_cell(result));
    }
    out
}

fn cell(value: Option<&Value>) -> String {
    match value {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
            Some(v) => format!("{v:.3}"),
            None => n.to_string(),
        },
        Some(Value::Null) | None => "–".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// `pass`, or the metrics past their bounds, from the `baseline` the result file records.
fn baseline_cell(result: &Value) -> String {
    let Some(Value::Object(bounds)) = result.get("baseline") else { return "–".to_owned() };
    let baselines: Vec<StepBaseline> = bounds
        .iter()
        .filter_map(|(metric, value)| {
            Some(StepBaseline { metric: metric.clone(), value: value.as_f64()?, bound: Bound::for_metric(metric) })
        })
        .collect();
    let failed: Vec<String> =
        evaluate(&baselines, result).into_iter().filter(|c| !c.passed).map(|c| c.metric).collect();
    if failed.is_empty() { "pass".to_owned() } else { format!("FAIL: {}", failed.join(", ")) }
}
