//! GPU memory pressure and what it must do, the same test on every backend: on a GPU, a sidecar
//! per visible device fills its memory to 95 %; on the mock, which holds no GPU memory, the
//! mock's `oom` fault makes generation fail the way vLLM-Omni's does when memory runs out.

use std::time::{Duration, Instant};

use omnitest::prelude::*;

use super::bounds::{CONCURRENT, HEAVY_TIMEOUT, RECOVERY_WITHIN, REQUEST_TIMEOUT, SETTLE_WITHIN};
use super::not_injected;
use super::probe::{Outcome, structural};
use super::process_faults::{concurrently, expect_fast_failure};
use super::target::{Size, Target};

/// The fraction of each device's memory in use while the pressure lasts.
const RATIO: f64 = 0.95;

/// Pressure in place until released.
pub(crate) enum Pressure<'a> {
    /// The mock's `oom` fault.
    Mock(MockFaults<'a>),
    /// GPU sidecars, one per device.
    Gpu(Vec<GpuPressure>),
}

/// Applies memory pressure to the devices `server` runs on.
pub(crate) fn press_memory<'a>(
    ctx: &TestContext,
    server: &Server,
    client: &'a Client,
) -> Result<Pressure<'a>, TestError> {
    if server.backend() == Backend::Mock {
        let faults = MockFaults::of(client);
        faults.apply(&["oom"]).map_err(not_injected)?;
        return Ok(Pressure::Mock(faults));
    }
    let binary = ctx.omnitest_binary().ok_or_else(|| {
        TestError::harness("no omnitest binary to run the GPU pressure sidecar with (set OMNITEST_BIN)")
    })?;
    let dir = ctx.output_dir()?;
    if ctx.gpus() == 0 {
        return Err(TestError::harness("memory pressure needs a GPU, and none is visible"));
    }
    let sidecars = (0..ctx.gpus())
        .map(|device| GpuPressure::start(binary, dir, &PressureSpec::new(device, RATIO)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(not_injected)?;
    Ok(Pressure::Gpu(sidecars))
}

impl Pressure<'_> {
    /// Takes the pressure away.
    pub(crate) fn release(self) -> TestResult {
        match self {
            Pressure::Mock(faults) => faults.clear().map_err(not_injected),
            Pressure::Gpu(sidecars) => {
                for sidecar in sidecars {
                    sidecar.stop();
                }
                Ok(())
            }
        }
    }
}

/// Under memory pressure, each of the model's pressure variants (text and text+audio for omni
/// models) fails with a 5xx error object that has a `code`, and they agree on status and code.
pub(crate) fn error_contract_under_pressure(
    ctx: &TestContext,
    target: &Target,
    server: &Server,
    client: &Client,
) -> TestResult {
    let variants = target.pressure_variants(server.model())?;
    let pressure = press_memory(ctx, server, client)?;
    let outcomes: Vec<(&str, Outcome)> =
        variants.iter().map(|(name, request)| (*name, request.send(client, HEAVY_TIMEOUT))).collect();
    pressure.release()?;
    for (name, outcome) in &outcomes {
        outcome.check_server_error(&format!("the {name} request under memory pressure"))?;
        check!(
            outcome.contract().is_some_and(|c| c.code.is_some()),
            "the {name} error object has no `code`: {outcome}"
        );
    }
    let (first_name, first) = &outcomes[0];
    for (name, outcome) in &outcomes[1..] {
        check_eq!(
            (outcome.status(), outcome.contract().and_then(|c| c.code.clone())),
            (first.status(), first.contract().and_then(|c| c.code.clone())),
            "the {name} and {first_name} requests must fail alike under memory pressure"
        );
    }
    Ok(())
}

/// Under memory pressure, concurrent heavy requests all end, each answered (an error object or
/// a result): none hangs and none loses its connection.
pub(crate) fn concurrent_under_pressure(
    ctx: &TestContext,
    target: &Target,
    server: &Server,
    client: &Client,
) -> TestResult {
    let request = target.request(server.model(), Size::Heavy)?;
    let pressure = press_memory(ctx, server, client)?;
    let (outcomes, slowest) = concurrently(CONCURRENT, || request.send(client, HEAVY_TIMEOUT));
    pressure.release()?;
    check_eq!(outcomes.len(), CONCURRENT, "every concurrent request must end");
    check!(slowest < HEAVY_TIMEOUT + Duration::from_secs(10), "concurrent requests under pressure took {slowest:?}");
    for (i, outcome) in outcomes.iter().enumerate() {
        if !outcome.succeeded() {
            outcome.check_server_error(&format!("concurrent request {}/{CONCURRENT} under memory pressure", i + 1))?;
        }
    }
    Ok(())
}

/// A heavy request fails under memory pressure; once the pressure goes, `/health` settles within
/// 90 s, and then the same request succeeds (health 200) or fails fast (503); all within 200 s.
pub(crate) fn recovery_after_pressure(
    ctx: &TestContext,
    target: &Target,
    server: &Server,
    client: &Client,
) -> TestResult {
    let heavy = target.request(server.model(), Size::Heavy)?;
    let pressure = press_memory(ctx, server, client)?;
    let under = heavy.send(client, HEAVY_TIMEOUT);
    pressure.release()?;
    under.check_server_error("the heavy request under memory pressure")?;
    let released = Instant::now();
    match settled_health(client)? {
        200 => heavy.send_validated(&structural(client.base_url())).map_err(|e| {
            e.context("the server is healthy again after the pressure went, but the heavy request does not succeed")
        })?,
        _ => expect_fast_failure(
            &target.request(server.model(), Size::Light)?.send(client, REQUEST_TIMEOUT),
            "a request to a server that stayed unhealthy after the pressure went",
        )?,
    }
    let took = released.elapsed();
    check!(took < RECOVERY_WITHIN, "recovering after the pressure went took {took:?}, over {RECOVERY_WITHIN:?}");
    Ok(())
}

/// Polls `/health` until it answers 200 or 503, within the settle bound.
fn settled_health(client: &Client) -> Result<u16, TestError> {
    let probe = client.clone().with_timeout(Duration::from_secs(5));
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < SETTLE_WITHIN {
        match probe.health() {
            Ok(answer) if matches!(answer.status, 200 | 503) => return Ok(answer.status),
            Ok(answer) => last = answer.status.to_string(),
            Err(err) => last = err.message().lines().next().unwrap_or_default().to_owned(),
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(TestError::failure(format!(
        "/health did not settle on 200 or 503 within {SETTLE_WITHIN:?} after the pressure went; last: {last}"
    )))
}
