//! A whole-number option drawn anew for each batch: a number, or a range written
//! `{"min": a, "max": b}`, `[a, b]` or `"a-b"`, as the seed's stability runner accepts them.

use std::fmt;

use rand::RngExt;
use rand::rngs::StdRng;
use serde_json::Value;

use crate::bench::json_path::describe;

/// The inclusive range a value is drawn from; a fixed value has `min == max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntRange {
    /// The smallest value.
    pub min: u64,
    /// The largest value.
    pub max: u64,
}

impl IntRange {
    /// Reads a number or one of the three range forms.
    pub fn parse(value: &Value) -> Result<IntRange, String> {
        let expected = || {
            format!(
                "expected a whole number or a range ({{\"min\": a, \"max\": b}}, [a, b] or \"a-b\"), found {}",
                describe(value)
            )
        };
        let number = |value: &Value| value.as_u64().ok_or_else(expected);
        let (min, max) = match value {
            Value::Number(_) => (number(value)?, number(value)?),
            Value::String(text) => numbers_of(text).ok_or_else(expected)?,
            Value::Array(items) => match items.as_slice() {
                [min, max] => (number(min)?, number(max)?),
                _ => return Err(expected()),
            },
            Value::Object(fields) => {
                if let Some(stray) = fields.keys().find(|k| !["min", "max"].contains(&k.as_str())) {
                    return Err(format!("unknown key `{stray}` in a range (expected min and max)"));
                }
                match (fields.get("min"), fields.get("max")) {
                    (Some(min), Some(max)) => (number(min)?, number(max)?),
                    _ => return Err("a range object needs both `min` and `max`".to_owned()),
                }
            }
            _ => return Err(expected()),
        };
        IntRange::ordered(min, max)
    }

    /// Reads `"a-b"` or `"a"`.
    pub fn parse_text(text: &str) -> Result<IntRange, String> {
        let (min, max) =
            numbers_of(text).ok_or_else(|| format!("`{text}` is not a whole number or a range such as 128-1024"))?;
        IntRange::ordered(min, max)
    }

    fn ordered(min: u64, max: u64) -> Result<IntRange, String> {
        if min > max {
            return Err(format!("the range's minimum {min} is above its maximum {max}"));
        }
        Ok(IntRange { min, max })
    }

    /// A value drawn uniformly from the range.
    pub fn draw(&self, rng: &mut StdRng) -> u64 {
        rng.random_range(self.min..=self.max)
    }

    /// A multiple of `step` drawn uniformly from those in the range; `None` when it has none.
    pub fn draw_multiple(&self, step: u64, rng: &mut StdRng) -> Option<u64> {
        let (low, high) = self.multiples(step)?;
        Some(low + step * rng.random_range(0..=(high - low) / step))
    }

    /// The smallest and largest multiples of `step` (at least 1) in the range.
    pub fn multiples(&self, step: u64) -> Option<(u64, u64)> {
        let step = step.max(1);
        let low = self.min.checked_next_multiple_of(step)?;
        let high = self.max - self.max % step;
        (low <= high).then_some((low, high))
    }
}

/// The two ends of `"a-b"`, or `a` twice for `"a"`.
fn numbers_of(text: &str) -> Option<(u64, u64)> {
    let number = |part: &str| part.trim().parse::<u64>().ok();
    match text.split_once('-') {
        Some((min, max)) => Some((number(min)?, number(max)?)),
        None => number(text).map(|n| (n, n)),
    }
}

impl fmt::Display for IntRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max { write!(f, "{}", self.min) } else { write!(f, "{}-{}", self.min, self.max) }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_four_forms_read_alike() {
        let range = IntRange { min: 128, max: 1024 };
        assert_eq!(IntRange::parse(&json!({"min": 128, "max": 1024})), Ok(range));
        assert_eq!(IntRange::parse(&json!([128, 1024])), Ok(range));
        assert_eq!(IntRange::parse(&json!("128-1024")), Ok(range));
        assert_eq!(IntRange::parse(&json!(" 128 - 1024 ")), Ok(range));
        assert_eq!(IntRange::parse(&json!(512)), Ok(IntRange { min: 512, max: 512 }));
        assert_eq!(IntRange::parse(&json!("512")), Ok(IntRange { min: 512, max: 512 }));
        assert_eq!(range.to_string(), "128-1024");
    }

    #[test]
    fn malformed_ranges_say_what_is_wrong() {
        assert_eq!(IntRange::parse(&json!([9, 3])).unwrap_err(), "the range's minimum 9 is above its maximum 3");
        assert_eq!(IntRange::parse(&json!("900-100")).unwrap_err(), "the range's minimum 900 is above its maximum 100");
        assert_eq!(IntRange::parse(&json!({"min": 1})).unwrap_err(), "a range object needs both `min` and `max`");
        assert!(IntRange::parse(&json!({"low": 1, "max": 2})).unwrap_err().starts_with("unknown key `low`"));
        for bad in [json!("a-b"), json!([1]), json!(-4), json!(1.5), json!(true), json!("1-2-3")] {
            let problem = IntRange::parse(&bad).unwrap_err();
            assert!(problem.starts_with("expected a whole number or a range"), "{bad}: {problem}");
        }
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut rng = StdRng::seed_from_u64(7);
        let range = IntRange { min: 3, max: 6 };
        let draws: Vec<u64> = (0..400).map(|_| range.draw(&mut rng)).collect();
        assert!(draws.iter().all(|v| (3..=6).contains(v)));
        assert!((3..=6).all(|v| draws.contains(&v)), "every value is drawn: {draws:?}");
        let evens: Vec<u64> =
            (0..400).filter_map(|_| IntRange { min: 127, max: 133 }.draw_multiple(2, &mut rng)).collect();
        assert_eq!(evens.len(), 400);
        assert!(evens.iter().all(|v| v.is_multiple_of(2) && (128..=132).contains(v)));
        assert!([128, 130, 132].iter().all(|v| evens.contains(v)));
        assert_eq!(IntRange { min: 127, max: 127 }.draw_multiple(2, &mut rng), None);
        let sixteens: Vec<u64> =
            (0..200).filter_map(|_| IntRange { min: 480, max: 832 }.draw_multiple(16, &mut rng)).collect();
        assert!(sixteens.iter().all(|v| v.is_multiple_of(16) && (480..=832).contains(v)));
        assert!(sixteens.contains(&480) && sixteens.contains(&832));
        assert_eq!(IntRange { min: 481, max: 495 }.multiples(16), None);
        assert_eq!(IntRange { min: 5, max: 9 }.multiples(1), Some((5, 9)));
    }
}
