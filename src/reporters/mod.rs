//! Reporters: everything omnitest itself prints or writes about a run.
//!
//! libtest-mimic prints the per-trial lines in libtest's formats (pretty, terse, JSON), which
//! IDEs and nextest parse. Everything else lives here: the header naming the level, backend,
//! GPUs and selection; the footer with ignored reasons and where the reports went; the JUnit XML
//! (`--junit`); and the Markdown summary, fit for a Buildkite annotation. Console output goes to
//! stderr so that stdout stays libtest's alone.

mod console;
mod junit;
mod markdown;
mod record;

use std::path::PathBuf;

pub use console::{print_error, print_footer, print_header, print_note, print_servers};
pub use junit::write_junit;
pub use markdown::render_markdown;
pub use record::{Recorder, Tally, TrialRecord, TrialStatus};

use crate::registry::Level;
use crate::selection::{GpuInventory, ResolvedBackend};

/// What a run is, as the header and the reports describe it.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// The run level.
    pub run_level: Level,
    /// The backend and how it was chosen.
    pub backend: ResolvedBackend,
    /// The GPUs this run may use.
    pub gpus: GpuInventory,
    /// The selection flags beyond the level, e.g. `-m "omni", --hardware cuda:H100`.
    pub selection: Vec<String>,
    /// Trials planned (including ignored).
    pub planned: usize,
    /// Planned trials that will be reported ignored.
    pub ignored: usize,
    /// Trials left out by selection.
    pub deselected: usize,
    /// Planned trials whose hardware requirement the backend waives.
    pub hardware_waived: usize,
    /// Distinct scenarios among the planned trials.
    pub scenarios: usize,
    /// The output root.
    pub output_dir: PathBuf,
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing a file failed.
    #[error("cannot write the {what} to {}: {source}\n(hint: check that the folder exists and is writable)", path.display())]
    Write {
        /// Which report.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Serialising the JUnit XML failed.
    #[error("cannot serialise the JUnit report: {0}")]
    Junit(#[from] quick_junit::SerializeError),
}
