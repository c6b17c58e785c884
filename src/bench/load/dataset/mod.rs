//! Where a step's requests come from: the `random` dataset (prompt lengths from
//! [`crate::bench::datasets`], exact through a local tokenizer when the config names one),
//! `random-mm` (the same prompts with synthetic media), a JSON-lines `custom` file, and short
//! prompts for diffusion. Everything is made before the run starts, so that the measured run
//! only sends.
//!
//! | module | what |
//! |---|---|
//! | [`tokenizer`] | a local `tokenizer.json` |
//! | [`mm`] | the `random-mm` media |

pub mod mm;
pub mod tokenizer;

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;

use super::spec::{DatasetSpec, StepSpec};
use crate::bench::datasets::{RandomDataset, prompt_of_words};
use tokenizer::PromptTokenizer;

/// One request's input, before it becomes a body.
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    /// The text.
    pub text: String,
    /// Its length in tokens (the tokenizer's count, or the dataset's approximation); the
    /// server's usage replaces it when reported.
    pub prompt_len: u64,
    /// Tokens to ask for.
    pub output_len: u64,
    /// Chat content parts with media (`random-mm`).
    pub media: Vec<Value>,
}

/// Why a dataset cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The `random` settings are unusable.
    #[error(transparent)]
    Lengths(#[from] crate::bench::DatasetError),
    /// The tokenizer cannot be loaded or used.
    #[error("tokenizer {}: {message}", path.display())]
    Tokenizer {
        /// Its file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The dataset file cannot be read.
    #[error("cannot read dataset {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of a JSON-lines dataset is not usable.
    #[error("{}:{line}: {problem}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// Synthetic media could not be made.
    #[error("cannot make synthetic media: {0}")]
    Media(String),
}

/// The prompts of `count` requests for `spec`, the same for the same seed.
pub fn prompts(spec: &StepSpec, count: usize) -> Result<Vec<Prompt>, DatasetError> {
    match &spec.dataset {
        DatasetSpec::Random { lengths, tokenizer } => random(lengths, tokenizer.as_ref(), count, spec.seed),
        DatasetSpec::RandomMultiModal { lengths, tokenizer, media } => {
            let mut prompts = random(lengths, tokenizer.as_ref(), count, spec.seed)?;
            for (prompt, items) in prompts.iter_mut().zip(media.draw(count, spec.seed)) {
                for (bucket, variant) in items {
                    prompt.media.push(media.content_part(bucket, variant, spec.seed)?);
                }
            }
            Ok(prompts)
        }
        DatasetSpec::Custom { path, output_len, tokenizer } => custom(path, *output_len, tokenizer.as_ref(), count),
        DatasetSpec::DiffusionPrompts { words } => {
            let mut rng = StdRng::seed_from_u64(spec.seed);
            Ok((0..count)
                .map(|i| {
                    let offset = rng.random_range(0..1000u64) + i as u64;
                    let text = format!("a picture of {}", prompt_of_words(*words, offset));
                    Prompt { prompt_len: words + 3, text, output_len: 1, media: Vec::new() }
                })
                .collect())
        }
    }
}

fn random(
    lengths: &RandomDataset,
    tokenizer: Option<&PathBuf>,
    count: usize,
    seed: u64,
) -> Result<Vec<Prompt>, DatasetError> {
    let Some(path) = tokenizer else {
        return Ok(lengths
            .requests(count, seed)?
            .into_iter()
            .map(|r| Prompt { text: r.prompt, prompt_len: r.prompt_len, output_len: r.output_len, media: Vec::new() })
            .collect());
    };
    let tokenizer = PromptTokenizer::load(path)?;
    let adjusted = RandomDataset { special_tokens: tokenizer.special_tokens_to_add(), ..*lengths };
    let drawn = adjusted.lengths(count, seed)?;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0ff5e7);
    let (prefix, _) = tokenizer.prompt(lengths.prefix_len, rng.random_range(0..1_000_000))?;
    drawn
        .into_iter()
        .enumerate()
        .map(|(i, (input_len, output_len))| {
            let (body, _) = tokenizer.prompt(input_len, rng.random_range(0..1_000_000) + i as u64)?;
            let text = format!("{prefix}{body}");
            let prompt_len = tokenizer.count(&text)?;
            Ok(Prompt { text, prompt_len, output_len, media: Vec::new() })
        })
        .collect()
}

/// A JSON-lines file of `{"prompt": …}` objects, with an optional `output_tokens` (or
/// `max_tokens`) each; used in order, from the start again when the run needs more.
fn custom(
    path: &PathBuf,
    default_output_len: u64,
    tokenizer: Option<&PathBuf>,
    count: usize,
) -> Result<Vec<Prompt>, DatasetError> {
    let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Read { path: path.clone(), source })?;
    let tokenizer = tokenizer.map(|t| PromptTokenizer::load(t)).transpose()?;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let problem = |problem: String| DatasetError::Line { path: path.clone(), line: index + 1, problem };
        let value: Value = serde_json::from_str(line).map_err(|e| problem(format!("not JSON: {e}")))?;
        let prompt = value
            .get("prompt")
            .and_then(Value::as_str)
            .ok_or_else(|| problem("expected an object with a \"prompt\" string".to_owned()))?;
        let output_len = match value.get("output_tokens").or_else(|| value.get("max_tokens")) {
            None | Some(Value::Null) => default_output_len,
            Some(n) => n
                .as_u64()
                .filter(|&n| n > 0)
                .ok_or_else(|| problem("output_tokens must be a positive whole number".to_owned()))?,
        };
        let prompt_len = match &tokenizer {
            Some(tokenizer) => tokenizer.count(prompt)?,
            None => prompt.split_whitespace().count() as u64,
        };
        lines.push(Prompt { text: prompt.to_owned(), prompt_len, output_len, media: Vec::new() });
    }
    if lines.is_empty() {
        return Err(DatasetError::Line { path: path.clone(), line: 0, problem: "the file has no prompts".to_owned() });
    }
    Ok((0..count).map(|i| lines[i % lines.len()].clone()).collect())
}

#[cfg(test)]
mod tests;
