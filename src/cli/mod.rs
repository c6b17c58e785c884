//! The `omnitest` command: a thin layer over the library, one module per subcommand.

mod bench_calibrate;
mod bench_mock;
mod bench_run;
mod ci;
mod config_run;
mod gpu_pressure;
mod local_mock;
mod markers;
mod soak;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// omnitest: multi-level testing for model-serving services.
#[derive(Parser, Debug)]
#[command(name = "omnitest", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lists the markers tests carry and marker expressions (-m) select on.
    Markers,
    /// Runs the embedded mock server (see `omnitest mock-server --help`).
    #[command(disable_help_flag = true)]
    MockServer {
        /// The model, `vllm serve` flags and mock flags.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Runs a perf config's sweep against its servers (`omnitest bench CONFIG`), or a benchmark
    /// of omnitest itself (`omnitest bench mock|calibrate`); each prints a table.
    Bench(Box<BenchArgs>),
    /// Runs the soaks of a stability config against its servers (`omnitest soak CONFIG
    /// --duration 12h`): continuous load, sampled memory and latency, a verdict on failed
    /// requests, leaks, latency drift and preemptions.
    Soak(Box<soak::SoakArgs>),
    /// CI pipelines planned from the registered tests.
    #[command(subcommand)]
    Ci(ci::CiCommand),
    /// Runs the mock's offline runner, speaking the JSON-lines protocol on stdio.
    #[command(disable_help_flag = true)]
    MockRunner {
        /// The model and runner flags.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Holds GPU memory until stdin closes: the reliability tests' memory-pressure sidecar.
    #[command(hide = true)]
    GpuPressure(gpu_pressure::GpuPressureArgs),
    /// The mock's stand-in engine process (see `mock-server --engine-process`).
    #[command(hide = true)]
    MockEngine,
}

/// Restores the default SIGPIPE action, so that `… | head` ends a command that only prints
/// instead of making it panic on a closed stdout. Only for commands that talk to no socket and
/// no child process: Rust ignores SIGPIPE so that those report EPIPE instead of killing us.
pub(crate) fn die_quietly_on_closed_stdout() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: installing the default action runs no handler code of ours.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

/// `omnitest bench CONFIG` or `omnitest bench SUBCOMMAND`.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    #[command(flatten)]
    run: bench_run::RunArgs,
}

/// `omnitest bench …` benchmarks of omnitest itself.
#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Streamed chat events per second the zero-latency mock serves on one core.
    Mock(bench_mock::MockBenchArgs),
    /// The load generator's own ceiling on this machine, against the zero-latency mock (or its
    /// accuracy, against a mock with --ttft-ms and --itl-ms).
    Calibrate(bench_calibrate::CalibrateArgs),
}

/// Runs the command line of the `omnitest` binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Markers => {
            die_quietly_on_closed_stdout();
            markers::run()
        }
        Command::MockServer { args } => crate::mock::run(&args),
        Command::MockRunner { args } => crate::mock::runner::run(&args),
        Command::Bench(bench) => match *bench {
            BenchArgs { command: Some(BenchCommand::Mock(args)), .. } => bench_mock::run(&args),
            BenchArgs { command: Some(BenchCommand::Calibrate(args)), .. } => bench_calibrate::run(&args),
            BenchArgs { command: None, run } => bench_run::run(&run),
        },
        Command::Soak(args) => soak::run(&args),
        Command::Ci(command) => ci::run(&command),
        Command::GpuPressure(args) => gpu_pressure::run(&args),
        Command::MockEngine => crate::mock::engine_process::run_child(),
    }
}
