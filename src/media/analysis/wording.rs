//! Small pieces of English shared by the descriptions.

/// "red", "red and blue", "red, blue and green".
pub(super) fn joined(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [only] => (*only).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "a" or "an", as `word` begins.
pub(super) fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_english() {
        assert_eq!(joined(&[]), "");
        assert_eq!(joined(&["red"]), "red");
        assert_eq!(joined(&["red", "blue"]), "red and blue");
        assert_eq!(joined(&["red", "blue", "green"]), "red, blue and green");
        assert_eq!(article("orange"), "an");
        assert_eq!(article("red"), "a");
    }
}
