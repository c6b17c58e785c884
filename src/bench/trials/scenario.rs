//! A case's server as a [`Scenario`]: the model, the deploy config under the launch
//! environment's deploy folder (`stage_config_name`, with `update` and `delete` as edits), the
//! serve arguments (`serve_args`, `extra_cli_args`), `--stage-overrides JSON`,
//! `--trust-remote-code` and `use_omni`, as vLLM-Omni's perf runner composes them.
//!
//! Scenarios are `&'static` because suites declare them as statics. One made from a config at
//! run time is leaked, with its strings: a handful per process (one per case), never freed
//! before the process ends, which is when they would be dropped anyway.

use serde_json::Value;

use crate::bench::config::PerfCase;
use crate::registry::Scenario;

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn leak_list<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

/// The serve arguments of `case`, in the runner's order: `serve_args`, `extra_cli_args`, then
/// `--stage-overrides` and `--trust-remote-code`.
pub fn serve_args(case: &PerfCase) -> Vec<String> {
    let mut args = case.server.cli_args();
    if let Some(overrides) = case.server.stage_overrides.as_ref().filter(|v| !v.is_null()) {
        args.extend(["--stage-overrides".to_owned(), overrides.to_string()]);
    }
    if case.server.trust_remote_code && !args.iter().any(|a| a == "--trust-remote-code") {
        args.push("--trust-remote-code".to_owned());
    }
    args
}

/// The deploy-config edits of `update` as `(dotted path, YAML value)`: nested objects are
/// walked, anything else is a value (JSON is YAML).
pub fn updates(update: Option<&Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(Value::Object(fields)) = update {
        for (key, value) in fields {
            flatten_update(key, value, &mut out);
        }
    }
    out
}

fn flatten_update(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            for (key, inner) in fields {
                flatten_update(&format!("{path}.{key}"), inner, out);
            }
        }
        other => out.push((path.to_owned(), other.to_string())),
    }
}

/// The deletions of `delete` as dotted paths: an object's leaves name keys to delete, as a key
/// name or a list of them (`{"stage_args": {"2": ["custom_process_input_func"]}}`).
pub fn deletes(delete: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    match delete {
        Some(Value::Object(fields)) => {
            for (key, value) in fields {
                flatten_delete(key, value, &mut out);
            }
        }
        Some(Value::Array(items)) => out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned)),
        Some(Value::String(path)) => out.push(path.clone()),
        _ => {}
    }
    out
}

fn flatten_delete(path: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                flatten_delete(&format!("{path}.{key}"), inner, out);
            }
        }
        Value::Array(items) => out.extend(items.iter().filter_map(Value::as_str).map(|key| format!("{path}.{key}"))),
        Value::String(key) => out.push(format!("{path}.{key}")),
        _ => out.push(path.to_owned()),
    }
}

/// The scenario of `case`'s server, leaked (see the module documentation).
pub fn leak_scenario(case: &PerfCase) -> &'static Scenario {
    let args: Vec<&'static str> = serve_args(case).into_iter().map(leak).collect();
    let updates: Vec<(&'static str, &'static str)> =
        updates(case.server.update.as_ref()).into_iter().map(|(k, v)| (leak(k), leak(v))).collect();
    let deletes: Vec<&'static str> = deletes(case.server.delete.as_ref()).into_iter().map(leak).collect();
    let mut scenario = Scenario::vllm_omni(leak(case.server.model.clone()))
        .id(leak(case.test_name.clone()))
        .args(leak_list(args))
        .updates(leak_list(updates))
        .deletes(leak_list(deletes));
    if let Some(name) = &case.server.stage_config_name {
        scenario = scenario.deploy_config(leak(name.clone()));
    }
    if !case.server.use_omni {
        scenario = scenario.without_omni();
    }
    Box::leak(Box::new(scenario))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_updates_and_deletes_become_dotted_paths() {
        let update = json!({"async_chunk": true, "stage_args": {"0": {"engine_args.custom_func": "a.b.c"}}});
        assert_eq!(
            updates(Some(&update)),
            [
                ("async_chunk".to_owned(), "true".to_owned()),
                ("stage_args.0.engine_args.custom_func".to_owned(), "\"a.b.c\"".to_owned())
            ]
        );
        let delete = json!({"stage_args": {"2": ["custom_process_input_func"]}});
        assert_eq!(deletes(Some(&delete)), ["stage_args.2.custom_process_input_func"]);
    }
}
