//! The command line of `cargo test --test e2e -- …`: omnitest's flags, each with an
//! `OMNITEST_*` environment twin (nextest forwards no custom flag when it lists tests), around
//! libtest's own (`--list`, `--exact`, `--format`, …).

use std::path::PathBuf;

use clap::Parser;

use crate::registry::Level;
use crate::selection::{BackendChoice, HardwareShard, MarkerExpr, Partition};

/// omnitest's e2e harness: runs the registered tests of one CI level against a backend.
#[derive(Parser, Debug)]
#[command(name = "e2e", disable_version_flag = true, max_term_width = 100)]
pub struct HarnessArgs {
    /// The CI level to run: the tests marked with it (membership, not "and below"). It also sets
    /// validation depth and, for vLLM-Omni, whether dummy or real weights are served.
    #[arg(long, env = "OMNITEST_RUN_LEVEL", default_value = "core_model", value_parser = parse_level,
          help_heading = "Selection")]
    pub run_level: Level,

    /// A marker expression in pytest's grammar, e.g. "omni and not distributed_cuda". `slow` tests
    /// run only when the expression names `slow`.
    #[arg(short = 'm', long = "markers", env = "OMNITEST_MARKERS", value_parser = MarkerExpr::parse,
          help_heading = "Selection")]
    pub markers: Option<MarkerExpr>,

    /// The hardware shard of this CI job: `cpu` or PLATFORM:RESOURCE (e.g. cuda:H100).
    #[arg(long, env = "OMNITEST_HARDWARE", value_parser = str::parse::<HardwareShard>,
          help_heading = "Selection")]
    pub hardware: Option<HardwareShard>,

    /// With --hardware, only the tests needing exactly this many cards.
    #[arg(long, env = "OMNITEST_CARDS", value_parser = clap::value_parser!(u32).range(1..),
          help_heading = "Selection")]
    pub cards: Option<u32>,

    /// This job's share of the tests: hash:M/N (stable when tests are added) or slice:M/N.
    #[arg(long, env = "OMNITEST_PARTITION", value_parser = str::parse::<Partition>, help_heading = "Selection")]
    pub partition: Option<Partition>,

    /// How many GPUs this machine has [default: detected through NVML and CUDA_VISIBLE_DEVICES].
    #[arg(long, env = "OMNITEST_GPUS", help_heading = "Backend")]
    pub gpus: Option<u32>,

    /// Who serves the scenarios: auto picks vllm-omni when `vllm` is on PATH, the mock otherwise.
    #[arg(long, env = "OMNITEST_BACKEND", value_enum, default_value = "auto", help_heading = "Backend")]
    pub backend: BackendChoice,

    /// The server every scenario uses with --backend external (and nextest's shared server).
    #[arg(long, env = "OMNITEST_SERVER_URL", help_heading = "Backend")]
    pub server_url: Option<String>,

    /// An OpenAI-compatible /v1/audio/transcriptions server for deep audio checks on real backends.
    #[arg(long, env = "OMNITEST_ASR_URL", help_heading = "Backend")]
    pub asr_url: Option<String>,

    /// Where tests write their artifacts, one folder per test [default: $OUTPUT_DIR, else a new
    /// folder under the system temp dir].
    #[arg(long, env = "OMNITEST_OUTPUT_DIR", help_heading = "Reports")]
    pub output_dir: Option<PathBuf>,

    /// Writes a JUnit XML report here.
    #[arg(long, env = "OMNITEST_JUNIT", help_heading = "Reports")]
    pub junit: Option<PathBuf>,

    /// Writes the Markdown summary here [default: summary.md in the output dir].
    #[arg(long, env = "OMNITEST_SUMMARY", help_heading = "Reports")]
    pub summary: Option<PathBuf>,

    /// Prints every registered test (path, source, levels, markers, hardware, trials) as JSON
    /// and exits: what `omnitest ci buildkite` plans pipelines from. Unlike the selection flags
    /// it has no environment twin: it is a query, never part of a run nextest starts.
    #[arg(long, help_heading = "Reports")]
    pub catalog_json: bool,

    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}

fn parse_level(value: &str) -> Result<Level, crate::registry::UnknownLevel> {
    value.parse()
}

impl HarnessArgs {
    /// Whether tests flagged ignored should run anyway (`--ignored`, `--include-ignored`).
    pub fn runs_ignored(&self) -> bool {
        self.libtest.ignored || self.libtest.include_ignored
    }
}
