//! A local `tokenizer.json` (Hugging Face `tokenizers` format), for prompts of exact token
//! lengths: vLLM builds random prompts from token ids and re-encodes them, and so does this.

use std::path::{Path, PathBuf};

use tokenizers::Tokenizer;

use super::DatasetError;

/// A loaded tokenizer and the ids random prompts may use.
pub struct PromptTokenizer {
    inner: Tokenizer,
    /// Ids of ordinary tokens: special tokens never appear in random prompts.
    ordinary: Vec<u32>,
    /// The file it came from.
    pub path: PathBuf,
}

impl std::fmt::Debug for PromptTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptTokenizer").field("path", &self.path).field("ordinary", &self.ordinary.len()).finish()
    }
}

impl PromptTokenizer {
    /// Loads `path`, a `tokenizer.json` or a folder holding one.
    pub fn load(path: &Path) -> Result<PromptTokenizer, DatasetError> {
        let file = if path.is_dir() { path.join("tokenizer.json") } else { path.to_owned() };
        let error = |message: String| DatasetError::Tokenizer { path: file.clone(), message };
        if !file.is_file() {
            return Err(error("no such file (give a tokenizer.json or the folder that holds it)".to_owned()));
        }
        let inner = Tokenizer::from_file(&file).map_err(|e| error(e.to_string()))?;
        let special: std::collections::HashSet<u32> =
            inner.get_added_tokens_decoder().into_iter().filter(|(_, token)| token.special).map(|(id, _)| id).collect();
        let size = u32::try_from(inner.get_vocab_size(false)).unwrap_or(u32::MAX);
        let ordinary: Vec<u32> = (0..size).filter(|id| !special.contains(id)).collect();
        if ordinary.is_empty() {
            return Err(error("the vocabulary has no ordinary tokens".to_owned()));
        }
        Ok(PromptTokenizer { inner, ordinary, path: file })
    }

    /// Tokens in `text`, without special tokens.
    pub fn count(&self, text: &str) -> Result<u64, DatasetError> {
        Ok(self.encode(text)?.len() as u64)
    }

    /// Special tokens the tokenizer adds to a single sequence (vLLM subtracts them from the
    /// requested input length).
    pub fn special_tokens_to_add(&self) -> u64 {
        use tokenizers::PostProcessor;
        self.inner.get_post_processor().map_or(0, |p| p.added_tokens(false) as u64)
    }

    fn encode(&self, text: &str) -> Result<Vec<u32>, DatasetError> {
        self.inner
            .encode(text, false)
            .map(|encoding| encoding.get_ids().to_vec())
            .map_err(|e| DatasetError::Tokenizer { path: self.path.clone(), message: e.to_string() })
    }

    fn decode(&self, ids: &[u32]) -> Result<String, DatasetError> {
        self.inner
            .decode(ids, false)
            .map_err(|e| DatasetError::Tokenizer { path: self.path.clone(), message: e.to_string() })
    }

    /// A prompt of `len` tokens whose ids walk the vocabulary from `offset`, as vLLM's random
    /// dataset builds them: decoded, re-encoded, and cut or topped up until the count is right
    /// (at most ten rounds). Returns the text and its actual token count.
    pub fn prompt(&self, len: u64, offset: u64) -> Result<(String, u64), DatasetError> {
        let size = self.ordinary.len() as u64;
        let id_at = |j: u64| self.ordinary[((offset + j) % size) as usize];
        let target = usize::try_from(len).unwrap_or(usize::MAX);
        let mut ids: Vec<u32> = (0..len).map(id_at).collect();
        let mut text = self.decode(&ids)?;
        for round in 0..10u64 {
            let encoded = self.encode(&text)?;
            if encoded.len() == target {
                return Ok((text, len));
            }
            ids = encoded;
            if ids.len() > target {
                ids.truncate(target);
            } else {
                let missing = (target - ids.len()) as u64;
                ids.extend((0..missing).map(|j| id_at(len + round * 7 + j)));
            }
            text = self.decode(&ids)?;
        }
        let count = self.count(&text)?;
        Ok((text, count))
    }
}
