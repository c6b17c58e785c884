//! Recorded accuracy baselines (`baselines/accuracy/baselines.yaml`): per set, model and backend,
//! the correct count and item count a known-good build scored. A new score is compared through its
//! 95% confidence interval: it regressed only when the interval lies wholly below the baseline,
//! so a small set's noise does not fail builds, and a real drop does.
//!
//! ```yaml
//! omni-understanding:
//!   Qwen/Qwen3-Omni-30B-A3B-Instruct:
//!     mock: {correct: 11, total: 16, recorded: "2026-11-25", note: "…"}
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::score::Score;

/// One recorded score.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Correct answers.
    pub correct: u32,
    /// Items asked.
    pub total: u32,
    /// When it was recorded.
    pub recorded: String,
    /// How: the build, the hardware, anything that explains the number.
    #[serde(default)]
    pub note: String,
}

/// Every recorded score: set → model → backend.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Baselines(BTreeMap<String, BTreeMap<String, BTreeMap<String, Baseline>>>);

/// How a score compares with its baseline.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The baseline lies inside the score's interval.
    Consistent,
    /// The whole interval is above the baseline: the baseline may be raised.
    Improved,
    /// The whole interval is below the baseline.
    Regressed,
}

/// A baselines file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("accuracy baselines {}{location}: {message}", path.display())]
pub struct BaselineError {
    /// The file.
    pub path: PathBuf,
    /// `:line:column`, when known.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl Baselines {
    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Baselines, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError {
            path: path.into(),
            location: String::new(),
            message: e.to_string(),
        })?;
        let baselines: Baselines = yaml_serde::from_str(&text).map_err(|err| BaselineError {
            path: path.into(),
            location: err.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default(),
            message: err.to_string(),
        })?;
        for (set, models) in &baselines.0 {
            for (model, backends) in models {
                for (backend, baseline) in backends {
                    if baseline.total == 0 || baseline.correct > baseline.total {
                        return Err(BaselineError {
                            path: path.into(),
                            location: String::new(),
                            message: format!(
                                "{set}.{model}.{backend}: {} correct of {} items is not a score",
                                baseline.correct, baseline.total
                            ),
                        });
                    }
                }
            }
        }
        Ok(baselines)
    }

    /// The baseline of `set` for `model` on `backend`.
    pub fn get(&self, set: &str, model: &str, backend: &str) -> Option<&Baseline> {
        self.0.get(set)?.get(model)?.get(backend)
    }
}

impl Baseline {
    /// The recorded accuracy.
    pub fn accuracy(&self) -> f64 {
        f64::from(self.correct) / f64::from(self.total)
    }

    /// How `score` compares with this baseline.
    pub fn verdict(&self, score: Score) -> Verdict {
        let (low, high) = score.interval_95();
        let expected = self.accuracy();
        if high < expected {
            Verdict::Regressed
        } else if low > expected {
            Verdict::Improved
        } else {
            Verdict::Consistent
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(correct: u32, total: u32) -> Baseline {
        Baseline { correct, total, recorded: "2026-11-25".into(), note: String::new() }
    }

    #[test]
    fn verdicts_follow_the_interval() {
        let recorded = baseline(30, 40);
        assert_eq!(recorded.verdict(Score { correct: 27, total: 40 }), Verdict::Consistent);
        assert_eq!(recorded.verdict(Score { correct: 18, total: 40 }), Verdict::Regressed);
        assert_eq!(recorded.verdict(Score { correct: 40, total: 40 }), Verdict::Improved);
        // With 10 items, even 5 of 10 is not evidence against 75%.
        assert_eq!(recorded.verdict(Score { correct: 5, total: 10 }), Verdict::Consistent);
    }

    #[test]
    fn loads_and_rejects_impossible_scores() {
        let dir = std::env::temp_dir().join(format!("omnitest-baselines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.yaml");
        std::fs::write(&good, "set:\n  model/a:\n    mock: {correct: 3, total: 4, recorded: today}\n").unwrap();
        let loaded = Baselines::load(&good).unwrap();
        assert_eq!(loaded.get("set", "model/a", "mock").map(|b| (b.correct, b.total)), Some((3, 4)));
        assert!(loaded.get("set", "model/a", "vllm-omni").is_none());
        let bad = dir.join("bad.yaml");
        std::fs::write(&bad, "set:\n  m:\n    mock: {correct: 5, total: 4, recorded: today}\n").unwrap();
        let err = Baselines::load(&bad).unwrap_err().to_string();
        assert!(err.ends_with("set.m.mock: 5 correct of 4 items is not a score"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
