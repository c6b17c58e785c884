//! The runner: the libtest-compatible harness behind `cargo test --test e2e`.
//!
//! It parses omnitest's flags (each with an `OMNITEST_*` twin) around libtest-mimic's, collects
//! and selects tests, plans them scenario by scenario, and hands libtest-mimic one trial per
//! (test × scenario). It works the way cargo, rust-analyzer (`<path> --exact`), RustRover
//! (`--format=json -Z unstable-options --show-output`) and nextest (`--list --format terse`,
//! then one process per `--exact NAME`) invoke a test binary. `main` returns an `ExitCode`
//! rather than calling `exit`, so that fixtures' destructors (server teardown) run.

mod args;
mod context;
mod env;
mod harness;
mod trials;

pub use args::HarnessArgs;
pub use context::TestContext;
pub use env::{KNOWN_VARIABLES, UnknownVariable};
pub use harness::{HarnessError, Paths, main, main_with_binary, run_with_args};
