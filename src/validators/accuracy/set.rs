//! Evaluation sets: YAML files of questions about media described in the file itself (pictures
//! and clips drawn from shape lists, speech spoken from a phrase), so nothing is downloaded and
//! every expected answer is true by construction.
//!
//! ```yaml
//! name: omni-understanding
//! description: what a thinker sees, hears and knows
//! items:
//!   - id: count-red-squares
//!     question: How many squares are in the picture? Answer with a number.
//!     image:
//!       size: [256, 256]
//!       background: white
//!       shapes:
//!         - {shape: square, colour: red, at: [20, 30], size: 60}
//!     answers: ["1", "one"]
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::scene::{PictureSpec, SpeechSpec, VideoSpec};

/// An evaluation set.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSet {
    /// Its name, as baselines key it.
    pub name: String,
    /// What it measures.
    pub description: String,
    /// The questions.
    pub items: Vec<EvalItem>,
}

/// One question.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalItem {
    /// A stable id, unique in the set.
    pub id: String,
    /// What is asked.
    pub question: String,
    /// A picture the question is about.
    #[serde(default)]
    pub image: Option<PictureSpec>,
    /// A clip the question is about.
    #[serde(default)]
    pub video: Option<VideoSpec>,
    /// Speech the question is about.
    #[serde(default)]
    pub audio: Option<SpeechSpec>,
    /// Answers that count as correct (any one, as whole words, ignoring case).
    pub answers: Vec<String>,
}

/// An evaluation set that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// The file cannot be read.
    #[error("cannot read evaluation set {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not a valid set: bad YAML, an unknown key, a wrong type.
    #[error("evaluation set {}{location}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// `:line:column`, when known.
        location: String,
        /// The parser's message.
        message: String,
    },
    /// It parses but breaks a rule; `at` is the key path.
    #[error("evaluation set {}: {at}: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where, e.g. `items[3].answers`.
        at: String,
        /// What is wrong.
        problem: String,
    },
}

impl EvalSet {
    /// Reads and checks the set at `path`.
    pub fn load(path: &Path) -> Result<EvalSet, SetError> {
        let text = std::fs::read_to_string(path).map_err(|source| SetError::Read { path: path.into(), source })?;
        EvalSet::parse(&text, path)
    }

    /// Parses and checks a set; `path` is for messages.
    pub fn parse(text: &str, path: &Path) -> Result<EvalSet, SetError> {
        let set: EvalSet = yaml_serde::from_str(text).map_err(|err| SetError::Parse {
            path: path.into(),
            location: err.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default(),
            message: err.to_string(),
        })?;
        set.check(path)?;
        Ok(set)
    }

    fn check(&self, path: &Path) -> Result<(), SetError> {
        let invalid = |at: String, problem: String| SetError::Invalid { path: path.into(), at, problem };
        if self.items.is_empty() {
            return Err(invalid("items".into(), "a set needs at least one item".into()));
        }
        let mut ids = BTreeSet::new();
        for (i, item) in self.items.iter().enumerate() {
            if !ids.insert(item.id.as_str()) {
                return Err(invalid(format!("items[{i}].id"), format!("`{}` is used twice", item.id)));
            }
            if item.question.trim().is_empty() {
                return Err(invalid(format!("items[{i}].question"), "the question is empty".into()));
            }
            if item.answers.iter().all(|a| a.trim().is_empty()) {
                return Err(invalid(format!("items[{i}].answers"), "no accepted answer is given".into()));
            }
            let checks = [
                item.image.as_ref().map(|p| ("image", p.check())),
                item.video.as_ref().map(|v| ("video", v.check())),
                item.audio.as_ref().map(|a| ("audio", a.check())),
            ];
            for (key, result) in checks.into_iter().flatten() {
                result.map_err(|problem| invalid(format!("items[{i}].{key}"), problem))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = "name: tiny\ndescription: two items\nitems:\n  - id: a\n    question: What is 2 + 2?\n    answers: ['4', four]\n  - id: b\n    question: What colour?\n    image: {size: [64, 64], background: white, shapes: [{shape: circle, colour: red, at: [8, 8], size: 20}]}\n    answers: [red]\n";

    #[test]
    fn parses_a_set() {
        let set = EvalSet::parse(SET, Path::new("tiny.yaml")).unwrap();
        assert_eq!((set.name.as_str(), set.items.len()), ("tiny", 2));
    }

    #[test]
    fn errors_name_the_file_and_the_place() {
        let typo = SET.replace("answers: [red]", "answer: [red]");
        let err = EvalSet::parse(&typo, Path::new("tiny.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("evaluation set tiny.yaml:"), "{err}");
        assert!(err.contains("unknown field `answer`"), "{err}");
        let twice = SET.replace("id: b", "id: a");
        let err = EvalSet::parse(&twice, Path::new("tiny.yaml")).unwrap_err().to_string();
        assert_eq!(err, "evaluation set tiny.yaml: items[1].id: `a` is used twice");
        let outside = SET.replace("at: [8, 8]", "at: [60, 8]");
        let err = EvalSet::parse(&outside, Path::new("tiny.yaml")).unwrap_err().to_string();
        assert_eq!(err, "evaluation set tiny.yaml: items[1].image: shape 0 does not fit in the 64x64 picture");
    }
}
