//! The JUnit XML report (`--junit PATH`), through quick-junit.

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{ReportError, RunInfo, TrialRecord, TrialStatus};

/// Writes one `<testcase>` per trial: an assertion failure as `<failure>`, a harness error as
/// `<error>`, an ignored trial as `<skipped>` with its reason; level, markers and scenario as
/// properties.
pub fn write_junit(path: &Path, info: &RunInfo, records: &[TrialRecord], elapsed: Duration) -> Result<(), ReportError> {
    let mut suite = TestSuite::new(format!("omnitest {}", info.run_level));
    suite.set_time(elapsed);
    suite.add_property(Property::new("run_level", info.run_level.name()));
    suite.add_property(Property::new("backend", info.backend.backend.name()));
    suite.add_property(Property::new("gpus", info.gpus.count.to_string()));
    for selection in &info.selection {
        suite.add_property(Property::new("selection", selection.as_str()));
    }
    for record in records {
        suite.add_test_case(test_case(record));
    }
    let mut report = Report::new("omnitest");
    report.set_time(elapsed);
    report.add_test_suite(suite);
    let xml = report.to_string()?;
    std::fs::write(path, xml).map_err(|source| ReportError::Write { what: "JUnit report", path: path.into(), source })
}

fn test_case(record: &TrialRecord) -> TestCase {
    let status = match &record.status {
        TrialStatus::Passed => TestCaseStatus::success(),
        TrialStatus::Failed(message) => non_success(NonSuccessKind::Failure, "assertion failure", message),
        TrialStatus::Error(message) => non_success(NonSuccessKind::Error, "harness error", message),
        TrialStatus::Ignored(reason) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
            status
        }
    };
    let mut case = TestCase::new(record.short_name(), status);
    case.set_classname(record.module());
    case.set_time(record.duration);
    let levels: Vec<_> = record.levels.iter().map(|l| l.name()).collect();
    case.add_property(Property::new("level", levels.join(",")));
    case.add_property(Property::new("markers", record.markers.to_string()));
    if let Some(scenario) = &record.scenario {
        case.add_property(Property::new("scenario", scenario.as_str()));
    }
    case
}

fn non_success(kind: NonSuccessKind, type_name: &str, message: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(message.lines().next().unwrap_or_default());
    status.set_type(type_name);
    status.set_description(message);
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Level, Marker, MarkerSet};
    use crate::selection::{Backend, GpuInventory, ResolvedBackend};

    fn info() -> RunInfo {
        RunInfo {
            run_level: Level::CoreModel,
            backend: ResolvedBackend { backend: Backend::Mock, reason: "--backend".into() },
            gpus: GpuInventory::overridden(0),
            selection: vec!["-m omni".into()],
            planned: 4,
            ignored: 1,
            deselected: 0,
            hardware_waived: 0,
            scenarios: 1,
            output_dir: "/tmp".into(),
        }
    }

    fn record(name: &str, status: TrialStatus) -> TrialRecord {
        TrialRecord {
            name: name.into(),
            scenario: name.contains('[').then(|| "default".into()),
            levels: vec![Level::CoreModel],
            markers: MarkerSet::EMPTY.with(Marker::Omni).with(Marker::CoreModel),
            status,
            duration: Duration::from_millis(5),
        }
    }

    #[test]
    fn failures_and_harness_errors_are_different_kinds() {
        let records = vec![
            record("s::test_ok[default]", TrialStatus::Passed),
            record("s::test_bad[default]", TrialStatus::Failed("no audio\nin response".into())),
            record("s::test_broken[default]", TrialStatus::Error("server exited with code 1".into())),
            record("s::test_skip", TrialStatus::Ignored("needs 2 GPUs, found 0".into())),
        ];
        let path = std::env::temp_dir().join(format!("omnitest-junit-{}.xml", std::process::id()));
        write_junit(&path, &info(), &records, Duration::from_secs(1)).unwrap();
        let xml = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let report = Report::deserialize_from_str(&xml).unwrap();
        assert_eq!((report.tests, report.failures, report.errors), (4, 1, 1));
        let suite = &report.test_suites[0];
        assert_eq!(suite.skipped, 1);
        let bad = &suite.test_cases[1];
        assert_eq!(bad.classname.as_ref().map(|c| c.as_str()), Some("s"));
        assert!(matches!(bad.status, TestCaseStatus::NonSuccess { kind: NonSuccessKind::Failure, .. }));
        assert!(matches!(suite.test_cases[2].status, TestCaseStatus::NonSuccess { kind: NonSuccessKind::Error, .. }));
        assert!(xml.contains(r#"<property name="scenario" value="default"/>"#), "{xml}");
        assert!(xml.contains(r#"message="needs 2 GPUs, found 0""#), "{xml}");
    }
}
