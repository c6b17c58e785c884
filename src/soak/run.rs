//! One soak, start to verdict: the first batch made (a config the load generator cannot run
//! fails here, before any load), the load driven and sampled, the verdict judged, and the CSV,
//! charts and Markdown verdict written. Shared by `omnitest soak` and the registered trials.
//!
//! A soak takes the process-wide turn of load-generating runs: a benchmark step or another soak
//! running beside it would be part of what it measures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::batches::{BatchError, Batches};
use super::config::{SoakEntry, StabilityCase};
use super::record::{RecordError, Recording, record};
use super::report::{self, ReportError};
use super::sample::Samplers;
use super::settings::SoakSettings;
use super::verdict::{Verdict, judge};
use crate::bench::load::Api;
use crate::bench::sweep::Load;

/// The server a soak runs against.
#[derive(Clone, Copy, Debug)]
pub struct SoakServer<'a> {
    /// Its base URL.
    pub url: &'a str,
    /// The model requests name.
    pub model: &'a str,
    /// The root of its process tree, when it runs on this machine.
    pub pid: Option<u32>,
}

/// How a soak went.
#[derive(Clone, Debug)]
pub struct SoakReport {
    /// `test_name[e<entry>]`.
    pub name: String,
    /// The protocol.
    pub api: Api,
    /// The rate or concurrency cap.
    pub load: Load,
    /// The settings it ran with.
    pub settings: SoakSettings,
    /// How long requests running at the end could take.
    pub drain: Duration,
    /// What was recorded.
    pub recording: Recording,
    /// The checks.
    pub verdict: Verdict,
    /// The files written: CSV, charts, the Markdown verdict.
    pub files: Vec<PathBuf>,
}

/// Why a soak could not be run (as opposed to a soak that failed its checks).
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// The first batch could not be made.
    #[error("{name}: {source}")]
    Batch {
        /// `test_name[e<entry>]`.
        name: String,
        /// Why.
        source: BatchError,
    },
    /// The load could not be driven or recorded.
    #[error("{name}: {source}")]
    Record {
        /// `test_name[e<entry>]`.
        name: String,
        /// Why.
        source: RecordError,
    },
    /// The output folder or a report file could not be written.
    #[error("{name}: {source}")]
    Report {
        /// `test_name[e<entry>]`.
        name: String,
        /// Why.
        source: ReportError,
    },
}

/// Runs `entry` of `case` (read from `file`) against `server` and writes its outputs into `dir`.
pub fn run_soak(
    file: &Path,
    case: &StabilityCase,
    entry: &SoakEntry,
    server: SoakServer<'_>,
    settings: &SoakSettings,
    dir: &Path,
) -> Result<SoakReport, SoakError> {
    let name = format!("{}[e{}]", case.case.test_name, entry.index);
    let _turn = crate::bench::trials::load_turn();
    let report_error = |source| SoakError::Report { name: name.clone(), source };
    report::create_dir(dir).map_err(report_error)?;
    let mut batches = Batches::new(file.to_owned(), case, entry, settings.mock_scale, server.url, server.model);
    let first = batches.next_batch().map_err(|source| SoakError::Batch { name: name.clone(), source })?;
    let (api, load) = (first.spec.api, first.spec.load);
    let drain = settings.drain.unwrap_or(first.spec.request_timeout);
    let samplers = Samplers::new(server.url, server.pid);
    let csv = dir.join(report::SAMPLES_CSV);
    let recording = record(first, batches, samplers, settings, drain, &csv)
        .map_err(|source| SoakError::Record { name: name.clone(), source })?;
    let verdict = judge(&recording, settings, api);
    let mut report = SoakReport {
        name: name.clone(),
        api,
        load,
        settings: settings.clone(),
        drain,
        recording,
        verdict,
        files: vec![csv],
    };
    let written = report::write(&report, dir).map_err(report_error)?;
    report.files.extend(written);
    Ok(report)
}

impl SoakReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.verdict.passed()
    }

    /// The Markdown verdict (also written as `verdict.md`).
    pub fn render(&self) -> String {
        report::markdown(self)
    }

    /// Each failure's sentence, one per line.
    pub fn failure_summary(&self) -> String {
        let lines: Vec<&str> = self.verdict.failures().map(|check| check.detail.as_str()).collect();
        format!("{}: {}", self.name, lines.join("\n"))
    }
}
