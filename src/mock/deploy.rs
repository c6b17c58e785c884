//! The deploy / stage-config YAML a server is started with. The mock parses it as the real
//! server does (a malformed file stops start-up with the file, line and column), and exposes
//! what it found so tests can see that a scenario's edits arrived.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

/// Which flag named the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ConfigFlag {
    /// `--stage-configs-path`.
    #[serde(rename = "--stage-configs-path")]
    StageConfigs,
    /// `--deploy-config`.
    #[serde(rename = "--deploy-config")]
    Deploy,
}

/// A parsed deploy file.
#[derive(Clone, Debug, Serialize)]
pub struct DeployConfig {
    /// The file.
    pub path: PathBuf,
    /// The flag that named it.
    pub flag: ConfigFlag,
    /// `stages` (deploy schema) or `stage_args` (legacy schema), when present.
    pub stage_key: Option<String>,
    /// How many stages it declares.
    pub stages: usize,
    /// Each stage's `load_format` (`dummy` at core_model), or null.
    pub load_formats: Vec<Value>,
    /// Stage 0's `max_num_seqs`, when set.
    pub max_num_seqs: Option<u64>,
    /// The whole document, as JSON.
    pub document: Value,
}

/// A deploy file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// It cannot be read.
    #[error("cannot read deploy config {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not valid YAML.
    #[error("invalid YAML in deploy config {}{location}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `:line:column`, when known.
        location: String,
        /// The parser's message.
        message: String,
    },
    /// It is YAML but not a deploy config.
    #[error("deploy config {}: {problem}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the key path.
        problem: String,
    },
}

impl DeployConfig {
    /// Reads and checks the file.
    pub fn load(path: &Path, flag: ConfigFlag) -> Result<DeployConfig, DeployError> {
        let text = std::fs::read_to_string(path).map_err(|source| DeployError::Read { path: path.into(), source })?;
        let yaml: yaml_serde::Value = yaml_serde::from_str(&text).map_err(|err| DeployError::Syntax {
            path: path.into(),
            location: err.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default(),
            message: err.to_string(),
        })?;
        let document = serde_json::to_value(&yaml).map_err(|err| DeployError::Shape {
            path: path.into(),
            problem: format!("cannot be represented as JSON: {err}"),
        })?;
        let shape = |problem: String| DeployError::Shape { path: path.into(), problem };
        let Value::Object(root) = &document else {
            return Err(shape("expected a mapping at the top level".into()));
        };
        let stage_key = ["stages", "stage_args"].into_iter().find(|key| root.contains_key(*key));
        let stages: Vec<&Value> = match stage_key.map(|key| (key, &root[key])) {
            None => Vec::new(),
            Some((_, Value::Array(items))) => items.iter().collect(),
            Some((key, other)) => {
                return Err(shape(format!("`{key}`: expected a list of stages, found {}", kind(other))));
            }
        };
        let mut load_formats = Vec::new();
        for (i, stage) in stages.iter().enumerate() {
            let Value::Object(stage) = stage else {
                let key = stage_key.unwrap_or("stages");
                return Err(shape(format!("`{key}.{i}`: expected a mapping, found {}", kind(stage))));
            };
            let format =
                stage.get("load_format").or_else(|| stage.get("engine_args").and_then(|e| e.get("load_format")));
            load_formats.push(format.cloned().unwrap_or(Value::Null));
        }
        let max_num_seqs = stages.first().and_then(|stage| {
            stage.get("max_num_seqs").or_else(|| stage.get("engine_args").and_then(|e| e.get("max_num_seqs")))?.as_u64()
        });
        Ok(DeployConfig {
            path: path.into(),
            flag,
            stage_key: stage_key.map(str::to_owned),
            stages: stages.len(),
            load_formats,
            max_num_seqs,
            document,
        })
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("omnitest-deploy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_stages_in_both_schemas() {
        let new = write(
            "new.yaml",
            "stages:\n  - stage_id: 0\n    load_format: dummy\n    max_num_seqs: 8\n  - stage_id: 1\n",
        );
        let config = DeployConfig::load(&new, ConfigFlag::Deploy).unwrap();
        assert_eq!((config.stages, config.max_num_seqs), (2, Some(8)));
        assert_eq!(config.load_formats, vec![Value::from("dummy"), Value::Null]);
        let legacy = write("legacy.yaml", "stage_args:\n  - engine_args:\n      load_format: dummy\n");
        let config = DeployConfig::load(&legacy, ConfigFlag::StageConfigs).unwrap();
        assert_eq!(config.load_formats, vec![Value::from("dummy")]);
    }

    #[test]
    fn malformed_files_name_the_line_and_column() {
        let bad = write("bad.yaml", "stages:\n  - stage_id: 0\n   bad: [unclosed\n");
        let err = DeployConfig::load(&bad, ConfigFlag::Deploy).unwrap_err().to_string();
        assert!(err.starts_with(&format!("invalid YAML in deploy config {}:", bad.display())), "{err}");
        let wrong = write("wrong.yaml", "stages: 3\n");
        let err = DeployConfig::load(&wrong, ConfigFlag::Deploy).unwrap_err().to_string();
        assert!(err.ends_with("`stages`: expected a list of stages, found a number"), "{err}");
    }
}
