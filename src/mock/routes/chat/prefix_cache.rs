//! Automatic prefix caching as the thinker does it: a prompt seen before is served from cached
//! blocks of `--block-size` tokens, except the last token, which is always computed again, so
//! `cached_tokens` is a whole number of blocks and at most `prompt_tokens - 1`.
//!
//! The mock caches whole prompts (the same messages and media), not shared prefixes of
//! different prompts: a repeated request gets the hit a real server gives it, and a new prompt
//! that merely starts like an old one gets none (a real server would reuse the shared blocks).
//!
//! Caching is on when stage 0 of the deploy config sets `enable_prefix_caching: true`, or
//! `--stage-overrides '{"0": {"enable_prefix_caching": true}}'` or `--enable-prefix-caching`
//! says so; `--enable-prompt-tokens-details` puts `prompt_tokens_details` in stream usage.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use super::request::{Message, Part};
use crate::mock::config::EffectiveConfig;

/// vLLM's default KV-cache block size.
const DEFAULT_BLOCK_SIZE: u64 = 16;
/// Prompts remembered before the cache starts over (a bound on the mock's memory).
const CAPACITY: usize = 100_000;

/// How the served model caches prompts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheSettings {
    /// Whether stage 0 caches prefixes.
    pub enabled: bool,
    /// Tokens per KV-cache block.
    pub block_size: u64,
    /// Whether usage carries `prompt_tokens_details` (`--enable-prompt-tokens-details`).
    pub details: bool,
}

impl CacheSettings {
    /// The settings the server was started with.
    pub fn of(config: &EffectiveConfig) -> CacheSettings {
        let flags = &config.serve_flags;
        let switch = |name: &str| flags.get(name).and_then(Value::as_bool).unwrap_or(false);
        let from_deploy = config.deploy.as_ref().and_then(|d| stage_zero_setting(&d.document));
        let from_overrides = flags
            .get("stage-overrides")
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|overrides| overrides.get("0")?.get("enable_prefix_caching")?.as_bool());
        let enabled = if switch("no-enable-prefix-caching") {
            false
        } else {
            from_overrides.or(from_deploy).unwrap_or(false) || switch("enable-prefix-caching")
        };
        let block_size = flags
            .get("block-size")
            .and_then(Value::as_str)
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_BLOCK_SIZE);
        CacheSettings { enabled, block_size, details: switch("enable-prompt-tokens-details") }
    }

    /// The tokens of a `prompt_tokens`-long prompt served from the cache, `seen` saying whether
    /// the same prompt came before.
    pub fn cached_tokens(self, prompt_tokens: u64, seen: bool) -> u64 {
        if !self.enabled || !seen {
            return 0;
        }
        prompt_tokens.saturating_sub(1) / self.block_size * self.block_size
    }
}

/// Stage 0's `enable_prefix_caching` in a deploy document (new `stages` or legacy `stage_args`
/// schema).
fn stage_zero_setting(document: &Value) -> Option<bool> {
    let stages = document.get("stages").or_else(|| document.get("stage_args"))?.as_array()?;
    let stage = stages.iter().find(|s| s.get("stage_id").and_then(Value::as_u64) == Some(0)).or(stages.first())?;
    stage
        .get("enable_prefix_caching")
        .or_else(|| stage.get("engine_args")?.get("enable_prefix_caching"))
        .and_then(Value::as_bool)
}

/// A fingerprint of everything a prompt is made of: roles, texts and media, in order.
pub fn fingerprint(messages: &[Message]) -> u64 {
    let mut bytes = Vec::new();
    for message in messages {
        bytes.extend_from_slice(message.role.as_bytes());
        bytes.push(0);
        for part in &message.parts {
            let (kind, content): (u8, &str) = match part {
                Part::Text(text) => (1, text),
                Part::Image(url) => (2, url),
                Part::Audio(url) => (3, url),
                Part::Video(url) => (4, url),
                Part::InputAudio { data, .. } => (5, data),
            };
            bytes.push(kind);
            bytes.extend_from_slice(&(content.len() as u64).to_le_bytes());
            bytes.extend_from_slice(content.as_bytes());
        }
        bytes.push(0xff);
    }
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

/// Records the prompt and says whether it was seen before.
pub fn seen_before(fingerprint: u64) -> bool {
    static SEEN: OnceLock<Mutex<HashSet<u64>>> = OnceLock::new();
    let mut seen = SEEN.get_or_init(Mutex::default).lock().unwrap_or_else(|p| p.into_inner());
    if seen.len() >= CAPACITY {
        seen.clear();
    }
    !seen.insert(fingerprint)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn settings(flags: &[(&str, Value)], deploy: Option<Value>) -> CacheSettings {
        let mut config = crate::mock::config::parse(&["m".to_owned()]).unwrap().config;
        config.serve_flags = flags.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        config.deploy = deploy.map(|document| crate::mock::deploy::DeployConfig {
            path: "deploy.yaml".into(),
            flag: crate::mock::deploy::ConfigFlag::StageConfigs,
            stage_key: Some("stages".into()),
            stages: 1,
            load_formats: vec![Value::Null],
            max_num_seqs: None,
            document,
        });
        CacheSettings::of(&config)
    }

    #[test]
    fn the_deploy_config_and_stage_overrides_switch_caching() {
        assert!(!settings(&[], None).enabled);
        let deploy = json!({"stages": [{"stage_id": 0, "enable_prefix_caching": true}]});
        assert!(settings(&[], Some(deploy.clone())).enabled);
        let off = json!("{\"0\": {\"enable_prefix_caching\": false}}");
        assert!(!settings(&[("stage-overrides", off)], Some(deploy)).enabled);
        let on = json!("{\"0\": {\"enable_prefix_caching\": true}, \"1\": {\"enable_prefix_caching\": true}}");
        let with_flags = settings(
            &[("stage-overrides", on), ("block-size", json!("32")), ("enable-prompt-tokens-details", json!(true))],
            None,
        );
        assert_eq!(with_flags, CacheSettings { enabled: true, block_size: 32, details: true });
    }

    #[test]
    fn cached_tokens_are_whole_blocks_short_of_the_last_token() {
        let on = CacheSettings { enabled: true, block_size: 16, details: true };
        assert_eq!(on.cached_tokens(100, true), 96);
        assert_eq!(on.cached_tokens(96, true), 80);
        assert_eq!(on.cached_tokens(10, true), 0);
        assert_eq!(on.cached_tokens(100, false), 0);
        assert_eq!(CacheSettings { enabled: false, ..on }.cached_tokens(100, true), 0);
    }

    #[test]
    fn a_repeated_prompt_is_a_hit_and_a_different_one_is_not() {
        let message = |text: &str| Message { role: "user".into(), parts: vec![Part::Text(text.into())] };
        let first = fingerprint(&[message("prefix cache test: the same prompt")]);
        assert_ne!(first, fingerprint(&[message("prefix cache test: another prompt")]));
        assert!(!seen_before(first));
        assert!(seen_before(first));
    }
}
