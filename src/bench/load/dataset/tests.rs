use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;
use crate::bench::config::PerfConfig;
use crate::bench::load::spec::StepSpec;

/// A 28-token word-level tokenizer (26 words, `[UNK]`, and `[BOS]` added to every sequence).
fn tokenizer_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bench/load/testdata/word_level_tokenizer.json")
}

fn spec(options: serde_json::Value) -> StepSpec {
    let mut entry = json!({"num_prompts": 6, "max_concurrency": 2, "backend": "openai-chat"});
    if let (Some(entry), Some(options)) = (entry.as_object_mut(), options.as_object()) {
        entry.extend(options.clone());
    }
    let case =
        json!([{"test_name": "t", "mark": ["cpu"], "server_params": {"model": "m"}, "benchmark_params": [entry]}]);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bench/load/testdata/virtual.json");
    let config = PerfConfig::parse(&case.to_string(), &file).unwrap();
    let step = &config.steps().unwrap()[0];
    StepSpec::from_step(step, &config.cases[0]).unwrap()
}

#[test]
fn random_prompts_without_a_tokenizer_approximate_one_word_per_token() {
    let prompts = prompts(&spec(json!({"random_input_len": 40, "random_output_len": 7})), 6).unwrap();
    assert_eq!(prompts.len(), 6);
    for prompt in &prompts {
        assert_eq!((prompt.prompt_len, prompt.output_len), (40, 7));
        assert_eq!(prompt.text.split(' ').count(), 40);
    }
}

#[test]
fn a_tokenizer_makes_prompts_of_exact_length() {
    let tokenizer = PromptTokenizer::load(&tokenizer_path()).unwrap();
    assert_eq!(tokenizer.special_tokens_to_add(), 1);
    let options =
        json!({"random_input_len": 21, "random_output_len": 5, "tokenizer": tokenizer_path().display().to_string()});
    let prompts = prompts(&spec(options), 6).unwrap();
    for prompt in &prompts {
        // vLLM takes the special tokens off the requested length: 21 − [BOS] = 20 tokens of text.
        assert_eq!(prompt.prompt_len, 20, "{}", prompt.text);
        assert_eq!(tokenizer.count(&prompt.text).unwrap(), 20);
        assert!(!prompt.text.contains("[BOS]") && !prompt.text.contains("[UNK]"), "{}", prompt.text);
    }
    assert_ne!(prompts[0].text, prompts[1].text, "prompts walk the vocabulary from different offsets");
}

#[test]
fn a_missing_tokenizer_is_named() {
    let options = json!({"random_input_len": 4, "tokenizer": "no/such/tokenizer.json"});
    let error = prompts(&spec(options), 1).unwrap_err().to_string();
    assert!(error.contains("no/such/tokenizer.json") && error.contains("no such file"), "{error}");
}

#[test]
fn custom_files_cycle_and_errors_name_the_line() {
    let dir = std::env::temp_dir().join(format!("omnitest-custom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.jsonl");
    std::fs::write(&good, "{\"prompt\": \"one two three\", \"output_tokens\": 9}\n\n{\"prompt\": \"four\"}\n").unwrap();
    let options = json!({"dataset_name": "custom", "dataset_path": good.display().to_string(), "custom_output_len": 3});
    let prompts = prompts(&spec(options), 3).unwrap();
    assert_eq!(
        prompts.iter().map(|p| (p.text.as_str(), p.prompt_len, p.output_len)).collect::<Vec<_>>(),
        [("one two three", 3, 9), ("four", 1, 3), ("one two three", 3, 9)]
    );
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"prompt\": \"ok\"}\n{\"text\": \"no prompt\"}\n").unwrap();
    let options = json!({"dataset_name": "custom", "dataset_path": bad.display().to_string()});
    let error = super::prompts(&spec(options), 2).unwrap_err().to_string();
    assert_eq!(error, format!("{}:2: expected an object with a \"prompt\" string", bad.display()));
    let _ = std::fs::remove_dir_all(dir);
}
