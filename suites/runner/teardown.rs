//! Nothing the harness starts outlives it: interrupted runs, killed servers, and the count of
//! servers a run starts.

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use omnitest::prelude::*;
use serde_json::json;

use super::{harness, run, text};

const LONG_TEST: &str = "mock::routes::test_long_stream_arrives_whole";

static VICTIM: Scenario =
    Scenario::mock("omnitest/victim", "text").id("victim").args(&["--ttft-ms", "5", "--itl-ms", "20"]).per_test();

/// The processes whose command line mentions `needle` (our output folders are unique).
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return vec![] };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != std::process::id())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = state.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z'));
            !zombie && String::from_utf8_lossy(&cmdline).contains(needle)
        })
        .collect()
}

fn wait_until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// Starts a child harness running the long test and waits until its mock server is up; returns
/// the child and the server's pids.
fn harness_with_a_server(out: &Path) -> Result<(std::process::Child, Vec<u32>), TestError> {
    let mut command = harness(out)?;
    command.args([LONG_TEST, "--exact"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let child = command.spawn()?;
    let needle = out.join("scenarios").display().to_string();
    let mut servers = vec![];
    let up = wait_until(Duration::from_secs(20), || {
        servers = processes_mentioning(&needle);
        !servers.is_empty() && std::fs::read_dir(out.join("scenarios")).is_ok()
    });
    check!(up, "the child harness never started its server");
    // Let the stream begin, so the run is truly in the middle of a test.
    std::thread::sleep(Duration::from_millis(500));
    Ok((child, servers))
}

omni_test! {
    /// Interrupting the harness with SIGINT, SIGTERM or SIGKILL in the middle of a test leaves
    /// no server process: the first two through its signal handler, SIGKILL through the
    /// servers' parent-death signal.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_interrupted_harness_leaves_no_server(ctx: &TestContext) -> TestResult {
        for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGKILL] {
            let out = ctx.output_dir()?.join(signal.as_str());
            let (mut child, servers) = harness_with_a_server(&out)?;
            kill(Pid::from_raw(child.id() as i32), signal)?;
            let status = child.wait()?;
            check!(!status.success(), "{signal} did not stop the harness");
            let gone = wait_until(Duration::from_secs(5), || servers.iter().all(|pid| !omnitest::fixtures::process::is_alive(*pid)));
            check!(gone, "after {signal}, server processes {servers:?} are still alive");
        }
        Ok(())
    }

    /// A server killed in the middle of a test fails that test within 2 s, and the failure
    /// quotes the server's log.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(VICTIM)]
    fn test_killed_server_fails_the_test_quoting_its_log(server: &Server, client: &Client) -> TestResult {
        let pid = server.pid().ok_or_else(|| TestError::harness("the mock has no pid"))?;
        let request = OmniRequest::new(server.model(), Messages::user("go")).modalities(&[Modality::Text]).stream(true).max_tokens(500).extra("ignore_eos", json!(true));
        let (result, killed_at) = std::thread::scope(|scope| {
            let stream = scope.spawn(|| (client.send_omni_request(&request, 1), Instant::now()));
            std::thread::sleep(Duration::from_millis(400));
            let killed_at = Instant::now();
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            (stream.join(), killed_at)
        });
        let (outcome, failed_at) = result.map_err(|_| TestError::harness("the streaming thread panicked"))?;
        let err = match outcome {
            Err(err) => err,
            Ok(_) => return Err(TestError::failure("the stream completed although its server was killed")),
        };
        check!(failed_at.duration_since(killed_at) < Duration::from_secs(2), "the failure came {:?} after the kill", failed_at.duration_since(killed_at));
        check!(err.message().contains("the server exited (signal: 9"), "{}", err.message());
        check!(err.message().contains("omnitest mock: serving omnitest/victim"), "the log is not quoted: {}", err.message());
        Ok(())
    }

    /// A run starts exactly one server per scenario it uses, says so, and leaves none running.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_a_run_starts_one_server_per_scenario(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?.join("run");
        let mut command = harness(&out)?;
        command.arg("mock::routes::");
        let output = run(command)?;
        let stderr = text(&output.stderr);
        check!(output.status.success(), "{}\n{stderr}", text(&output.stdout));
        check!(stderr.contains("→ 9 trial(s) over 6 scenario(s)"), "{stderr}");
        check!(stderr.contains("started 6 server/runner process(es) for 6 scenario(s); all stopped, no process left"), "{stderr}");
        let left = processes_mentioning(&out.display().to_string());
        check!(left.is_empty(), "processes {left:?} of the run are still alive");
        Ok(())
    }
}
