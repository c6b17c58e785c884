//! The Buildkite pipeline YAML omnitest writes: only the step types and attributes it uses,
//! with the types Buildkite documents for them.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use yaml_serde::{Mapping, Value};

/// A pipeline file.
#[derive(Clone, Debug, Serialize)]
pub struct Pipeline {
    /// Variables every job of the pipeline gets.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Its steps.
    pub steps: Vec<Step>,
}

/// A top-level step.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Step {
    /// Command steps shown together.
    Group(GroupStep),
    /// One job.
    Command(CommandStep),
}

/// A group of command steps (Buildkite does not nest groups).
#[derive(Clone, Debug, Serialize)]
pub struct GroupStep {
    /// The group's name in the UI.
    pub group: String,
    /// Its key, unique in the pipeline.
    pub key: String,
    /// Its steps.
    pub steps: Vec<CommandStep>,
}

/// One job: commands run on an agent.
#[derive(Clone, Debug, Serialize)]
pub struct CommandStep {
    /// Its name in the UI.
    pub label: String,
    /// Its key, unique in the pipeline.
    pub key: String,
    /// A Buildkite conditional; the step is left out of the build when it is false.
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The shell commands, run in order; the first failure ends the job.
    pub commands: Vec<String>,
    /// The agent tags a job needs (`queue`, …).
    pub agents: BTreeMap<String, String>,
    /// Plugins, each a one-key map from the plugin to its configuration.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<Plugin>,
    /// Files uploaded as artifacts when the job ends.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artifact_paths: Vec<String>,
    /// How long the job may run.
    pub timeout_in_minutes: u32,
}

/// A plugin and its configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Plugin {
    /// `docker#v5.12.0`, `kubernetes`, …
    pub name: String,
    /// Its configuration.
    pub config: Value,
}

impl Serialize for Plugin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.name, &self.config)?;
        map.end()
    }
}

/// A YAML mapping with keys in the given order.
pub fn mapping<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut map = Mapping::new();
    for (key, value) in entries {
        map.insert(Value::String(key.to_owned()), value);
    }
    Value::Mapping(map)
}

/// A YAML string.
pub fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// A YAML sequence of strings.
pub fn strings(items: &[&str]) -> Value {
    Value::Sequence(items.iter().map(|item| string(item)).collect())
}

impl Pipeline {
    /// The pipeline as YAML, after a comment saying how it was made.
    pub fn render(&self, header: &str) -> Result<String, yaml_serde::Error> {
        let body = yaml_serde::to_string(self)?;
        let comments: String = header.lines().map(|line| format!("# {line}\n").replace("# \n", "#\n")).collect();
        Ok(format!("{comments}{body}"))
    }
}
