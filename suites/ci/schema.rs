//! The parts of Buildkite's pipeline schema omnitest's pipelines use, checked strictly: the
//! attributes Buildkite documents for command and group steps with their types, and nothing
//! else, so that a typo (`timeout:`) or a wrong shape (plugins as a map) is caught here rather
//! than by a failed upload.

use std::collections::HashSet;

use yaml_serde::{Mapping, Value};

/// Attributes of a command step (buildkite.com/docs/pipelines/configure/step-types/command-step).
const COMMAND_KEYS: &[&str] = &[
    "agents",
    "allow_dependency_failure",
    "artifact_paths",
    "branches",
    "cancel_on_build_failing",
    "command",
    "commands",
    "concurrency",
    "concurrency_group",
    "concurrency_method",
    "depends_on",
    "env",
    "id",
    "identifier",
    "if",
    "if_changed",
    "key",
    "label",
    "matrix",
    "name",
    "notify",
    "parallelism",
    "plugins",
    "priority",
    "retry",
    "secrets",
    "signature",
    "skip",
    "soft_fail",
    "timeout_in_minutes",
];

/// Attributes of a group step (buildkite.com/docs/pipelines/configure/step-types/group-step).
const GROUP_KEYS: &[&str] = &[
    "allow_dependency_failure",
    "depends_on",
    "group",
    "id",
    "identifier",
    "if",
    "if_changed",
    "key",
    "label",
    "name",
    "notify",
    "skip",
    "steps",
];

/// Top-level attributes of a pipeline file.
const PIPELINE_KEYS: &[&str] = &["agents", "env", "notify", "steps"];

/// Every problem of a pipeline file, each naming its YAML path; empty when it is valid.
pub(crate) fn pipeline_problems(yaml: &str) -> Vec<String> {
    let mut checker = Checker::default();
    match yaml_serde::from_str::<Value>(yaml) {
        Ok(document) => checker.pipeline(&document),
        Err(err) => checker.problem("", format!("not YAML: {err}")),
    }
    checker.problems
}

#[derive(Default)]
struct Checker {
    problems: Vec<String>,
    keys: HashSet<String>,
}

impl Checker {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        let at = if path.is_empty() { "the file".to_owned() } else { format!("`{path}`") };
        self.problems.push(format!("{at}: {}", message.into()));
    }

    fn mapping<'v>(&mut self, path: &str, value: &'v Value, allowed: &[&str]) -> Option<&'v Mapping> {
        let Some(map) = value.as_mapping() else {
            self.problem(path, format!("expected a mapping, found {}", kind(value)));
            return None;
        };
        for key in map.keys() {
            match key.as_str() {
                Some(name) if allowed.contains(&name) => {}
                Some(name) => {
                    self.problem(path, format!("unknown attribute `{name}` (Buildkite knows: {})", allowed.join(", ")))
                }
                None => self.problem(path, format!("a key is {}, not a string", kind(key))),
            }
        }
        Some(map)
    }

    fn pipeline(&mut self, document: &Value) {
        let Some(map) = self.mapping("", document, PIPELINE_KEYS) else { return };
        if let Some(env) = map.get("env") {
            self.env("env", env);
        }
        if let Some(agents) = map.get("agents") {
            self.agents("agents", agents);
        }
        match map.get("steps").map(|steps| (steps, steps.as_sequence())) {
            Some((_, Some(steps))) if !steps.is_empty() => {
                for (i, step) in steps.iter().enumerate() {
                    self.step(&format!("steps[{i}]"), step, true);
                }
            }
            Some((_, Some(_))) => self.problem("steps", "a pipeline needs at least one step"),
            Some((other, None)) => self.problem("steps", format!("expected a sequence, found {}", kind(other))),
            None => self.problem("", "no `steps`"),
        }
    }

    fn step(&mut self, path: &str, step: &Value, top_level: bool) {
        let Some(map) = step.as_mapping() else {
            self.problem(path, format!("expected a step mapping, found {}", kind(step)));
            return;
        };
        if map.contains_key("group") {
            if !top_level {
                self.problem(path, "groups cannot be nested");
            }
            self.group(path, step);
        } else if map.contains_key("command") || map.contains_key("commands") {
            self.command(path, step);
        } else {
            self.problem(path, "neither a command step (`command`/`commands`) nor a group step (`group`)");
        }
    }

    fn group(&mut self, path: &str, step: &Value) {
        let Some(map) = self.mapping(path, step, GROUP_KEYS) else { return };
        self.string_or_null(&format!("{path}.group"), &map["group"]);
        self.common(path, map);
        match map.get("steps").and_then(Value::as_sequence) {
            Some(steps) if !steps.is_empty() => {
                for (i, inner) in steps.iter().enumerate() {
                    self.step(&format!("{path}.steps[{i}]"), inner, false);
                }
            }
            _ => self.problem(&format!("{path}.steps"), "a group needs a non-empty sequence of steps"),
        }
    }

    fn command(&mut self, path: &str, step: &Value) {
        let Some(map) = self.mapping(path, step, COMMAND_KEYS) else { return };
        self.common(path, map);
        for key in ["command", "commands"] {
            if let Some(value) = map.get(key) {
                self.string_or_strings(&format!("{path}.{key}"), value);
            }
        }
        if map.contains_key("command") && map.contains_key("commands") {
            self.problem(path, "give `command` or `commands`, not both");
        }
        if let Some(agents) = map.get("agents") {
            self.agents(&format!("{path}.agents"), agents);
        }
        if let Some(env) = map.get("env") {
            self.env(&format!("{path}.env"), env);
        }
        if let Some(plugins) = map.get("plugins") {
            self.plugins(&format!("{path}.plugins"), plugins);
        }
        if let Some(paths) = map.get("artifact_paths") {
            self.string_or_strings(&format!("{path}.artifact_paths"), paths);
        }
        for key in ["timeout_in_minutes", "parallelism", "concurrency"] {
            if let Some(value) = map.get(key)
                && value.as_u64().is_none_or(|n| n == 0)
            {
                self.problem(&format!("{path}.{key}"), format!("expected a positive integer, found {}", kind(value)));
            }
        }
        if let Some(value) = map.get("priority")
            && value.as_i64().is_none()
        {
            self.problem(&format!("{path}.priority"), format!("expected an integer, found {}", kind(value)));
        }
        if let Some(value) = map.get("soft_fail") {
            self.soft_fail(&format!("{path}.soft_fail"), value);
        }
        if let Some(value) = map.get("retry") {
            self.retry(&format!("{path}.retry"), value);
        }
        for key in ["concurrency_group", "label", "name"] {
            if let Some(value) = map.get(key) {
                self.string(&format!("{path}.{key}"), value);
            }
        }
    }

    /// What command and group steps share: key, label, if, depends_on, skip.
    fn common(&mut self, path: &str, map: &Mapping) {
        if let Some(key) = map.get("key") {
            match key.as_str() {
                Some(key) if !valid_key(key) => self.problem(
                    &format!("{path}.key"),
                    format!(
                        "`{key}` is not a valid key: use letters, digits, `_`, `-` and `:`, and not a UUID's shape"
                    ),
                ),
                Some(key) if !self.keys.insert(key.to_owned()) => {
                    self.problem(&format!("{path}.key"), format!("`{key}` is used by another step"));
                }
                Some(_) => {}
                None => self.problem(&format!("{path}.key"), format!("expected a string, found {}", kind(key))),
            }
        }
        if let Some(condition) = map.get("if") {
            self.string(&format!("{path}.if"), condition);
        }
        if let Some(depends) = map.get("depends_on") {
            self.depends_on(&format!("{path}.depends_on"), depends);
        }
        if let Some(skip) = map.get("skip")
            && !matches!(skip, Value::Bool(_) | Value::String(_))
        {
            self.problem(&format!("{path}.skip"), format!("expected a boolean or a reason, found {}", kind(skip)));
        }
        if let Some(flag) = map.get("allow_dependency_failure")
            && !matches!(flag, Value::Bool(_))
        {
            self.problem(
                &format!("{path}.allow_dependency_failure"),
                format!("expected a boolean, found {}", kind(flag)),
            );
        }
    }

    fn string(&mut self, path: &str, value: &Value) {
        if value.as_str().is_none() {
            self.problem(path, format!("expected a string, found {}", kind(value)));
        }
    }

    fn string_or_null(&mut self, path: &str, value: &Value) {
        if !value.is_null() {
            self.string(path, value);
        }
    }

    fn string_or_strings(&mut self, path: &str, value: &Value) {
        match value {
            Value::String(_) => {}
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.string(&format!("{path}[{i}]"), item);
                }
            }
            other => self.problem(path, format!("expected a string or a sequence of strings, found {}", kind(other))),
        }
    }

    fn agents(&mut self, path: &str, value: &Value) {
        let Some(map) = value.as_mapping() else {
            self.problem(path, format!("expected a mapping of agent tags to strings, found {}", kind(value)));
            return;
        };
        for (tag, value) in map {
            let tag = tag.as_str().unwrap_or("?");
            self.string(&format!("{path}.{tag}"), value);
        }
    }

    fn env(&mut self, path: &str, value: &Value) {
        let Some(map) = value.as_mapping() else {
            self.problem(path, format!("expected a mapping of variables, found {}", kind(value)));
            return;
        };
        for (name, value) in map {
            let name = name.as_str().unwrap_or("?");
            if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                self.problem(&format!("{path}.{name}"), format!("expected a scalar, found {}", kind(value)));
            }
        }
    }

    fn plugins(&mut self, path: &str, value: &Value) {
        let Some(items) = value.as_sequence() else {
            self.problem(path, format!("expected a sequence of plugins, found {}", kind(value)));
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            match item.as_mapping() {
                Some(map) if map.len() == 1 => {
                    let (name, config) = map.iter().next().expect("one entry");
                    if name.as_str().is_none_or(str::is_empty) {
                        self.problem(&at, "the plugin's name must be a string");
                    }
                    if !matches!(config, Value::Mapping(_) | Value::Null) {
                        self.problem(&at, format!("a plugin's configuration is a mapping, found {}", kind(config)));
                    }
                }
                Some(map) => self.problem(&at, format!("expected a single-key map, found {} keys", map.len())),
                None => self.problem(&at, format!("expected a single-key map, found {}", kind(item))),
            }
        }
    }

    fn depends_on(&mut self, path: &str, value: &Value) {
        match value {
            Value::String(_) | Value::Null => {}
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    let ok = item.as_str().is_some()
                        || item.as_mapping().is_some_and(|m| m.get("step").and_then(Value::as_str).is_some());
                    if !ok {
                        self.problem(&format!("{path}[{i}]"), "expected a step key or `{step: KEY}`");
                    }
                }
            }
            other => self.problem(path, format!("expected a step key or a sequence of them, found {}", kind(other))),
        }
    }

    fn soft_fail(&mut self, path: &str, value: &Value) {
        match value {
            Value::Bool(_) => {}
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    let status = item.as_mapping().and_then(|m| m.get("exit_status"));
                    let ok = status.is_some_and(|s| s.as_i64().is_some() || s.as_str() == Some("*"));
                    if !ok {
                        self.problem(&format!("{path}[{i}]"), "expected `{exit_status: N}` or `{exit_status: \"*\"}`");
                    }
                }
            }
            other => self.problem(path, format!("expected a boolean or a sequence, found {}", kind(other))),
        }
    }

    fn retry(&mut self, path: &str, value: &Value) {
        let Some(map) = self.mapping(path, value, &["automatic", "manual"]) else { return };
        for (key, value) in map {
            if !matches!(value, Value::Bool(_) | Value::Mapping(_) | Value::Sequence(_)) {
                let key = key.as_str().unwrap_or("?");
                self.problem(&format!("{path}.{key}"), format!("expected a boolean or rules, found {}", kind(value)));
            }
        }
    }
}

fn valid_key(key: &str) -> bool {
    let charset = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':'));
    let parts: Vec<usize> = key.split('-').map(str::len).collect();
    let uuid_like = parts == [8, 4, 4, 4, 12] && key.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    charset && !uuid_like
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a sequence",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}
