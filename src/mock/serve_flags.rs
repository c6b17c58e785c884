//! The `vllm serve … --omni` flags the mock accepts, so a scenario's arguments reach it
//! unchanged. Each is recorded in the effective configuration (`GET /omnitest/config`) so a test
//! can check that its settings arrived; an unknown flag is rejected, as vLLM's argument parser
//! rejects it, so a typo in a scenario fails at start-up instead of being silently ignored.

use std::collections::BTreeMap;

/// Whether a flag takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arity {
    Switch,
    Value,
    /// One or more values, up to the next flag (`--served-model-name a b`).
    Values,
}

/// The vLLM / vLLM-Omni serve flags the suites use.
const FLAGS: &[(&str, Arity)] = &[
    ("--omni", Arity::Switch),
    ("--stage-configs-path", Arity::Value),
    ("--deploy-config", Arity::Value),
    ("--stage-overrides", Arity::Value),
    ("--stage-init-timeout", Arity::Value),
    ("--init-timeout", Arity::Value),
    ("--log-stats", Arity::Switch),
    ("--disable-log-stats", Arity::Switch),
    ("--served-model-name", Arity::Values),
    ("--async-chunk", Arity::Switch),
    ("--no-async-chunk", Arity::Switch),
    ("--block-size", Arity::Value),
    ("--enable-prefix-caching", Arity::Switch),
    ("--no-enable-prefix-caching", Arity::Switch),
    ("--enable-prompt-tokens-details", Arity::Switch),
    ("--max-model-len", Arity::Value),
    ("--max-num-seqs", Arity::Value),
    ("--gpu-memory-utilization", Arity::Value),
    ("--tensor-parallel-size", Arity::Value),
    ("--enforce-eager", Arity::Switch),
    ("--trust-remote-code", Arity::Switch),
    ("--dtype", Arity::Value),
    ("--seed", Arity::Value),
    ("--load-format", Arity::Value),
    ("--num-gpus", Arity::Value),
    ("--usp", Arity::Value),
    ("--ulysses-mode", Arity::Value),
    ("--ring", Arity::Value),
    ("--cfg-parallel-size", Arity::Value),
    ("--vae-patch-parallel-size", Arity::Value),
    ("--vae-parallel-mode", Arity::Value),
    ("--use-hsdp", Arity::Switch),
    ("--hsdp-shard-size", Arity::Value),
    ("--hsdp-replicate-size", Arity::Value),
    ("--text-encoder-tp-size", Arity::Value),
    ("--vae-use-slicing", Arity::Switch),
    ("--vae-use-tiling", Arity::Switch),
    ("--enable-cpu-offload", Arity::Switch),
    ("--enable-layerwise-offload", Arity::Switch),
    ("--cache-backend", Arity::Value),
    ("--cache-config", Arity::Value),
    ("--quantization", Arity::Value),
    ("--diffusion-quantization-config", Arity::Value),
    ("--enable-distributed-layerwise-offload", Arity::Switch),
    ("--diffusion-offload-config", Arity::Value),
    ("--model-class-name", Arity::Value),
    ("--default-sampling-params", Arity::Value),
    ("--lora-path", Arity::Values),
    ("--lora-scale", Arity::Value),
    ("--lora-backend", Arity::Value),
    ("--boundary-ratio", Arity::Value),
    ("--flow-shift", Arity::Value),
    ("--diffusion-attention-backend", Arity::Value),
    ("--enable-lora", Arity::Switch),
    ("--lora-modules", Arity::Values),
    ("--max-lora-rank", Arity::Value),
    ("--chat-template", Arity::Value),
    ("--limit-mm-per-prompt", Arity::Value),
    ("--worker-backend", Arity::Value),
    ("--stage-id", Arity::Value),
    ("--replica-id", Arity::Value),
    ("--omni-master-address", Arity::Value),
    ("--omni-master-port", Arity::Value),
    ("--headless", Arity::Switch),
];

/// Second spellings vLLM-Omni's parser accepts for a flag, recorded under the first spelling
/// (`--ulysses-degree 2` is `--usp 2`).
const ALIASES: &[(&str, &str)] = &[("--ulysses-degree", "--usp"), ("--ring-degree", "--ring")];

/// The flag `name` stands for: itself, or the first spelling of an alias.
fn canonical(name: &str) -> &str {
    ALIASES.iter().find(|(alias, _)| *alias == name).map_or(name, |(_, flag)| flag)
}

/// The serve flags given, in order of appearance: switches map to `true`, valued flags to their
/// value (several values joined by spaces).
pub type ServeFlags = BTreeMap<String, serde_json::Value>;

/// A serve flag the mock does not know, or one missing its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServeFlagError {
    /// Not a flag vLLM-Omni's `serve` takes (as far as the mock knows).
    #[error("unrecognized argument `{0}` (the mock accepts these vllm serve flags: {known})", known = known_flags())]
    Unknown(String),
    /// A flag that takes a value came last.
    #[error("argument `{0}` expects a value")]
    MissingValue(String),
}

fn known_flags() -> String {
    FLAGS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

/// Whether `arg` (without `=value`) is a serve flag.
pub fn is_serve_flag(arg: &str) -> bool {
    let name = canonical(arg.split_once('=').map_or(arg, |(name, _)| name));
    FLAGS.iter().any(|(flag, _)| *flag == name)
}

/// Parses serve flags; `args` must contain only serve flags and their values.
pub fn parse(args: &[String]) -> Result<ServeFlags, ServeFlagError> {
    let mut flags = ServeFlags::new();
    let mut i = 0;
    while i < args.len() {
        let (name, inline) = match args[i].split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (args[i].as_str(), None),
        };
        let name = canonical(name);
        let arity = FLAGS
            .iter()
            .find(|(flag, _)| *flag == name)
            .map(|(_, arity)| *arity)
            .ok_or_else(|| ServeFlagError::Unknown(args[i].clone()))?;
        i += 1;
        let value = match (arity, inline) {
            (Arity::Switch, _) => serde_json::Value::Bool(true),
            (_, Some(value)) => serde_json::Value::String(value),
            (Arity::Value, None) => {
                let value =
                    args.get(i).filter(|v| !v.starts_with("--")).ok_or(ServeFlagError::MissingValue(name.into()))?;
                i += 1;
                serde_json::Value::String(value.clone())
            }
            (Arity::Values, None) => {
                let start = i;
                while i < args.len() && !args[i].starts_with("--") {
                    i += 1;
                }
                if start == i {
                    return Err(ServeFlagError::MissingValue(name.into()));
                }
                serde_json::Value::String(args[start..i].join(" "))
            }
        };
        flags.insert(name.trim_start_matches("--").to_owned(), value);
    }
    Ok(flags)
}

/// Whether `arg` is a serve flag that consumes the next argument (for splitting a command line).
pub fn takes_value(arg: &str) -> bool {
    !arg.contains('=') && FLAGS.iter().any(|(flag, arity)| *flag == canonical(arg) && *arity != Arity::Switch)
}

/// Whether `arg` is a flag taking one or more values.
pub fn takes_values(arg: &str) -> bool {
    !arg.contains('=') && FLAGS.iter().any(|(flag, arity)| *flag == canonical(arg) && *arity == Arity::Values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn records_switches_values_and_lists() {
        let flags =
            parse(&args("--omni --usp 2 --served-model-name a b --cache-config={\"x\":1} --enforce-eager")).unwrap();
        assert_eq!(flags["omni"], true);
        assert_eq!(flags["usp"], "2");
        assert_eq!(flags["served-model-name"], "a b");
        assert_eq!(flags["cache-config"], "{\"x\":1}");
        assert_eq!(flags["enforce-eager"], true);
        let prefix = parse(&args("--no-async-chunk --block-size 16 --enable-prompt-tokens-details")).unwrap();
        assert_eq!((prefix["no-async-chunk"].clone(), prefix["block-size"].clone()), (true.into(), "16".into()));
    }

    #[test]
    fn aliases_are_recorded_under_the_first_spelling() {
        let flags = parse(&args("--ulysses-degree 2 --ring-degree=2")).unwrap();
        assert_eq!((flags["usp"].as_str(), flags["ring"].as_str()), (Some("2"), Some("2")));
        assert!(is_serve_flag("--ulysses-degree") && takes_value("--ring-degree"));
    }

    #[test]
    fn rejects_unknown_flags_and_missing_values() {
        assert!(matches!(parse(&args("--ulysses 2")), Err(ServeFlagError::Unknown(_))));
        assert_eq!(parse(&args("--usp")), Err(ServeFlagError::MissingValue("--usp".into())));
        assert_eq!(parse(&args("--usp --omni")), Err(ServeFlagError::MissingValue("--usp".into())));
    }
}
