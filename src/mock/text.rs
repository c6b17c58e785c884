//! The mock's language: a tokenizer whose pieces concatenate back to the text, and
//! deterministic filler that stands in for a model's free text.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

/// Splits text into tokens: a run of letters or digits with the whitespace before it, one
/// punctuation mark (with its whitespace), or one CJK character. Concatenated, the pieces are the
/// text again, so streaming them token by token reproduces it exactly.
pub fn tokenize(text: &str) -> Vec<&str> {
    let is_word = |c: char| c.is_alphanumeric() && !is_cjk(c);
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if is_word(c) {
            while chars.next_if(|&(_, next)| is_word(next) || next == '\'').is_some() {}
        }
        let end = chars.peek().map_or(text.len(), |&(j, _)| j);
        bounds.push((start, end));
        start = end;
    }
    // Trailing whitespace belongs to the last token; whitespace alone is one token.
    match bounds.last_mut() {
        Some(last) => last.1 = text.len(),
        None if !text.is_empty() => bounds.push((0, text.len())),
        None => {}
    }
    bounds.into_iter().map(|(a, b)| &text[a..b]).collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// The number of tokens in `text`.
pub fn count_tokens(text: &str) -> usize {
    tokenize(text).len()
}

const WORDS: &[&str] = &[
    "the",
    "model",
    "answer",
    "shows",
    "a",
    "clear",
    "picture",
    "of",
    "this",
    "request",
    "with",
    "some",
    "detail",
    "and",
    "every",
    "part",
    "is",
    "described",
    "in",
    "order",
    "so",
    "that",
    "readers",
    "can",
    "follow",
    "it",
    "here",
    "we",
    "see",
    "how",
    "data",
    "moves",
    "through",
    "each",
    "stage",
    "before",
    "reaching",
    "output",
    "as",
    "expected",
    "by",
    "users",
    "who",
    "test",
    "servers",
    "daily",
    "while",
    "results",
    "stay",
    "stable",
    "across",
    "runs",
    "because",
    "seeds",
    "fix",
    "what",
    "comes",
    "next",
    "for",
    "any",
    "prompt",
    "given",
    "to",
    "system",
    "under",
    "load",
    "many",
    "streams",
    "share",
    "one",
    "engine",
    "batch",
    "grows",
    "when",
    "more",
    "requests",
    "arrive",
    "at",
    "once",
    "yet",
    "tokens",
    "flow",
    "steadily",
    "from",
    "first",
    "last",
    "without",
    "pause",
];

/// `tokens` tokens of deterministic filler for `seed`: sentences of common words.
pub fn filler(seed: u64, tokens: usize) -> String {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut out = String::new();
    let mut count = 0;
    while count < tokens {
        let sentence_words = rng.random_range(6..14).min(tokens - count);
        for w in 0..sentence_words {
            let word = WORDS[rng.random_range(0..WORDS.len())];
            if !out.is_empty() {
                out.push(' ');
            }
            if w == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push_str(word);
            }
            count += 1;
        }
        if count < tokens {
            out.push('.');
            count += 1;
        }
    }
    out
}

/// What the model says and why it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The text.
    pub text: String,
    /// Its token count.
    pub tokens: usize,
    /// `stop` when the reply ended by itself, `length` when `max_tokens` cut it.
    pub finish_reason: &'static str,
}

/// Composes a reply: what the inputs contain, then filler. `ignore_eos` makes it exactly
/// `max_tokens` long (as benchmarks ask); otherwise it ends by itself after a seeded number of
/// tokens, or at `max_tokens`.
pub fn compose_reply(descriptions: &[String], seed: u64, max_tokens: Option<usize>, ignore_eos: bool) -> Reply {
    let mut text = descriptions.join(" ");
    let natural = count_tokens(&text) + 16 + (seed % 32) as usize;
    let target = match (max_tokens, ignore_eos) {
        (Some(max), true) => max,
        (Some(max), false) => natural.min(max),
        (None, _) => natural,
    };
    let have = count_tokens(&text);
    if have < target {
        let more = filler(seed, target - have);
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&more);
    }
    let pieces = tokenize(&text);
    let tokens = pieces.len().min(target.max(1));
    let text: String = pieces[..tokens].concat();
    let finish_reason =
        if max_tokens.is_some_and(|max| tokens >= max && (ignore_eos || natural > max)) { "length" } else { "stop" };
    Reply { text, tokens, finish_reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_concatenate_back_to_the_text() {
        for text in ["Hello, world! It's 42.", "  leading space", "北京是中国的首都。", "trailing space  ", ""]
        {
            assert_eq!(tokenize(text).concat(), text, "{text:?}");
        }
        assert_eq!(tokenize("Hello, world!"), ["Hello", ",", " world", "!"]);
        assert_eq!(count_tokens("北京 is"), 3);
    }

    #[test]
    fn filler_has_exactly_the_tokens_asked_and_is_deterministic() {
        for n in [1, 2, 7, 50, 900] {
            assert_eq!(count_tokens(&filler(3, n)), n, "n = {n}");
        }
        assert_eq!(filler(5, 30), filler(5, 30));
        assert_ne!(filler(5, 30), filler(6, 30));
    }

    #[test]
    fn ignore_eos_gives_exactly_max_tokens() {
        let reply = compose_reply(&["The image shows 3 squares.".into()], 1, Some(100), true);
        assert_eq!(reply.tokens, 100);
        assert_eq!(count_tokens(&reply.text), 100);
        assert_eq!(reply.finish_reason, "length");
        assert!(reply.text.starts_with("The image shows 3 squares."));
    }

    #[test]
    fn natural_replies_stop_by_themselves() {
        let reply = compose_reply(&[], 9, None, false);
        assert_eq!(reply.finish_reason, "stop");
        let cut = compose_reply(&[], 9, Some(3), false);
        assert_eq!((cut.tokens, cut.finish_reason), (3, "length"));
    }
}
