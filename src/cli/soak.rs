//! `omnitest soak CONFIG [--duration DUR]`: each soak of a stability config run against its
//! case's server (started through the fixtures, so the mock stands in for it on the mock
//! backend, or the running server of `--server-url`), with the verdict printed and written.
//!
//! The whole config is read and checked before any server starts. On the mock backend a soak
//! lasts 15 s unless `--duration` says otherwise, with the mock's settings (smaller requests, a
//! leak threshold of at least 5000 MB/h after half the run, drift reported without failing).
//! Exit codes: 0 every soak passed, 1 a soak failed its checks, 2 the config or the command line
//! is wrong, 3 a server or the load could not start.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::config_run::{launch_env, usage_error};
use crate::bench::trials::scenario;
use crate::fixtures::Server;
use crate::selection::{Backend, BackendChoice};
use crate::soak::config::StabilityConfig;
use crate::soak::settings::{MOCK_DURATION, SoakSettings, describe_duration, parse_duration};
use crate::soak::{SoakServer, run_soak};

/// The settings of a soak run.
#[derive(clap::Args, Debug)]
pub struct SoakArgs {
    /// The stability config (`baselines/stability/*.json`).
    config: PathBuf,
    /// How long each soak sends requests (`90s`, `10m`, `12h`) [default: the entry's
    /// duration_sec; 15 s on the mock].
    #[arg(long, env = "OMNITEST_SOAK_DURATION", value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Runs only the case with this test_name.
    #[arg(long)]
    case: Option<String>,
    /// The backend that serves the cases.
    #[arg(long, value_enum, default_value = "auto", env = "OMNITEST_BACKEND")]
    backend: BackendChoice,
    /// A running server for every case (the `external` backend).
    #[arg(long, env = "OMNITEST_SERVER_URL")]
    server_url: Option<String>,
    /// The root process of the running server of --server-url, whose tree is sampled (without
    /// it, an external server's memory is not checked).
    #[arg(long, requires = "server_url")]
    server_pid: Option<u32>,
    /// Sample every this long [default: the entry's sample_interval_sec, else 1/40 of the
    /// duration within 0.5–5 s].
    #[arg(long, value_parser = parse_duration)]
    sample_interval: Option<Duration>,
    /// Leave this much of the start out of the leak and drift checks [default: the entry's
    /// warmup_sec, else a fifth of the duration, at most 10 minutes].
    #[arg(long, value_parser = parse_duration)]
    warmup: Option<Duration>,
    /// The largest memory growth that is not a leak, in MB per hour [default: the entry's
    /// leak_threshold_mb_per_hour, else 50].
    #[arg(long)]
    leak_threshold: Option<f64>,
    /// Where the CSV, charts and verdicts go [default: a new folder under the temp dir].
    #[arg(long, env = "OMNITEST_OUTPUT_DIR")]
    output_dir: Option<PathBuf>,
    /// Where a case's `stage_config_name` is found [default: `deploy/` beside the config's folder].
    #[arg(long, env = "OMNITEST_DEPLOY_DIR")]
    deploy_dir: Option<PathBuf>,
}

pub(crate) fn run(args: &SoakArgs) -> ExitCode {
    let config = match StabilityConfig::load(&args.config) {
        Ok(config) => config,
        Err(error) => return usage_error(&error.to_string()),
    };
    let cases: Vec<_> =
        config.cases.iter().filter(|c| args.case.as_ref().is_none_or(|name| c.case.test_name == *name)).collect();
    if cases.is_empty() {
        let names: Vec<&str> = config.cases.iter().map(|c| c.case.test_name.as_str()).collect();
        return usage_error(&format!(
            "{} has no case named {} (it has: {})",
            config.file.display(),
            args.case.as_deref().unwrap_or("?"),
            names.join(", ")
        ));
    }
    if let Some(threshold) = args.leak_threshold.filter(|t| !(t.is_finite() && *t >= 0.0)) {
        return usage_error(&format!("--leak-threshold {threshold}: expected MB per hour, at least 0"));
    }
    let backend = args.backend.resolve(std::env::var("PATH").ok().as_deref());
    let output_dir = args
        .output_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("omnitest-soak-{}", std::process::id())));
    let launch =
        launch_env(backend.backend, &config.file, &output_dir, args.deploy_dir.as_deref(), args.server_url.as_deref());
    eprintln!(
        "omnitest soak {}: {} case(s), backend {} ({}), output {}",
        config.file.display(),
        cases.len(),
        backend.backend.name(),
        backend.reason,
        output_dir.display()
    );
    let mut failed = 0;
    let mut soaks = 0;
    for stability in cases {
        let case = &stability.case;
        let server_dir = output_dir.join("servers").join(&case.test_name);
        let server = match Server::start(scenario::leak_scenario(case), &server_dir, &launch, None) {
            Ok(server) => server,
            Err(error) => {
                eprintln!("error: the server for {} did not start: {error}", case.test_name);
                return ExitCode::from(3);
            }
        };
        let pid = server.pid().or(args.server_pid);
        for entry in &stability.entries {
            soaks += 1;
            let on_mock = backend.backend == Backend::Mock;
            let duration = args.duration.or(on_mock.then_some(MOCK_DURATION));
            let mut settings = SoakSettings::for_entry(entry, duration);
            if let Some(interval) = args.sample_interval {
                settings.sample_interval = interval;
            }
            if let Some(warmup) = args.warmup {
                settings.warmup = warmup.min(settings.duration / 2);
            }
            if let Some(threshold) = args.leak_threshold {
                settings.leak_threshold_mb_per_hour = threshold;
            }
            if on_mock {
                settings = settings.on_mock();
            }
            eprintln!(
                "{}[e{}]: {} at {}, sampling every {}",
                case.test_name,
                entry.index,
                describe_duration(settings.duration),
                entry.load,
                describe_duration(settings.sample_interval)
            );
            let dir = output_dir.join(&case.test_name).join(format!("e{}", entry.index));
            let target = SoakServer { url: server.url(), model: server.model(), pid };
            let report = match run_soak(&config.file, stability, entry, target, &settings, &dir) {
                Ok(report) => report,
                Err(error) => {
                    eprintln!("error: {error}");
                    server.stop();
                    return ExitCode::from(3);
                }
            };
            println!("{}", report.render());
            for file in &report.files {
                println!("wrote {}", file.display());
            }
            if !report.passed() {
                failed += 1;
                println!("FAILED: {}\n", report.failure_summary());
            }
        }
        server.stop();
    }
    if failed > 0 {
        println!("{failed} of {soaks} soak(s) failed");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
