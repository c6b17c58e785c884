//! `omnitest bench mock`: how many streamed chat events per second the zero-latency mock serves
//! on one core. The mock is pinned to the last CPU; the client, a thin event counter that parses
//! nothing, runs on the first, so the server's own CPU time is what is measured.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;

use super::local_mock::{LocalMock, mock_and_client_cpus};
use crate::bench::load::cpu::{pid_cpu_s, pin_current_thread};

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
    let (mock_cpu, client_cpu) = mock_and_client_cpus();
    let mock_args = ["--profile", "text", "--zero-latency", "--workers", "1"].map(str::to_owned);
    let server = LocalMock::start("omnitest/bench", &mock_args, mock_cpu)?;
    let cpu_of = |pid: u32| pid_cpu_s(pid).ok_or_else(|| format!("cannot read the CPU time of process {pid}"));
    let tokens = args.tokens;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                if client_cpu != mock_cpu {
                    pin_current_thread(client_cpu);
                }
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
                let mut rows = Vec::new();
                for &concurrency in &args.concurrency {
                    let server_before = cpu_of(server.pid())?;
                    let client_before = cpu_of(std::process::id())?;
                    let started = Instant::now();
                    let duration = Duration::from_secs_f64(args.seconds);
                    let events = runtime.block_on(load(server.url(), concurrency, tokens, duration))?;
                    rows.push(Row {
                        concurrency,
                        events,
                        wall_s: started.elapsed().as_secs_f64(),
                        server_cpu_s: cpu_of(server.pid())? - server_before,
                        client_cpu_s: cpu_of(std::process::id())? - client_before,
                    });
                }
                Ok(rows)
            })
            .join()
            .map_err(|_| "the client thread panicked".to_owned())?
    })
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
