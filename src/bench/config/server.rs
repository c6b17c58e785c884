//! A case's `server_params`: what to serve and how.

use serde::Deserialize;
use serde_json::Value;

use crate::bench::json_path::{JsonPath, JsonProblem, describe};
use crate::bench::options::flags;

/// How a case's server is started.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerParams {
    /// The model name or path.
    pub model: String,
    /// A deploy config under the stage-config directory (`qwen3_omni.yaml`).
    #[serde(default)]
    pub stage_config_name: Option<String>,
    /// Items to update or add in the deploy config.
    #[serde(default)]
    pub update: Option<Value>,
    /// Items to delete from the deploy config.
    #[serde(default)]
    pub delete: Option<Value>,
    /// Serve flags: an object (`{"max_model_len": 8192}` → `--max-model-len 8192`) or a list of
    /// arguments.
    #[serde(default)]
    pub serve_args: Option<Value>,
    /// Arguments appended as written.
    #[serde(default)]
    pub extra_cli_args: Vec<String>,
    /// Per-stage overrides, passed as `--stage-overrides <json>`.
    #[serde(default)]
    pub stage_overrides: Option<Value>,
    /// Whether the server is started with `--omni`.
    #[serde(default = "serve_with_omni")]
    pub use_omni: bool,
    /// Whether `--trust-remote-code` is passed.
    #[serde(default)]
    pub trust_remote_code: bool,
    /// The server kind of diffusion cases (`vllm-omni`).
    #[serde(default)]
    pub server_type: Option<String>,
}

fn serve_with_omni() -> bool {
    true
}

impl ServerParams {
    /// The serve arguments as vLLM-Omni's runner builds them: `serve_args` (an object as
    /// `--key-with-dashes value` flags, `true` bare, `false` and null left out, objects and lists
    /// as compact JSON; a list as written), then `extra_cli_args`.
    pub fn cli_args(&self) -> Vec<String> {
        let mut args = match &self.serve_args {
            Some(Value::Object(options)) => flags(options),
            Some(Value::Array(items)) => items.iter().map(argument).collect(),
            _ => Vec::new(),
        };
        args.extend(self.extra_cli_args.iter().cloned());
        args
    }
}

fn argument(item: &Value) -> String {
    match item {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Reads `server_params`; `value` is `None` when the key is missing.
pub(super) fn parse_server(value: Option<&Value>, path: &JsonPath) -> Result<ServerParams, JsonProblem> {
    let Some(value) = value else {
        return Err(JsonProblem::new(path, "missing (a case needs `server_params` with at least `model`)"));
    };
    let params: ServerParams = serde_path_to_error::deserialize(value).map_err(|error| {
        let at = error.path().iter().fold(path.clone(), |at, segment| match segment {
            serde_path_to_error::Segment::Seq { index } => at.index(*index),
            serde_path_to_error::Segment::Map { key } => at.key(key),
            serde_path_to_error::Segment::Enum { variant } => at.key(variant),
            serde_path_to_error::Segment::Unknown => at,
        });
        JsonProblem::new(&at, error.into_inner().to_string())
    })?;
    let serve_args_path = path.key("serve_args");
    match &params.serve_args {
        None | Some(Value::Object(_)) => {}
        Some(Value::Array(items)) => {
            if let Some((i, item)) = items.iter().enumerate().find(|(_, v)| !(v.is_string() || v.is_number())) {
                let problem = format!("expected an argument (a string or number), found {}", describe(item));
                return Err(JsonProblem::new(&serve_args_path.index(i), problem));
            }
        }
        Some(other) => {
            let problem = format!("expected an object of flags or a list of arguments, found {}", describe(other));
            return Err(JsonProblem::new(&serve_args_path, problem));
        }
    }
    Ok(params)
}
