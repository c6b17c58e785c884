//! Text comparison as the seed's validators do it: normalise (number words to digits, no
//! punctuation, collapsed whitespace, no spaces between CJK characters, lower case), then a
//! character-3-gram cosine scaled by how alike the lengths are.

use std::collections::HashMap;

const NUMBER_WORDS: [&str; 11] =
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

/// Normalises text for comparison.
pub fn normalize(text: &str) -> String {
    let lowered = text.to_lowercase();
    let mut words = Vec::new();
    for word in lowered.split(|c: char| c.is_whitespace() || is_punctuation(c)).filter(|w| !w.is_empty()) {
        match NUMBER_WORDS.iter().position(|n| *n == word) {
            Some(digit) => words.push(digit.to_string()),
            None => words.push(word.to_owned()),
        }
    }
    // Spaces between CJK characters carry no meaning (transcribers insert them at random).
    let mut out = String::new();
    for word in words {
        let joins = out.chars().last().is_some_and(is_cjk) && word.chars().next().is_some_and(is_cjk);
        if !out.is_empty() && !joins {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '。' | '，'
                | '、'
                | '！'
                | '？'
                | '；'
                | '：'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '（'
                | '）'
                | '《'
                | '》'
                | '…'
                | '—'
        )
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Cosine of character-3-gram count vectors, times `2·min(len) / (len1 + len2)`. 0 when either
/// text is shorter than 3 characters.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    fn grams(text: &[char]) -> HashMap<&[char], f64> {
        let mut counts: HashMap<&[char], f64> = HashMap::new();
        for gram in text.windows(3) {
            *counts.entry(gram).or_insert(0.0) += 1.0;
        }
        counts
    }
    let (ga, gb) = (grams(&a), grams(&b));
    let dot: f64 = ga.iter().map(|(g, n)| n * gb.get(g).unwrap_or(&0.0)).sum();
    let norm = |g: &HashMap<&[char], f64>| g.values().map(|n| n * n).sum::<f64>().sqrt();
    let (na, nb) = (norm(&ga), norm(&gb));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let (la, lb) = (a.len() as f64, b.len() as f64);
    dot / (na * nb) * (2.0 * la.min(lb) / (la + lb))
}

/// Whether two texts say the same: for short texts (≤ 15 characters) the shorter, without
/// punctuation, must be inside the longer; otherwise the similarity must exceed `threshold`.
/// Returns the similarity used, for messages.
pub fn consistent(expected: &str, actual: &str, threshold: f64) -> (bool, f64) {
    let (e, a) = (normalize(expected), normalize(actual));
    if e.chars().count() <= 15 || a.chars().count() <= 15 {
        let (short, long) = if e.len() <= a.len() { (&e, &a) } else { (&a, &e) };
        return (!short.is_empty() && long.contains(short.as_str()), similarity(&e, &a));
    }
    let score = similarity(&e, &a);
    (score > threshold, score)
}

/// Whether `text` contains any of `words` (case-insensitively).
pub fn contains_any(text: &str, words: &[String]) -> bool {
    let text = text.to_lowercase();
    words.iter().any(|w| text.contains(&w.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize("Hello, World!  It's  TWO o'clock."), "hello world it s 2 o clock");
        assert_eq!(normalize("北京 是 中国的首都。"), "北京是中国的首都");
    }

    #[test]
    fn similarity_is_one_for_equal_texts_and_penalises_length() {
        assert!((similarity("the quick brown fox", "the quick brown fox") - 1.0).abs() < 1e-12);
        let half = similarity("abcdefgh", "abcdefghabcdefgh");
        assert!(half < 0.9 && half > 0.5, "{half}");
        assert_eq!(similarity("ab", "ab"), 0.0);
        assert!(similarity("beijing is the capital", "paris is a city in france") < 0.5);
    }

    #[test]
    fn short_texts_use_containment() {
        assert!(consistent("test", "This is a test recording", 0.8).0);
        assert!(!consistent("hello", "goodbye world", 0.8).0);
        let (ok, score) = consistent(
            "Beijing is the capital of China and a very large city.",
            "beijing is the capital of china and a very large city",
            0.8,
        );
        assert!(ok && score > 0.99, "{score}");
    }
}
