//! `omnitest bench CONFIG [--step N]`: a perf config's sweep, run against each case's server
//! (started through the fixtures, so the mock stands in for it on the mock backend), with the
//! baseline asserted unless `--advisory`.
//!
//! The whole config is read, expanded and checked before any server starts. Exit codes: 0 all
//! steps passed, 1 a step failed (baseline breached, requests failed, or an invalid run),
//! 2 the config or the command line is wrong, 3 a server or the load generator could not start.

use std::path::PathBuf;
use std::process::ExitCode;

use super::config_run::{launch_env, usage_error};
use crate::bench::config::{PerfCase, PerfConfig};
use crate::bench::health::HealthBounds;
use crate::bench::load::{MockScale, StepSpec};
use crate::bench::report;
use crate::bench::step::{ServerRef, StepSettings, Verdict, run_step};
use crate::bench::sweep::SweepStep;
use crate::bench::trials::{hardware, parse_switch, scenario};
use crate::fixtures::Server;
use crate::selection::{Backend, BackendChoice};

/// The settings of a config run.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The perf config (`baselines/perf/*.json`).
    #[arg(required = true)]
    config: Option<PathBuf>,
    /// Runs only this step (0-based, in the order `--list` prints).
    #[arg(long)]
    step: Option<usize>,
    /// Lists the steps and exits.
    #[arg(long)]
    list: bool,
    /// Prints the baseline table without failing on a breach.
    #[arg(long, env = "OMNITEST_BENCH_ADVISORY", value_parser = parse_switch, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    advisory: bool,
    /// The backend that serves the cases.
    #[arg(long, value_enum, default_value = "auto", env = "OMNITEST_BACKEND")]
    backend: BackendChoice,
    /// A running server for every case (the `external` backend).
    #[arg(long, env = "OMNITEST_SERVER_URL")]
    server_url: Option<String>,
    /// The hardware label of per-hardware baselines [default: the GPU's model; `mock` on the mock].
    #[arg(long, env = "OMNITEST_BENCH_HARDWARE")]
    hardware: Option<String>,
    /// Where results, summaries and charts go [default: a new folder under the temp dir].
    #[arg(long, env = "OMNITEST_OUTPUT_DIR")]
    output_dir: Option<PathBuf>,
    /// Where a case's `stage_config_name` is found [default: `deploy/` beside the config's folder].
    #[arg(long, env = "OMNITEST_DEPLOY_DIR")]
    deploy_dir: Option<PathBuf>,
    /// On the mock, runs steps as written instead of shrinking them (fewer, smaller requests).
    #[arg(long, env = "OMNITEST_BENCH_FULL_SIZE", value_parser = parse_switch, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    full_size: bool,
    /// On the mock, fails a step whose load generator fell behind (by default only reported
    /// there, because the mock shares this machine with the client).
    #[arg(long, env = "OMNITEST_BENCH_STRICT_HEALTH", value_parser = parse_switch, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    strict_health: bool,
    /// The largest acceptable p99 dispatch lag of the load generator, in ms.
    #[arg(long, default_value_t = HealthBounds::default().max_dispatch_lag_p99_ms)]
    max_dispatch_lag_ms: f64,
    /// The largest acceptable CPU use of the load generator, in percent of one core.
    #[arg(long, default_value_t = HealthBounds::default().max_cpu_percent)]
    max_client_cpu: f64,
}

struct Planned<'a> {
    index: usize,
    case: &'a PerfCase,
    step: SweepStep,
    spec: StepSpec,
}

pub(crate) fn run(args: &RunArgs) -> ExitCode {
    let Some(file) = &args.config else {
        eprintln!("error: give a perf config, e.g. omnitest bench baselines/perf/test_qwen_omni.json");
        return ExitCode::from(2);
    };
    let config = match PerfConfig::load(file) {
        Ok(config) => config,
        Err(error) => return usage_error(&error.to_string()),
    };
    let mut planned = Vec::new();
    for case in &config.cases {
        let steps = match crate::bench::sweep::expand_case(&config.file, case) {
            Ok(steps) => steps,
            Err(error) => return usage_error(&error.to_string()),
        };
        for step in steps {
            let spec = match StepSpec::from_step(&step, case) {
                Ok(spec) => spec,
                Err(error) => return usage_error(&error.to_string()),
            };
            planned.push(Planned { index: planned.len(), case, step, spec });
        }
    }
    if args.list {
        for p in &planned {
            println!(
                "{:>3}  {}[{}]  {} at {}, {} requests",
                p.index, p.step.test_name, p.step.label, p.spec.api, p.step.load, p.step.num_prompts
            );
        }
        return ExitCode::SUCCESS;
    }
    let all_steps: Vec<SweepStep> = planned.iter().map(|p| p.step.clone()).collect();
    if let Some(wanted) = args.step {
        if wanted >= planned.len() {
            return usage_error(&format!(
                "--step {wanted}: {} has steps 0 to {}",
                file.display(),
                planned.len().saturating_sub(1)
            ));
        }
        planned.retain(|p| p.index == wanted);
    }
    let backend = args.backend.resolve(std::env::var("PATH").ok().as_deref());
    let output_dir = args
        .output_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("omnitest-bench-{}", std::process::id())));
    let launch =
        launch_env(backend.backend, &config.file, &output_dir, args.deploy_dir.as_deref(), args.server_url.as_deref());
    let settings = StepSettings {
        hardware: hardware::label(backend.backend, args.hardware.as_deref()),
        advisory: args.advisory,
        health: HealthBounds {
            max_dispatch_lag_p99_ms: args.max_dispatch_lag_ms,
            max_cpu_percent: args.max_client_cpu,
            ..HealthBounds::default()
        },
        cpu: None,
        mock_scale: (backend.backend == Backend::Mock && !args.full_size).then(MockScale::default),
        health_advisory: backend.backend == Backend::Mock && !args.strict_health,
    };
    eprintln!(
        "omnitest bench {}: {} step(s), backend {} ({}), hardware {}, output {}",
        file.display(),
        planned.len(),
        backend.backend.name(),
        backend.reason,
        settings.hardware.as_deref().unwrap_or("unknown"),
        output_dir.display()
    );
    let mut failed = 0;
    let mut index = 0;
    while index < planned.len() {
        let case = planned[index].case;
        let group_end =
            planned[index..].iter().position(|p| !std::ptr::eq(p.case, case)).map_or(planned.len(), |n| index + n);
        let group = &planned[index..group_end];
        index = group_end;
        let scenario = scenario::leak_scenario(case);
        let server_dir = output_dir.join("servers").join(&case.test_name);
        let server = match Server::start(scenario, &server_dir, &launch, None) {
            Ok(server) => server,
            Err(error) => {
                eprintln!("error: the server for {} did not start: {error}", case.test_name);
                return ExitCode::from(3);
            }
        };
        for p in group {
            let report = match run_step(
                &p.step,
                &p.spec,
                ServerRef { url: server.url(), model: server.model() },
                &output_dir,
                &settings,
            ) {
                Ok(report) => report,
                Err(error) => {
                    eprintln!("error: {error}");
                    server.stop();
                    return ExitCode::from(3);
                }
            };
            println!("{}", report.render());
            match report.verdict() {
                Verdict::Pass => {}
                Verdict::Invalid(message) | Verdict::RequestsFailed(message) | Verdict::Breach(message) => {
                    failed += 1;
                    println!("FAILED: {}\n", message.lines().next().unwrap_or_default());
                }
            }
        }
        server.stop();
        // Charts and summaries cover every step of an entry whose result is on disk, including
        // steps run before with `--step`.
        let entries: Vec<Vec<SweepStep>> = entry_groups(group.iter().map(|p| &p.step));
        for ran in entries {
            let steps: Vec<SweepStep> = all_steps
                .iter()
                .filter(|s| s.test_name == ran[0].test_name && s.entry_index == ran[0].entry_index)
                .cloned()
                .collect();
            match report::write_entry(&output_dir, &steps) {
                Ok(files) => {
                    for file in files {
                        println!("wrote {}", file.display());
                    }
                }
                Err(error) => eprintln!("warning: {error}"),
            }
        }
    }
    if failed > 0 {
        println!("{failed} of {} step(s) failed", planned.len());
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The steps grouped by entry, in order.
fn entry_groups<'a>(steps: impl Iterator<Item = &'a SweepStep>) -> Vec<Vec<SweepStep>> {
    let mut groups: Vec<Vec<SweepStep>> = Vec::new();
    for step in steps {
        match groups.last_mut() {
            Some(group) if group[0].test_name == step.test_name && group[0].entry_index == step.entry_index => {
                group.push(step.clone());
            }
            _ => groups.push(vec![step.clone()]),
        }
    }
    groups
}
