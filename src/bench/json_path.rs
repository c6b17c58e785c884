//! Where a value sits in a JSON document, for error messages that point at it:
//! `[0].benchmark_params[1].num_prompts`.

use std::fmt;

use serde_json::Value;

/// A path from the root of a JSON document to one value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(String);

impl JsonPath {
    /// The document itself.
    pub fn root() -> JsonPath {
        JsonPath(String::new())
    }

    /// The member `key` of the object at this path.
    #[must_use]
    pub fn key(&self, key: &str) -> JsonPath {
        // Keys such as `(256, 256, 1)` would make a dotted path ambiguous, so they are quoted.
        let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let segment = if plain {
            if self.0.is_empty() { key.to_owned() } else { format!(".{key}") }
        } else {
            format!("[{}]", Value::String(key.to_owned()))
        };
        JsonPath(format!("{}{segment}", self.0))
    }

    /// The element `index` of the list at this path.
    #[must_use]
    pub fn index(&self, index: usize) -> JsonPath {
        JsonPath(format!("{}[{index}]", self.0))
    }

    /// The path as text; empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("(top level)") } else { f.write_str(&self.0) }
    }
}

/// What is wrong at a path of a document, before the file it came from is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonProblem {
    /// Where.
    pub path: JsonPath,
    /// What is wrong, as a sentence fragment.
    pub problem: String,
}

impl JsonProblem {
    /// A problem at `path`.
    pub fn new(path: &JsonPath, problem: impl Into<String>) -> JsonProblem {
        JsonProblem { path: path.clone(), problem: problem.into() }
    }
}

/// A short description of a value for "expected …, found …" messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", Value::String(s.clone())),
        Value::Array(items) => format!("a list of {} item(s)", items.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_accessors() {
        let path = JsonPath::root().index(0).key("benchmark_params").index(2).key("percentile-metrics");
        assert_eq!(path.to_string(), "[0].benchmark_params[2].percentile-metrics");
        assert_eq!(JsonPath::root().key("baseline").key("(0, 60, 3)").to_string(), r#"baseline["(0, 60, 3)"]"#);
        assert_eq!(JsonPath::root().to_string(), "(top level)");
    }

    #[test]
    fn values_are_described_briefly() {
        assert_eq!(describe(&serde_json::json!(0.5)), "the number 0.5");
        assert_eq!(describe(&serde_json::json!("inf")), "the string \"inf\"");
        assert_eq!(describe(&serde_json::json!([1, 2])), "a list of 2 item(s)");
    }
}
