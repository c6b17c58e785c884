//! The keyword arguments of vLLM-Omni's offline `Omni(...)` that offline scenarios pass (the
//! runners' `--extra JSON`), checked the way the engine rejects bad ones: an unknown name or a
//! value of the wrong kind stops the mock runner at start-up, so a typo in a scenario fails there
//! instead of being silently ignored.

use serde_json::{Map, Value};

/// What a keyword argument takes.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Bool,
    Number,
    Text,
    PositiveInt,
    OneOf(&'static [&'static str]),
    Object,
    ParallelConfig,
}

const KWARGS: &[(&str, Kind)] = &[
    ("cache_backend", Kind::OneOf(&["cache_dit", "tea_cache"])),
    ("cache_config", Kind::Object),
    ("parallel_config", Kind::ParallelConfig),
    ("quantization", Kind::OneOf(&["fp8", "gguf", "int8"])),
    ("dtype", Kind::OneOf(&["auto", "float16", "bfloat16", "float32"])),
    ("enable_cpu_offload", Kind::Bool),
    ("enable_layerwise_offload", Kind::Bool),
    ("enforce_eager", Kind::Bool),
    ("trust_remote_code", Kind::Bool),
    ("log_stats", Kind::Bool),
    ("vae_use_slicing", Kind::Bool),
    ("vae_use_tiling", Kind::Bool),
    ("boundary_ratio", Kind::Number),
    ("flow_shift", Kind::Number),
    ("stage_init_timeout", Kind::Number),
    ("init_timeout", Kind::Number),
    ("batch_timeout", Kind::Number),
    ("num_gpus", Kind::PositiveInt),
    ("seed", Kind::Number),
    ("model_class_name", Kind::Text),
    ("served_model_name", Kind::Text),
];

/// `DiffusionParallelConfig`'s fields.
const PARALLEL_FIELDS: &[(&str, Kind)] = &[
    ("ulysses_degree", Kind::PositiveInt),
    ("ring_degree", Kind::PositiveInt),
    ("cfg_parallel_size", Kind::PositiveInt),
    ("tensor_parallel_size", Kind::PositiveInt),
    ("vae_patch_parallel_size", Kind::PositiveInt),
    ("data_parallel_size", Kind::PositiveInt),
    ("pipeline_parallel_size", Kind::PositiveInt),
    ("use_hsdp", Kind::Bool),
    ("hsdp_shard_size", Kind::PositiveInt),
    ("hsdp_replicate_size", Kind::PositiveInt),
];

/// Parses and checks `--extra`: a JSON object of `Omni(...)` keyword arguments.
pub fn parse(extra: &str) -> Result<Map<String, Value>, String> {
    let value: Value = serde_json::from_str(extra).map_err(|e| format!("--extra is not JSON: {e}"))?;
    let Value::Object(kwargs) = value else {
        return Err(format!("--extra must be a JSON object of Omni keyword arguments, got {value}"));
    };
    check_fields(&kwargs, KWARGS, "Omni()")?;
    Ok(kwargs)
}

fn check_fields(fields: &Map<String, Value>, table: &[(&str, Kind)], owner: &str) -> Result<(), String> {
    for (name, value) in fields {
        let Some((_, kind)) = table.iter().find(|(known, _)| known == name) else {
            let known: Vec<&str> = table.iter().map(|(known, _)| *known).collect();
            return Err(format!(
                "{owner} got an unexpected keyword argument '{name}' (the mock runner knows: {})",
                known.join(", ")
            ));
        };
        check_value(name, value, *kind, owner)?;
    }
    Ok(())
}

fn check_value(name: &str, value: &Value, kind: Kind, owner: &str) -> Result<(), String> {
    let fits = match kind {
        Kind::Bool => value.is_boolean(),
        Kind::Number => value.is_number(),
        Kind::Text => value.is_string(),
        Kind::PositiveInt => value.as_u64().is_some_and(|n| n > 0),
        Kind::OneOf(choices) => value.as_str().is_some_and(|v| choices.contains(&v)),
        Kind::Object => value.is_object(),
        Kind::ParallelConfig => {
            let Some(fields) = value.as_object() else {
                return Err(format!(
                    "{owner}: {name} must be an object of DiffusionParallelConfig fields, got {value}"
                ));
            };
            return check_fields(fields, PARALLEL_FIELDS, "DiffusionParallelConfig()");
        }
    };
    if fits {
        return Ok(());
    }
    let expected = match kind {
        Kind::Bool => "true or false".to_owned(),
        Kind::Number => "a number".to_owned(),
        Kind::Text => "a string".to_owned(),
        Kind::PositiveInt => "a positive integer".to_owned(),
        Kind::OneOf(choices) => format!("one of {}", choices.join(", ")),
        Kind::Object | Kind::ParallelConfig => "an object".to_owned(),
    };
    Err(format!("{owner}: {name} must be {expected}, got {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_engine_arguments_of_the_offline_suites() {
        let extra = r#"{"cache_backend": "tea_cache", "cache_config": {"rel_l1_thresh": 0.2}, "quantization": "fp8",
            "parallel_config": {"ulysses_degree": 2, "ring_degree": 1}, "enable_layerwise_offload": true,
            "boundary_ratio": 0.875, "flow_shift": 5.0, "dtype": "bfloat16"}"#;
        assert_eq!(parse(extra).unwrap().len(), 8);
    }

    #[test]
    fn rejects_unknown_names_and_wrong_kinds() {
        let err = parse(r#"{"cache_backnd": "cache_dit"}"#).unwrap_err();
        assert!(err.starts_with("Omni() got an unexpected keyword argument 'cache_backnd'"), "{err}");
        assert_eq!(
            parse(r#"{"cache_backend": "teacache"}"#).unwrap_err(),
            "Omni(): cache_backend must be one of cache_dit, tea_cache, got \"teacache\""
        );
        assert_eq!(
            parse(r#"{"parallel_config": {"ulysses_degree": 0}}"#).unwrap_err(),
            "DiffusionParallelConfig(): ulysses_degree must be a positive integer, got 0"
        );
        let err = parse(r#"{"parallel_config": {"ulysses": 2}}"#).unwrap_err();
        assert!(err.starts_with("DiffusionParallelConfig() got an unexpected keyword argument 'ulysses'"), "{err}");
        assert_eq!(parse("[1]").unwrap_err(), "--extra must be a JSON object of Omni keyword arguments, got [1]");
    }
}
