//! The Markdown summary: short enough for a Buildkite annotation, with every failure, error and
//! ignored trial named.

use std::fmt::Write;
use std::time::Duration;

use super::{RunInfo, Tally, TrialRecord, TrialStatus};

/// Renders the summary of a run.
pub fn render_markdown(info: &RunInfo, records: &[TrialRecord], elapsed: Duration) -> String {
    let tally = Tally::of(records);
    let verdict = if tally.failed + tally.errors == 0 { "passed" } else { "FAILED" };
    let mut out = String::new();
    let _ = writeln!(out, "### omnitest {} · {} · {verdict}\n", info.run_level, info.backend.backend);
    let _ = writeln!(
        out,
        "{} passed · {} failed · {} errors · {} ignored · {} deselected · {:.1} s\n",
        tally.passed,
        tally.failed,
        tally.errors,
        tally.ignored,
        info.deselected,
        elapsed.as_secs_f64()
    );
    let _ = writeln!(out, "- backend: {} ({})", info.backend.backend, info.backend.reason);
    let _ = writeln!(out, "- GPUs: {}", info.gpus);
    if !info.selection.is_empty() {
        let _ = writeln!(out, "- selection: {}", info.selection.join(", "));
    }
    if info.hardware_waived > 0 {
        let _ = writeln!(
            out,
            "- hardware requirements waived for {} trial(s): the {} backend needs no GPU",
            info.hardware_waived, info.backend.backend
        );
    }
    let problems: Vec<&TrialRecord> =
        records.iter().filter(|r| matches!(r.status, TrialStatus::Failed(_) | TrialStatus::Error(_))).collect();
    if !problems.is_empty() {
        out.push_str("\n| result | test | time | message |\n|---|---|---|---|\n");
        for record in problems {
            let (label, message) = match &record.status {
                TrialStatus::Failed(m) => ("failed", m),
                TrialStatus::Error(m) => ("harness error", m),
                _ => unreachable!("filtered above"),
            };
            let _ = writeln!(
                out,
                "| {label} | `{}` | {:.1} s | {} |",
                record.name,
                record.duration.as_secs_f64(),
                table_cell(message.lines().next().unwrap_or_default())
            );
        }
    }
    let ignored: Vec<&TrialRecord> = records.iter().filter(|r| matches!(r.status, TrialStatus::Ignored(_))).collect();
    if !ignored.is_empty() {
        let _ = writeln!(out, "\n<details><summary>{} ignored</summary>\n", ignored.len());
        for record in ignored {
            if let TrialStatus::Ignored(reason) = &record.status {
                let _ = writeln!(out, "- `{}`: {}", record.name, reason);
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn table_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Level, MarkerSet};
    use crate::selection::{Backend, GpuInventory, ResolvedBackend};

    #[test]
    fn names_failures_and_ignored_trials() {
        let info = super::super::RunInfo {
            run_level: Level::CoreModel,
            backend: ResolvedBackend { backend: Backend::Mock, reason: "--backend".into() },
            gpus: GpuInventory::overridden(0),
            selection: vec![],
            planned: 2,
            ignored: 1,
            deselected: 3,
            hardware_waived: 0,
            scenarios: 0,
            output_dir: "/tmp".into(),
        };
        let records = vec![
            TrialRecord {
                name: "s::test_a".into(),
                scenario: None,
                levels: vec![Level::CoreModel],
                markers: MarkerSet::EMPTY,
                status: TrialStatus::Failed("expected 200 | got 503\ndetail".into()),
                duration: Duration::from_millis(1500),
            },
            TrialRecord {
                name: "s::test_b".into(),
                scenario: None,
                levels: vec![Level::CoreModel],
                markers: MarkerSet::EMPTY,
                status: TrialStatus::Ignored("needs 2 GPUs, found 0".into()),
                duration: Duration::ZERO,
            },
        ];
        let md = render_markdown(&info, &records, Duration::from_secs(2));
        assert!(md.starts_with("### omnitest core_model · mock · FAILED\n"), "{md}");
        assert!(md.contains("| failed | `s::test_a` | 1.5 s | expected 200 \\| got 503 |"), "{md}");
        assert!(md.contains("- `s::test_b`: needs 2 GPUs, found 0"), "{md}");
    }
}
