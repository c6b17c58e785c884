//! `omnitest bench mock`: how many streamed chat events per second the zero-latency mock serves
//! on one core. The mock is pinned to CPU 0; the client, a thin event counter that parses
//! nothing, runs on CPU 1, so the server's own CPU time is what is measured.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;

use crate::fixtures::process::{ManagedProcess, ProcessSpec};
use crate::fixtures::readiness::{Probe, probe};

/// The benchmark's settings.
#[derive(clap::Args, Debug)]
pub struct MockBenchArgs {
    /// Concurrent streams to try, comma separated.
    #[arg(long, default_value = "1,16,64,256", value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Tokens (events) per streamed response.
    #[arg(long, default_value_t = 500)]
    tokens: u32,
    /// Seconds per concurrency level.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
}

struct Row {
    concurrency: usize,
    events: u64,
    wall_s: f64,
    server_cpu_s: f64,
    client_cpu_s: f64,
}

pub(crate) fn run(args: &MockBenchArgs) -> ExitCode {
    match measure(args) {
        Ok(rows) => {
            print_table(&rows);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(1)
        }
    }
}

fn measure(args: &MockBenchArgs) -> Result<Vec<Row>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the omnitest binary: {e}"))?;
    let dir = std::env::temp_dir().join(format!("omnitest-bench-mock-{}", std::process::id()));
    let url_file = dir.join("url");
    let spec = ProcessSpec {
        program: exe,
        args: [
            "mock-server",
            "omnitest/bench",
            "--profile",
            "text",
            "--zero-latency",
            "--workers",
            "1",
            "--port",
            "0",
            "--port-file",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .chain([url_file.display().to_string()])
        .collect(),
        env: vec![],
        env_remove: vec![],
        cwd: None,
        log_path: dir.join("mock.log"),
        cpus: Some(vec![0]),
        piped: false,
    };
    let server = ManagedProcess::spawn(&spec).map_err(|e| e.to_string())?;
    let base = wait_for_url(&server, &url_file)?;
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let tokens = args.tokens;
    let results = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                if cpus > 1 {
                    let mut set = nix::sched::CpuSet::new();
                    let _ = set.set(1);
                    let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set);
                }
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
                let mut rows = Vec::new();
                for &concurrency in &args.concurrency {
                    let server_before = cpu_seconds(&format!("/proc/{}/stat", server.pid()))?;
                    let client_before = cpu_seconds("/proc/self/stat")?;
                    let started = Instant::now();
                    let events =
                        runtime.block_on(load(&base, concurrency, tokens, Duration::from_secs_f64(args.seconds)))?;
                    rows.push(Row {
                        concurrency,
                        events,
                        wall_s: started.elapsed().as_secs_f64(),
                        server_cpu_s: cpu_seconds(&format!("/proc/{}/stat", server.pid()))? - server_before,
                        client_cpu_s: cpu_seconds("/proc/self/stat")? - client_before,
                    });
                }
                Ok(rows)
            })
            .join()
            .map_err(|_| "the client thread panicked".to_owned())?
    });
    server.terminate(Duration::from_secs(5));
    let _ = std::fs::remove_dir_all(&dir);
    results
}

fn wait_for_url(server: &ManagedProcess, url_file: &std::path::Path) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = server.exit_status() {
            return Err(format!("the mock exited ({status}):\n{}", server.log_tail(20)));
        }
        if let Ok(url) = std::fs::read_to_string(url_file)
            && probe(url.trim()) == Probe::Healthy
        {
            return Ok(url.trim().to_owned());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err("the mock did not become ready within 30 s".to_owned())
}

/// `concurrency` workers streaming back to back until `duration` has passed; returns the SSE
/// events received.
async fn load(base: &str, concurrency: usize, tokens: u32, duration: Duration) -> Result<u64, String> {
    let client = reqwest::Client::builder().no_proxy().build().map_err(|e| e.to_string())?;
    let url = format!("{base}/v1/chat/completions");
    let body = json!({"model": "omnitest/bench", "messages": [{"role": "user", "content": "go"}],
                      "max_tokens": tokens, "ignore_eos": true, "stream": true});
    let events = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let workers = (0..concurrency).map(|_| {
        let (client, url, body, events) = (client.clone(), url.clone(), body.clone(), Arc::clone(&events));
        async move {
            while Instant::now() < deadline {
                let response = client.post(&url).json(&body).send().await.map_err(|e| e.to_string())?;
                let mut stream = response.bytes_stream();
                let mut last_was_newline = false;
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|e| e.to_string())?;
                    events.fetch_add(count_event_ends(&chunk, &mut last_was_newline), Ordering::Relaxed);
                }
            }
            Ok::<(), String>(())
        }
    });
    for result in futures_util::future::join_all(workers).await {
        result?;
    }
    Ok(events.load(Ordering::Relaxed))
}

/// Counts `\n\n` event terminators, including one split across chunks.
fn count_event_ends(chunk: &[u8], last_was_newline: &mut bool) -> u64 {
    let mut count = 0;
    for &byte in chunk {
        if byte == b'\n' {
            if *last_was_newline {
                count += 1;
                *last_was_newline = false;
                continue;
            }
            *last_was_newline = true;
        } else {
            *last_was_newline = false;
        }
    }
    count
}

/// User plus system CPU seconds from a `/proc/…/stat` file.
fn cpu_seconds(stat_path: &str) -> Result<f64, String> {
    let stat = std::fs::read_to_string(stat_path).map_err(|e| format!("cannot read {stat_path}: {e}"))?;
    let after = stat.rfind(')').map_or("", |i| &stat[i + 2..]);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100) as f64;
    // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
    Ok((ticks(11) + ticks(12)) / hz)
}

fn print_table(rows: &[Row]) {
    println!("| concurrent streams | events | wall s | events/s | mock CPU s | events per mock CPU-s | client CPU s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let per_cpu = if row.server_cpu_s > 0.0 { row.events as f64 / row.server_cpu_s } else { 0.0 };
        println!(
            "| {} | {} | {:.2} | {:.0} | {:.2} | {:.0} | {:.2} |",
            row.concurrency,
            row.events,
            row.wall_s,
            row.events as f64 / row.wall_s,
            row.server_cpu_s,
            per_cpu,
            row.client_cpu_s
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_terminators_across_chunks() {
        let mut state = false;
        assert_eq!(count_event_ends(b"data: a\n\ndata: b\n", &mut state), 1);
        assert_eq!(count_event_ends(b"\ndata: c\n\n", &mut state), 2);
    }
}
