//! What happened to each trial, collected while the run goes on, for the reports.

use std::sync::Mutex;
use std::time::Duration;

use crate::registry::{Level, MarkerSet};

/// How a trial ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrialStatus {
    /// It passed.
    Passed,
    /// An assertion failed.
    Failed(String),
    /// The harness could not carry it out.
    Error(String),
    /// It did not run, for this reason.
    Ignored(String),
}

/// One trial's result.
#[derive(Clone, Debug)]
pub struct TrialRecord {
    /// `module::test_fn[scenario]`.
    pub name: String,
    /// The scenario id, if any.
    pub scenario: Option<String>,
    /// The test's levels.
    pub levels: Vec<Level>,
    /// Its markers.
    pub markers: MarkerSet,
    /// How it ended.
    pub status: TrialStatus,
    /// How long it ran.
    pub duration: Duration,
}

impl TrialRecord {
    /// The module part of the name (`online_serving::qwen3_omni`), JUnit's classname.
    pub fn module(&self) -> &str {
        let base = self.name.split('[').next().unwrap_or(&self.name);
        base.rsplit_once("::").map_or("", |(module, _)| module)
    }

    /// The function part, with the scenario (`test_x[default]`).
    pub fn short_name(&self) -> &str {
        let module = self.module();
        if module.is_empty() { &self.name } else { &self.name[module.len() + 2..] }
    }
}

/// Collects trial records from the worker threads.
#[derive(Debug, Default)]
pub struct Recorder {
    records: Mutex<Vec<TrialRecord>>,
}

impl Recorder {
    /// Records a trial.
    pub fn record(&self, record: TrialRecord) {
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(record);
    }

    /// The records, sorted by name.
    pub fn into_records(self) -> Vec<TrialRecord> {
        let mut records = self.records.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    }
}

/// Counts of a run's outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Passed.
    pub passed: usize,
    /// Failed an assertion.
    pub failed: usize,
    /// Harness errors.
    pub errors: usize,
    /// Ignored.
    pub ignored: usize,
}

impl Tally {
    /// Counts the records.
    pub fn of(records: &[TrialRecord]) -> Tally {
        records.iter().fold(Tally::default(), |mut t, r| {
            match r.status {
                TrialStatus::Passed => t.passed += 1,
                TrialStatus::Failed(_) => t.failed += 1,
                TrialStatus::Error(_) => t.errors += 1,
                TrialStatus::Ignored(_) => t.ignored += 1,
            }
            t
        })
    }

    /// All trials counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errors + self.ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str) -> TrialRecord {
        TrialRecord {
            name: name.into(),
            scenario: None,
            levels: vec![],
            markers: MarkerSet::EMPTY,
            status: TrialStatus::Passed,
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn splits_module_and_function() {
        let r = record("online_serving::qwen3_omni::test_a[x::y]");
        assert_eq!(r.module(), "online_serving::qwen3_omni");
        assert_eq!(r.short_name(), "test_a[x::y]");
        assert_eq!(record("test_top").module(), "");
        assert_eq!(record("test_top").short_name(), "test_top");
    }
}
