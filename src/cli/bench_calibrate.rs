//! `omnitest bench calibrate`: the load generator's own ceiling on this machine. It drives the
//! zero-latency mock (on a CPU of its own) with the generator the perf trials use, at each
//! concurrency asked for, and prints what the generator managed and what it cost: SSE events
//! per second, client CPU per event, dispatch lag, memory. With `--ttft-ms` and `--itl-ms` the
//! mock paces its answers instead, and the table shows how far the reported TTFT and ITL are
//! from the settings: the generator's accuracy.
//!
//! Each level is an ordinary sweep step (the `random` dataset, a concurrency cap, `N` waves of
//! requests), run by the same code as `omnitest bench CONFIG`, with its result file written to
//! the output folder. The backend is `openai-chat-omni` by default: its ITL is per token (from
//! `continuous_usage_stats`), the time between tokens the mock is set to. `openai-chat` gives
//! vLLM's per-chunk ITL, which also counts the near-zero gaps after the role chunk and before
//! the finish chunk, so its mean sits below the setting by design.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};

use super::local_mock::{LocalMock, mock_and_client_cpus};
use crate::bench::config::PerfConfig;
use crate::bench::load::StepSpec;
use crate::bench::load::cpu::peak_rss_bytes;
use crate::bench::step::{ServerRef, StepReport, StepSettings, run_step};

/// The calibration's settings.
#[derive(clap::Args, Debug)]
pub struct CalibrateArgs {
    /// Concurrent streams to try, comma separated.
    #[arg(long, default_value = "1,64,256,1000", value_delimiter = ',')]
    concurrency: Vec<u32>,
    /// Requests per level, in waves of the concurrency.
    #[arg(long, default_value_t = 4)]
    waves: u32,
    /// Tokens per answer; the mock sends each in an SSE event of its own.
    #[arg(long, default_value_t = 128)]
    tokens: u32,
    /// Makes the mock wait this long before the first token (ms) instead of answering at once.
    #[arg(long, default_value_t = 0.0)]
    ttft_ms: f64,
    /// Makes the mock wait this long between tokens (ms) instead of streaming them at once.
    #[arg(long, default_value_t = 0.0)]
    itl_ms: f64,
    /// The paced mock's relative jitter of every delay (0.1: ±10%, mean-preserving; 0: all
    /// streams in lockstep, so that they end, and the next wave starts, in bursts).
    #[arg(long, default_value_t = 0.1)]
    jitter: f64,
    /// With a paced mock, sends requests on a Poisson schedule at the rate that keeps the
    /// concurrency in flight on average (streams ÷ one request's duration) instead of capping
    /// it: requests then start and end spread out, not in waves that start all at once.
    #[arg(long)]
    open_loop: bool,
    /// The backend (`openai-chat-omni`: per-token ITL; `openai-chat`: vLLM's per-chunk ITL).
    #[arg(long, default_value = "openai-chat-omni")]
    backend: String,
    /// Drives this server instead of starting the mock (to compare clients on one server).
    #[arg(long)]
    server_url: Option<String>,
    /// The model requests name.
    #[arg(long, default_value = "omnitest/calibrate")]
    model: String,
    /// Where result files go [default: a new folder under the temp dir].
    #[arg(long)]
    output_dir: Option<PathBuf>,
}

/// One level's figures.
struct Row {
    concurrency: u32,
    report: StepReport,
    peak_rss_mib: Option<f64>,
}

pub(crate) fn run(args: &CalibrateArgs) -> ExitCode {
    match calibrate(args) {
        Ok(rows) => {
            print!("{}", table(args, &rows));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

fn calibrate(args: &CalibrateArgs) -> Result<Vec<Row>, String> {
    let paced = args.ttft_ms > 0.0 || args.itl_ms > 0.0;
    let steps = steps(args)?;
    let output_dir = args
        .output_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("omnitest-calibrate-{}", std::process::id())));
    let (mock_cpu, client_cpu) = mock_and_client_cpus();
    let mock = match &args.server_url {
        Some(_) => None,
        None => Some(LocalMock::start(&args.model, &mock_args(args, paced), mock_cpu)?),
    };
    let url = args.server_url.as_deref().or(mock.as_ref().map(LocalMock::url)).unwrap_or_default();
    let settings = StepSettings {
        // Health is what this command reports, not a reason to stop.
        health_advisory: true,
        advisory: true,
        cpu: (mock.is_some() && client_cpu != mock_cpu).then_some(client_cpu),
        ..StepSettings::default()
    };
    eprintln!(
        "omnitest bench calibrate: {} against {}{}; results in {}",
        if paced {
            format!("TTFT {} ms, ITL {} ms, jitter {}", args.ttft_ms, args.itl_ms, args.jitter)
        } else {
            "zero latency".to_owned()
        },
        if mock.is_some() { "the mock" } else { url },
        settings.cpu.map_or_else(String::new, |cpu| format!(" (mock on CPU {mock_cpu}, client on CPU {cpu})")),
        output_dir.display()
    );
    let server = ServerRef { url, model: &args.model };
    let mut rows = Vec::new();
    for ((step, spec), &concurrency) in steps.iter().zip(&args.concurrency) {
        let report = run_step(step, spec, server, &output_dir, &settings).map_err(|e| e.to_string())?;
        rows.push(Row { concurrency, report, peak_rss_mib: peak_rss_bytes().map(|b| b as f64 / 1_048_576.0) });
    }
    Ok(rows)
}

/// The mock's flags: one worker thread (it has one CPU), room for every stream at once.
fn mock_args(args: &CalibrateArgs, paced: bool) -> Vec<String> {
    // Open-loop arrivals keep the concurrency in flight only on average: leave room above it,
    // so that the mock never queues a request and adds to its TTFT.
    let most = args.concurrency.iter().copied().max().unwrap_or(1) * if args.open_loop { 4 } else { 1 };
    let mut flags = vec!["--profile".to_owned(), "text".to_owned(), "--workers".to_owned(), "1".to_owned()];
    flags.extend(["--mock-max-num-seqs".to_owned(), most.to_string()]);
    if paced {
        for (flag, value) in [("--ttft-ms", args.ttft_ms), ("--itl-ms", args.itl_ms), ("--jitter", args.jitter)] {
            flags.extend([flag.to_owned(), value.to_string()]);
        }
    } else {
        flags.push("--zero-latency".to_owned());
    }
    flags
}

/// One sweep step per concurrency, read by the same code that reads `baselines/perf/*.json`.
/// Each level first sends as many warm-up requests as it has streams, all at once, so that it
/// starts with a connection per stream, as a long benchmark is after its first seconds.
fn steps(args: &CalibrateArgs) -> Result<Vec<(crate::bench::SweepStep, StepSpec)>, String> {
    if args.concurrency.is_empty() || args.concurrency.contains(&0) || args.waves == 0 || args.tokens == 0 {
        return Err("--concurrency, --waves and --tokens must be positive".to_owned());
    }
    if args.open_loop && args.ttft_ms <= 0.0 && args.itl_ms <= 0.0 {
        return Err("--open-loop needs a paced mock (--ttft-ms, --itl-ms)".to_owned());
    }
    // How long one request takes on the paced mock: its first token, then one per ITL.
    let request_s = (args.ttft_ms + f64::from(args.tokens - 1) * args.itl_ms) / 1000.0;
    let entries: Vec<Value> = args
        .concurrency
        .iter()
        .map(|&streams| {
            let mut entry = json!({
                "backend": args.backend,
                "dataset_name": "random",
                "random_input_len": 16,
                "random_output_len": args.tokens,
                "num_prompts": u64::from(streams) * u64::from(args.waves),
                "num_warmups": streams,
                "percentile-metrics": "ttft,itl,e2el",
                "metric-percentiles": "50,99",
            });
            let (key, load) = if args.open_loop {
                ("request_rate", json!(f64::from(streams) / request_s))
            } else {
                ("max_concurrency", json!(streams))
            };
            entry[key] = load;
            entry
        })
        .collect();
    let config = json!([{
        "test_name": "calibrate",
        "mark": ["cpu"],
        "server_params": {"model": args.model},
        "benchmark_params": entries,
    }]);
    let config = PerfConfig::parse(&config.to_string(), Path::new("calibrate")).map_err(|e| e.to_string())?;
    let case = &config.cases[0];
    let steps = crate::bench::sweep::expand_case(&config.file, case).map_err(|e| e.to_string())?;
    steps
        .into_iter()
        .map(|step| StepSpec::from_step(&step, case).map(|spec| (step, spec)).map_err(|e| e.to_string()))
        .collect()
}

fn table(args: &CalibrateArgs, rows: &[Row]) -> String {
    let paced = args.ttft_ms > 0.0 || args.itl_ms > 0.0;
    let mut out = String::from(
        "| streams | requests | events | s | events/s | client CPU % | µs CPU/event | dispatch lag p50 / p99 ms \
         | mean TTFT ms | mean ITL ms | peak in flight | peak RSS MiB | failed |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let r = &row.report.result;
        let health = &r["client_health"];
        let deviation = |key: &str, setting: f64| match (r[key].as_f64(), paced && setting > 0.0) {
            (Some(v), true) => format!("{v:.2} ({:+.2}%)", (v / setting - 1.0) * 100.0),
            (Some(v), false) => format!("{v:.2}"),
            (None, _) => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.0} | {:.0} | {:.2} | {} / {} | {} | {} | {} | {} | {} |",
            row.concurrency,
            row.report.spec.num_prompts,
            health["events"],
            number(r, "duration"),
            number(health, "events_per_s"),
            number(health, "client_cpu_percent"),
            number(health, "client_cpu_us_per_event"),
            fixed(&health["dispatch_lag_p50_ms"]),
            fixed(&health["dispatch_lag_p99_ms"]),
            deviation("mean_ttft_ms", args.ttft_ms),
            deviation("mean_itl_ms", args.itl_ms),
            r["max_concurrent_requests"],
            row.peak_rss_mib.map_or_else(|| "–".to_owned(), |mb| format!("{mb:.1}")),
            r["failed"],
        );
    }
    if !paced {
        let best = rows.iter().filter_map(|row| row.report.result["client_health"]["client_cpu_us_per_event"].as_f64());
        if let Some(cost) = best.reduce(f64::min) {
            let _ = writeln!(
                out,
                "\nceiling: about {:.0} SSE events per second per client core ({cost:.2} µs of client CPU per event, \
                 the lowest above)",
                1e6 / cost
            );
        }
    }
    out
}

fn number(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(f64::NAN)
}

fn fixed(value: &Value) -> String {
    value.as_f64().map_or_else(|| "–".to_owned(), |v| format!("{v:.3}"))
}
