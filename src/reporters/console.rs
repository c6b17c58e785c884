//! omnitest's own console lines, on stderr: stdout belongs to libtest's output, which nextest
//! and IDEs parse.

use std::path::Path;

use super::{RunInfo, Tally, TrialRecord, TrialStatus};

/// The header: level, backend, GPUs, selection, and what the plan holds.
pub fn print_header(info: &RunInfo) {
    let mut lines = vec![format!(
        "omnitest: run level {} · backend {} ({}) · GPUs {}",
        info.run_level, info.backend.backend, info.backend.reason, info.gpus
    )];
    let selection =
        if info.selection.is_empty() { "all tests of the level".to_owned() } else { info.selection.join(", ") };
    lines.push(format!(
        "omnitest: selection {selection} → {} trial(s) over {} scenario(s), {} ignored, {} deselected",
        info.planned, info.scenarios, info.ignored, info.deselected
    ));
    if info.hardware_waived > 0 {
        lines.push(format!(
            "omnitest: hardware requirements waived for {} trial(s): the {} backend needs no GPU",
            info.hardware_waived, info.backend.backend
        ));
    }
    lines.push(format!("omnitest: output in {}", info.output_dir.display()));
    eprintln!("{}", lines.join("\n"));
}

/// The footer: ignored reasons, failures by kind, and the reports written.
pub fn print_footer(records: &[TrialRecord], written: &[(&str, &Path)]) {
    let tally = Tally::of(records);
    let ignored: Vec<_> = records
        .iter()
        .filter_map(|r| match &r.status {
            TrialStatus::Ignored(reason) => Some(format!("  {} ({reason})", r.name)),
            _ => None,
        })
        .collect();
    if !ignored.is_empty() {
        eprintln!("omnitest: ignored:\n{}", ignored.join("\n"));
    }
    if tally.errors > 0 {
        eprintln!(
            "omnitest: {} harness error(s) (the test could not be carried out) and {} assertion failure(s)",
            tally.errors, tally.failed
        );
    }
    for (what, path) in written {
        eprintln!("omnitest: {what} written to {}", path.display());
    }
}

/// A note on stderr.
pub fn print_note(note: &str) {
    eprintln!("omnitest: {note}");
}

/// An error that stops the harness.
pub fn print_error(error: &dyn std::fmt::Display) {
    eprintln!("error: {error}");
}

/// What happened to the servers: how many started, for how many scenarios, and any failures.
pub fn print_servers(started: usize, scenarios: usize, failed: usize, survivors: &[u32]) {
    if started + failed == 0 {
        return;
    }
    let mut line = format!("omnitest: started {started} server/runner process(es) for {scenarios} scenario(s)");
    if failed > 0 {
        line.push_str(&format!(", {failed} failed to start"));
    }
    if survivors.is_empty() {
        line.push_str("; all stopped, no process left");
    } else {
        line.push_str(&format!("; processes {survivors:?} SURVIVED teardown"));
    }
    eprintln!("{line}");
}
