//! The `random` dataset of `vllm bench serve`: per-request lengths and synthetic prompts.
//!
//! Lengths follow vLLM's `RandomDataset`: each request's input and output lengths are drawn
//! uniformly from `[floor(L·(1−r)), ceil(L·(1+r))]` (output at least 1), `r` being
//! `random_range_ratio` in [0, 1). vLLM draws from `numpy.default_rng(seed)`; this uses a seeded
//! `StdRng`, so the lengths match vLLM's in distribution, not request by request.
//!
//! Prompts cannot be built from token ids without a tokenizer, so they are made of words from a
//! fixed vocabulary of common lower-case English words, each a single token (with its leading
//! space) in the GPT-2, Llama 3 and Qwen BPE vocabularies: a prompt of `n` words is close to
//! `n` tokens, typically within a few percent. Like vLLM's `(offset + i + j) % vocab`, request
//! `i`'s words start at a random offset and walk the vocabulary, so prompts differ and prefix
//! caching does not collapse them. vLLM re-aligns prompts with the server's `/tokenize`; a
//! load generator that needs exact counts can do the same.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::options::BenchOptions;

/// Common English words that BPE tokenizers keep whole.
const VOCABULARY: [&str; 128] = [
    "the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "at", "by", "from", "his", "her",
    "they", "we", "you", "this", "have", "had", "not", "are", "but", "be", "or", "an", "which", "one", "all", "were",
    "when", "there", "can", "been", "their", "more", "who", "will", "would", "so", "no", "if", "out", "up", "about",
    "into", "than", "them", "some", "time", "only", "other", "new", "like", "also", "then", "two", "first", "its",
    "over", "may", "such", "after", "most", "made", "these", "any", "many", "way", "where", "could", "year", "work",
    "back", "day", "people", "good", "state", "world", "life", "part", "place", "long", "great", "same", "own", "old",
    "high", "last", "found", "home", "water", "city", "game", "hand", "night", "name", "line", "end", "point", "side",
    "head", "house", "school", "family", "group", "book", "word", "show", "small", "large", "light", "music", "car",
    "road", "river", "tree", "door", "room", "table", "paper", "story", "street", "field", "market",
];

/// The `random` dataset's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomDataset {
    /// `random_input_len`: prompt tokens before the range is applied (vLLM's default 1024).
    pub input_len: u64,
    /// `random_output_len`: tokens to generate (default 128).
    pub output_len: u64,
    /// `random_range_ratio`, in [0, 1) (default 0: every request the same length).
    pub range_ratio: f64,
    /// `random_prefix_len`: a fixed random prefix shared by every prompt (default 0).
    pub prefix_len: u64,
    /// Special tokens the tokenizer adds, taken off `input_len` as vLLM does (default 0).
    pub special_tokens: u64,
}

impl Default for RandomDataset {
    fn default() -> Self {
        RandomDataset { input_len: 1024, output_len: 128, range_ratio: 0.0, prefix_len: 0, special_tokens: 0 }
    }
}

/// One synthetic request.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticRequest {
    /// The prompt text.
    pub prompt: String,
    /// Its intended length in tokens: prefix plus body.
    pub prompt_len: u64,
    /// Tokens to ask for (`max_tokens`).
    pub output_len: u64,
}

/// The inclusive ranges lengths are drawn from, as `(lowest, highest)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthRanges {
    /// Prompt tokens.
    pub input: (u64, u64),
    /// Tokens to generate.
    pub output: (u64, u64),
}

/// Settings the `random` dataset cannot use.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DatasetError {
    /// The range ratio is outside [0, 1).
    #[error("random_range_ratio must be in [0, 1), not {0}")]
    RangeRatio(f64),
    /// An option holds something other than a number of the right kind.
    #[error("option `{option}` must be {expected}")]
    Option {
        /// The option.
        option: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

impl RandomDataset {
    /// The settings a benchmark entry gives (`random_input_len`, `random_output_len`,
    /// `random_range_ratio`, `random_prefix_len`, and vLLM's general `input_len`/`output_len`,
    /// which take precedence); vLLM's defaults for the rest.
    pub fn from_options(options: &BenchOptions) -> Result<RandomDataset, DatasetError> {
        let count = |names: &[&'static str], default: u64| -> Result<u64, DatasetError> {
            for &name in names {
                if let Some(value) = options.get(name).filter(|v| !v.is_null()) {
                    return value.as_u64().ok_or(DatasetError::Option { option: name, expected: "a whole number" });
                }
            }
            Ok(default)
        };
        let defaults = RandomDataset::default();
        let range_ratio = match options.get("random_range_ratio").filter(|v| !v.is_null()) {
            Some(value) => {
                value.as_f64().ok_or(DatasetError::Option { option: "random_range_ratio", expected: "a number" })?
            }
            None => defaults.range_ratio,
        };
        Ok(RandomDataset {
            input_len: count(&["input_len", "random_input_len"], defaults.input_len)?,
            output_len: count(&["output_len", "random_output_len"], defaults.output_len)?,
            range_ratio,
            prefix_len: count(&["random_prefix_len"], defaults.prefix_len)?,
            special_tokens: defaults.special_tokens,
        })
    }

    /// The ranges lengths are drawn from.
    pub fn ranges(&self) -> Result<LengthRanges, DatasetError> {
        let r = self.range_ratio;
        if !(0.0..1.0).contains(&r) {
            return Err(DatasetError::RangeRatio(r));
        }
        let input = self.input_len.saturating_sub(self.special_tokens) as f64;
        let output = self.output_len as f64;
        let input_range = ((input * (1.0 - r)).floor() as u64, (input * (1.0 + r)).ceil() as u64);
        let output_range = (((output * (1.0 - r)).floor() as u64).max(1), ((output * (1.0 + r)).ceil() as u64).max(1));
        Ok(LengthRanges { input: input_range, output: output_range })
    }

    /// `n` requests' `(input_len, output_len)`, the same for the same seed.
    pub fn lengths(&self, n: usize, seed: u64) -> Result<Vec<(u64, u64)>, DatasetError> {
        let LengthRanges { input: (input_low, input_high), output: (output_low, output_high) } = self.ranges()?;
        let mut rng = StdRng::seed_from_u64(seed);
        let inputs: Vec<u64> = (0..n).map(|_| rng.random_range(input_low..=input_high)).collect();
        let outputs: Vec<u64> = (0..n).map(|_| rng.random_range(output_low..=output_high)).collect();
        Ok(inputs.into_iter().zip(outputs).collect())
    }

    /// `n` requests with prompts of about their drawn input length, after the shared prefix.
    pub fn requests(&self, n: usize, seed: u64) -> Result<Vec<SyntheticRequest>, DatasetError> {
        let lengths = self.lengths(n, seed)?;
        // A separate stream, so that adding a prefix does not change the lengths.
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0ff5e7);
        let prefix = prompt_of_words(self.prefix_len, rng.random_range(0..VOCABULARY.len() as u64));
        Ok(lengths
            .into_iter()
            .enumerate()
            .map(|(i, (input_len, output_len))| {
                let offset = rng.random_range(0..VOCABULARY.len() as u64) + i as u64;
                let body = prompt_of_words(input_len, offset);
                let prompt = match (prefix.is_empty(), body.is_empty()) {
                    (true, _) => body,
                    (false, true) => prefix.clone(),
                    (false, false) => format!("{prefix} {body}"),
                };
                SyntheticRequest { prompt, prompt_len: self.prefix_len + input_len, output_len }
            })
            .collect())
    }
}

/// About `tokens` tokens of text: that many vocabulary words, starting at word `offset`.
pub fn prompt_of_words(tokens: u64, offset: u64) -> String {
    let size = VOCABULARY.len() as u64;
    (0..tokens).map(|j| VOCABULARY[((offset + j) % size) as usize]).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_vocabulary_has_no_repeats() {
        assert_eq!(VOCABULARY.iter().collect::<HashSet<_>>().len(), VOCABULARY.len());
    }

    #[test]
    fn lengths_stay_in_vllms_ranges() {
        let dataset = RandomDataset { input_len: 100, output_len: 10, range_ratio: 0.25, ..RandomDataset::default() };
        // floor(100·0.75) = 75 … ceil(100·1.25) = 125; floor(10·0.75) = 7 … ceil(10·1.25) = 13.
        assert_eq!(dataset.ranges().unwrap(), LengthRanges { input: (75, 125), output: (7, 13) });
        let lengths = dataset.lengths(5000, 3).unwrap();
        let (inputs, outputs): (Vec<u64>, Vec<u64>) = lengths.into_iter().unzip();
        assert_eq!((inputs.iter().min(), inputs.iter().max()), (Some(&75), Some(&125)));
        assert_eq!((outputs.iter().min(), outputs.iter().max()), (Some(&7), Some(&13)));
        let mean = inputs.iter().sum::<u64>() as f64 / inputs.len() as f64;
        assert!((mean - 100.0).abs() < 1.0, "uniform on 75..=125 has mean 100: {mean}");
    }

    #[test]
    fn output_is_at_least_one_token() {
        let dataset = RandomDataset { output_len: 1, range_ratio: 0.9, ..RandomDataset::default() };
        assert_eq!(dataset.ranges().unwrap().output, (1, 2));
        let zero = RandomDataset { output_len: 0, ..RandomDataset::default() };
        assert_eq!(zero.ranges().unwrap().output, (1, 1));
    }

    #[test]
    fn a_zero_ratio_fixes_every_length() {
        let lengths = RandomDataset::default().lengths(20, 0).unwrap();
        assert!(lengths.iter().all(|&l| l == (1024, 128)));
        assert_eq!(
            RandomDataset { range_ratio: 1.0, ..RandomDataset::default() }.ranges(),
            Err(DatasetError::RangeRatio(1.0))
        );
    }

    #[test]
    fn prompts_have_one_word_per_intended_token() {
        let dataset = RandomDataset { input_len: 50, output_len: 8, prefix_len: 5, ..RandomDataset::default() };
        let requests = dataset.requests(3, 11).unwrap();
        for request in &requests {
            assert_eq!(request.prompt.split(' ').count() as u64, request.prompt_len);
            assert_eq!(request.prompt_len, 55);
            assert_eq!(request.output_len, 8);
        }
        let prefixes: HashSet<_> = requests.iter().map(|r| r.prompt.split(' ').take(5).collect::<Vec<_>>()).collect();
        assert_eq!(prefixes.len(), 1, "the prefix is shared");
        assert_eq!(requests, dataset.requests(3, 11).unwrap(), "same seed, same prompts");
        assert_eq!(prompt_of_words(3, 127), "market the of");
    }

    #[test]
    fn settings_come_from_benchmark_options() {
        let map = serde_json::json!({"random_input_len": 2500, "random_output_len": 900, "random-range-ratio": 0.1});
        let options = BenchOptions::new(map.as_object().cloned().unwrap_or_default());
        let dataset = RandomDataset::from_options(&options).unwrap();
        assert_eq!((dataset.input_len, dataset.output_len, dataset.range_ratio), (2500, 900, 0.1));
        let bad =
            BenchOptions::new(serde_json::json!({"random_input_len": "long"}).as_object().cloned().unwrap_or_default());
        assert_eq!(
            RandomDataset::from_options(&bad),
            Err(DatasetError::Option { option: "random_input_len", expected: "a whole number" })
        );
    }
}
