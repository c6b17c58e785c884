//! Process faults, after the seed's `tests/dfx/reliability/`: what a killed engine and a killed
//! server must look like from outside.

use std::time::{Duration, Instant};

use omnitest::fixtures::faults::{KillReport, kill_matching, kill_root, kill_tree, root_of};
use omnitest::prelude::*;

use super::bounds::{CONCURRENT, CONCURRENT_WITHIN, FAST_FAIL, HEALTH_WITHIN, REQUEST_TIMEOUT, SIGKILL_RESIDUE};
use super::not_injected;
use super::probe::Outcome;
use super::target::{Size, Target};

/// Kills the first engine process of the server's tree with SIGKILL and waits for it to go.
pub(crate) fn kill_engine(target: &Target, server: &Server) -> Result<KillReport, TestError> {
    let root = root_of(server).map_err(not_injected)?;
    kill_matching(root, &KillSpec::pattern(target.engine_pattern)).map_err(not_injected)
}

/// `/health` answers 503 within the bound: polled every half second, each probe bounded.
pub(crate) fn expect_unhealthy(client: &Client) -> TestResult {
    let probe = client.clone().with_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < HEALTH_WITHIN {
        match probe.health() {
            Ok(answer) if answer.status == 503 => return Ok(()),
            Ok(answer) => seen.push(answer.status.to_string()),
            Err(err) => seen.push(format!("no answer ({})", err.message().lines().next().unwrap_or_default())),
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    seen.dedup();
    Err(TestError::failure(format!(
        "/health did not answer 503 within {HEALTH_WITHIN:?} of the engine's death; it answered: {}",
        seen.join(", ")
    )))
}

/// A request fails with a 5xx error object, within the fast-fail bound.
pub(crate) fn expect_fast_failure(outcome: &Outcome, what: &str) -> TestResult {
    outcome.check_server_error(what)?;
    check!(outcome.elapsed < FAST_FAIL, "{what} must fail within {FAST_FAIL:?}, but it {outcome}");
    Ok(())
}

/// Runs `send` on `count` threads at once; returns the outcomes and how long the slowest took.
pub(crate) fn concurrently(count: usize, send: impl Fn() -> Outcome + Sync) -> (Vec<Outcome>, Duration) {
    let started = Instant::now();
    let outcomes = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count).map(|_| scope.spawn(&send)).collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect::<Vec<_>>()
    });
    (outcomes, started.elapsed())
}

/// Concurrent requests all end within the bound, each with a 5xx error object: none hangs.
fn expect_concurrent_failures(target: &Target, server: &Server, client: &Client, size: Size) -> TestResult {
    let request = target.request(server.model(), size)?;
    let (outcomes, slowest) = concurrently(CONCURRENT, || request.send(client, REQUEST_TIMEOUT));
    check_eq!(outcomes.len(), CONCURRENT, "every concurrent request must end");
    check!(
        slowest < CONCURRENT_WITHIN,
        "{CONCURRENT} concurrent requests took {slowest:?}, over {CONCURRENT_WITHIN:?}"
    );
    for (i, outcome) in outcomes.iter().enumerate() {
        outcome.check_server_error(&format!("concurrent request {}/{CONCURRENT}", i + 1))?;
    }
    Ok(())
}

/// After the engine is killed, `/health` answers 503.
pub(crate) fn health_after_engine_kill(target: &Target, server: &Server, client: &Client) -> TestResult {
    kill_engine(target, server)?;
    expect_unhealthy(client)
}

/// After the engine is killed, a request fails fast with a 5xx error object.
pub(crate) fn fast_fail_after_engine_kill(target: &Target, server: &Server, client: &Client) -> TestResult {
    kill_engine(target, server)?;
    let outcome = target.request(server.model(), Size::Light)?.send(client, REQUEST_TIMEOUT);
    expect_fast_failure(&outcome, "the first request after the engine's death")
}

/// After the engine is killed, concurrent requests all fail, none hangs.
pub(crate) fn concurrent_after_engine_kill(target: &Target, server: &Server, client: &Client) -> TestResult {
    kill_engine(target, server)?;
    expect_concurrent_failures(target, server, client, Size::Light)
}

/// Requests in flight when the engine dies end, failed, instead of hanging.
pub(crate) fn inflight_when_engine_killed(target: &Target, server: &Server, client: &Client) -> TestResult {
    let request = target.request(server.model(), Size::Long)?;
    let within = REQUEST_TIMEOUT + CONCURRENT_WITHIN;
    let started = Instant::now();
    let (outcomes, killed) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CONCURRENT).map(|_| scope.spawn(|| request.send(client, within))).collect();
        // The fault strikes once the requests run, as the seed injects it with one in flight.
        std::thread::sleep(Duration::from_millis(500));
        let in_flight = handles.iter().filter(|h| !h.is_finished()).count();
        let killed = kill_engine(target, server).map(|_| in_flight);
        (handles.into_iter().filter_map(|h| h.join().ok()).collect::<Vec<_>>(), killed)
    });
    let in_flight = killed?;
    if in_flight == 0 {
        return Err(TestError::harness(format!(
            "every request had ended before the engine was killed ({outcomes:?}): the fault met none in flight"
        )));
    }
    check_eq!(outcomes.len(), CONCURRENT, "every in-flight request must end");
    let slowest = started.elapsed();
    check!(slowest < within, "the requests in flight at the kill took {slowest:?} to end, over {within:?}");
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.succeeded()).collect();
    check!(
        failed.len() >= in_flight,
        "{in_flight} request(s) were in flight at the kill, but only {} failed",
        failed.len()
    );
    for outcome in failed {
        outcome.check_server_error("a request in flight when the engine died")?;
    }
    Ok(())
}

/// Signals the server's root and checks that its whole tree goes, and with it (on GPUs) its
/// memory, within `budget`.
pub(crate) fn no_residue_after_root_kill(server: &Server, signal: Signal, budget: Duration) -> TestResult {
    let root = root_of(server).map_err(not_injected)?;
    let before = kill_root(root, signal).map_err(not_injected)?;
    expect_no_residue(&before, budget)
}

/// Kills every process of the server's tree and checks that nothing of it remains.
pub(crate) fn no_residue_after_tree_kill(server: &Server) -> TestResult {
    let root = root_of(server).map_err(not_injected)?;
    let before = kill_tree(root, Signal::SIGKILL, Duration::from_millis(200)).map_err(not_injected)?;
    expect_no_residue(&before, SIGKILL_RESIDUE)
}

fn expect_no_residue(before: &TreeSnapshot, budget: Duration) -> TestResult {
    if before.processes.len() < 2 {
        return Err(TestError::harness(format!(
            "the server's tree is its root alone ({:?}): there are no workers whose fate could be checked",
            before.processes
        )));
    }
    before.wait_gone(budget).map(drop).map_err(|e| TestError::failure(e.to_string()))
}
