//! Scoring: whether an answer names an accepted answer, and what a score says with its
//! uncertainty. With tens of items, an accuracy moves by several points from noise alone; the
//! Wilson interval says how far, so that a regression is called only when the data show one.

use std::fmt;

/// Whether `answer` contains one of `accepted` as whole words, ignoring case and punctuation:
/// "The answer is Paris." matches "paris", "3 squares" matches "3", "13" does not match "3".
pub fn answer_matches(answer: &str, accepted: &[String]) -> bool {
    let words = normalise(answer);
    accepted.iter().any(|expected| {
        let wanted = normalise(expected);
        !wanted.is_empty() && words.windows(wanted.len()).any(|window| window == wanted.as_slice())
    })
}

fn normalise(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Correct answers out of items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    /// Answers that matched.
    pub correct: u32,
    /// Items asked.
    pub total: u32,
}

/// The z value of a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

impl Score {
    /// The accuracy, 0 to 1 (0 for an empty set).
    pub fn accuracy(self) -> f64 {
        if self.total == 0 { 0.0 } else { f64::from(self.correct) / f64::from(self.total) }
    }

    /// The 95% Wilson score interval of the accuracy: unlike the normal approximation, it stays
    /// inside [0, 1] and is honest for small sets and accuracies near 0 or 1.
    pub fn interval_95(self) -> (f64, f64) {
        if self.total == 0 {
            return (0.0, 1.0);
        }
        let n = f64::from(self.total);
        let p = self.accuracy();
        let z2 = Z_95 * Z_95;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z_95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        ((centre - half).max(0.0), (centre + half).min(1.0))
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (low, high) = self.interval_95();
        write!(f, "{}/{} = {:.3} (95% CI {:.3}–{:.3})", self.correct, self.total, self.accuracy(), low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn answers_match_whole_words_only() {
        assert!(answer_matches("The answer is Paris.", &accepted(&["paris"])));
        assert!(answer_matches("I count 3 squares.", &accepted(&["three", "3"])));
        assert!(!answer_matches("There are 13 squares.", &accepted(&["3"])));
        assert!(answer_matches("It is the Red Planet, Mars!", &accepted(&["red planet"])));
        assert!(!answer_matches("reddish", &accepted(&["red"])));
        assert!(!answer_matches("anything", &accepted(&["", "  "])));
    }

    #[test]
    fn wilson_intervals_match_published_values() {
        // Wilson (1927) / Newcombe (1998): 81 of 263 gives 0.2553–0.3662.
        let (low, high) = Score { correct: 81, total: 263 }.interval_95();
        assert!((low - 0.2553).abs() < 5e-4 && (high - 0.3662).abs() < 5e-4, "{low} {high}");
        let (low, high) = Score { correct: 0, total: 10 }.interval_95();
        assert!(low.abs() < 1e-12 && (high - 0.2775).abs() < 5e-4, "{low} {high}");
        let (low, high) = Score { correct: 10, total: 10 }.interval_95();
        assert!((low - 0.7225).abs() < 5e-4 && (high - 1.0).abs() < 1e-12, "{low} {high}");
        assert_eq!(Score { correct: 0, total: 0 }.interval_95(), (0.0, 1.0));
    }
}
