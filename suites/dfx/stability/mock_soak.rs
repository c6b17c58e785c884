//! Soaks against the mock with and without its faults: each fault fails the soak for its own
//! reason and nothing else, and the clean soak passes every check it can make.

use omnitest::prelude::*;
use omnitest::soak::{CheckKind, LatencyMetric, MemorySeries, SoakReport, Status};

use super::soak;

const MODEL: &str = "omnitest/soak";

/// Latencies well above the scheduling noise of a busy machine: 40 ms to the first token, 8 ms
/// between tokens.
static CLEAN: Scenario =
    Scenario::mock(MODEL, "text").id("clean").args(&["--ttft-ms", "40", "--itl-ms", "8"]).per_test();
/// Each request leaks 256 KiB of resident memory.
static LEAKING: Scenario = Scenario::mock(MODEL, "text")
    .id("leak")
    .args(&["--ttft-ms", "40", "--itl-ms", "8", "--fault", "leak-kib=256"])
    .per_test();
/// Each token takes 0.2 ms longer for every request served before.
static DEGRADING: Scenario = Scenario::mock(MODEL, "text")
    .id("degrade")
    .args(&["--ttft-ms", "40", "--itl-ms", "8", "--fault", "degrade-ms=0.2"])
    .per_test();

fn status(report: &SoakReport, kind: CheckKind) -> Result<Status, TestError> {
    report
        .verdict
        .check(kind)
        .map(|check| check.status)
        .ok_or_else(|| TestError::failure(format!("the verdict has no {kind:?} check")))
}

fn failures(report: &SoakReport) -> Vec<CheckKind> {
    report.verdict.failures().map(|check| check.kind).collect()
}

omni_test! {
    /// Without faults the soak passes, having made every check, and the load never stopped:
    /// every window of the run sent requests and had requests in flight, across many batches.
    /// Deploy Setting: the mock (text), 40 ms TTFT, 8 ms ITL
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: 12 s at concurrency 4, batches of 10 with lengths drawn per batch
    /// Datasets: random
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(CLEAN)]
    fn test_clean_soak_passes_001(ctx: &TestContext, server: &Server) -> TestResult {
        let report = soak(ctx, server)?;
        check!(report.passed(), "the clean soak failed: {}", report.failure_summary());
        let every_check = [
            CheckKind::Requests,
            CheckKind::Leak(MemorySeries::TreeRss),
            CheckKind::Drift(LatencyMetric::Ttft),
            CheckKind::Drift(LatencyMetric::Tpot),
            CheckKind::Preemptions,
        ];
        for kind in every_check {
            check_eq!(status(&report, kind)?, Status::Pass);
        }
        let recording = &report.recording;
        check!(recording.batches >= 10, "only {} batches: few batch boundaries were crossed", recording.batches);
        let duration = report.settings.duration.as_secs_f64();
        let during_load: Vec<_> = recording.samples.iter().filter(|s| s.t_s > 0.0 && s.t_s < duration).collect();
        check!(during_load.len() >= 20, "{} samples during the load", during_load.len());
        for sample in &during_load {
            check!(
                sample.in_flight > 0 && sample.client.sent > 0,
                "the load stopped at {:.1} s: {} in flight, {} sent in the window",
                sample.t_s,
                sample.in_flight,
                sample.client.sent
            );
        }
        let csv = std::fs::read_to_string(ctx.output_dir()?.join("samples.csv"))?;
        check_eq!(csv.lines().count(), recording.samples.len() + 1);
        for file in ["memory.svg", "memory.png", "latency.svg", "latency.png", "verdict.md"] {
            check!(ctx.output_dir()?.join(file).is_file(), "{file} was not written");
        }
        Ok(())
    }

    /// With each request leaking 256 KiB, the soak fails for a leak of the server tree's RSS,
    /// and for nothing else; the slope it measures is the leak the requests made (within half
    /// either way), so it is the fault that is measured, not noise.
    /// Deploy Setting: the mock (text), 40 ms TTFT, 8 ms ITL, --fault leak-kib=256
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: 12 s at concurrency 4, batches of 10 with lengths drawn per batch
    /// Datasets: random
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(LEAKING)]
    fn test_leak_fault_fails_for_a_leak_001(ctx: &TestContext, server: &Server) -> TestResult {
        let report = soak(ctx, server)?;
        check_eq!(failures(&report), vec![CheckKind::Leak(MemorySeries::TreeRss)]);
        let leak = CheckKind::Leak(MemorySeries::TreeRss);
        let check = report.verdict.check(leak).ok_or_else(|| TestError::failure("no leak check"))?;
        check!(check.detail.starts_with("memory leak: server tree RSS grows "), "{}", check.detail);
        let fit = check.fit.ok_or_else(|| TestError::failure("the leak check has no fit"))?;
        // What the fault leaked: 256 KiB for each request admitted after the warm-up.
        let (from, to) = (report.settings.warmup.as_secs_f64(), report.settings.duration.as_secs_f64());
        let measured = report.recording.samples.iter().filter(|s| s.t_s > from && s.t_s <= to);
        let admitted: u64 = measured.map(|s| s.client.sent).sum();
        let expected_mb_per_hour = admitted as f64 * 0.262_144 / (to - from) * 3600.0;
        println!(
            "measured {:.0} MB/h (95% CI {:.0}–{:.0}), leaked by the fault {expected_mb_per_hour:.0} MB/h",
            fit.slope, fit.slope_low, fit.slope_high
        );
        check!(
            (0.5..=1.5).contains(&(fit.slope / expected_mb_per_hour)),
            "the slope {:.0} MB/h is not the fault's {expected_mb_per_hour:.0} MB/h",
            fit.slope
        );
        Ok(())
    }

    /// With every token slower by 0.2 ms per request served before, the soak fails for latency
    /// drift of the time per output token, and for nothing else: TTFT, which the fault leaves
    /// alone, does not drift.
    /// Deploy Setting: the mock (text), 40 ms TTFT, 8 ms ITL, --fault degrade-ms=0.2
    /// Input Modal: text
    /// Output Modal: text (streamed)
    /// Input Setting: 12 s at concurrency 4, batches of 10 with lengths drawn per batch
    /// Datasets: random
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(DEGRADING)]
    fn test_degradation_fault_fails_for_drift_001(ctx: &TestContext, server: &Server) -> TestResult {
        let report = soak(ctx, server)?;
        check_eq!(failures(&report), vec![CheckKind::Drift(LatencyMetric::Tpot)]);
        let drift = CheckKind::Drift(LatencyMetric::Tpot);
        let check = report.verdict.check(drift).ok_or_else(|| TestError::failure("no drift check"))?;
        check!(check.detail.starts_with("latency drift: TPOT p99 went from "), "{}", check.detail);
        println!("{}", check.detail);
        Ok(())
    }
}
