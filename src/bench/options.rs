//! The free-form keys of a benchmark entry (`random_input_len`, `ignore_eos`,
//! `percentile-metrics`, dataset settings, …): `vllm bench serve` flags written as JSON keys.

use serde_json::{Map, Value};

/// Benchmark options by key. A key may be written with underscores or dashes
/// (`percentile_metrics` or `percentile-metrics`); lookups accept either.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BenchOptions(Map<String, Value>);

/// The spelling-independent form of a key: dashes read as underscores.
pub fn canonical_key(key: &str) -> String {
    key.replace('-', "_")
}

impl BenchOptions {
    /// Options from keys already checked for clashing spellings.
    pub fn new(options: Map<String, Value>) -> BenchOptions {
        BenchOptions(options)
    }

    /// The value of `name`, in either spelling.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let wanted = canonical_key(name);
        self.0.iter().find(|(key, _)| canonical_key(key) == wanted).map(|(_, value)| value)
    }

    /// The value of `name` when it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// Every option, as written.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    /// The options as `vllm bench serve` flags, as vLLM-Omni's runner builds them: `--key-with-dashes`;
    /// `true` is a bare flag, `false` and null are left out, objects and lists are compact JSON
    /// (vLLM-Omni writes lists as Python reprs), strings and numbers as written.
    pub fn cli_args(&self) -> Vec<String> {
        flags(&self.0)
    }
}

/// `--key value` flags from a JSON object, by vLLM-Omni's `_build_serve_args` rules.
pub fn flags(options: &Map<String, Value>) -> Vec<String> {
    let mut args = Vec::new();
    for (key, value) in options {
        let flag = format!("--{}", key.replace('_', "-"));
        match value {
            Value::Bool(false) | Value::Null => {}
            Value::Bool(true) => args.push(flag),
            Value::String(text) => args.extend([flag, text.clone()]),
            other => args.extend([flag, other.to_string()]),
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_accept_either_spelling() {
        let options = BenchOptions::new(
            serde_json::json!({"percentile-metrics": "ttft,e2el", "random_input_len": 2500})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(options.get_str("percentile_metrics"), Some("ttft,e2el"));
        assert_eq!(options.get("random-input-len"), Some(&serde_json::json!(2500)));
        assert_eq!(options.get("ignore_eos"), None);
    }

    #[test]
    fn flags_follow_the_runner() {
        let map = serde_json::json!({
            "ignore_eos": true,
            "disable_tqdm": false,
            "random_input_len": 2500,
            "random_range_ratio": 0.0,
            "extra_body": {"modalities": ["text"]},
            "dataset_name": "random",
        });
        let args = flags(map.as_object().unwrap_or(&Map::new()));
        assert_eq!(
            args,
            [
                "--dataset-name",
                "random",
                "--extra-body",
                r#"{"modalities":["text"]}"#,
                "--ignore-eos",
                "--random-input-len",
                "2500",
                "--random-range-ratio",
                "0.0",
            ]
        );
    }
}
