//! `random_mm_bucket_config` with ranges in its keys: `{"(128-1024, 128-1024, 1)": 0.5}` is a
//! bucket whose sides are drawn anew for each batch. A drawn bucket with more than one frame is
//! a video, whose sides are drawn even (H.264 needs them so); a bucket of height 0 is audio, as
//! the load generator reads it.

use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

use super::range::IntRange;

/// One bucket key with its weight.
#[derive(Clone, Debug, PartialEq)]
pub struct BucketTemplate {
    /// The key as written.
    pub key: String,
    /// `H`.
    pub height: IntRange,
    /// `W`.
    pub width: IntRange,
    /// `T`: frames (images 1), or channels for audio.
    pub frames: IntRange,
    /// The bucket's probability weight.
    pub weight: f64,
}

impl BucketTemplate {
    /// Reads one `"(H, W, T)"` key, each part a number or `a-b`, with its weight.
    pub fn parse(key: &str, weight: &Value) -> Result<BucketTemplate, String> {
        let inner = key.trim().strip_prefix('(').and_then(|k| k.strip_suffix(')')).unwrap_or(key.trim());
        let parts: Vec<&str> = inner.split(',').collect();
        let [height, width, frames] = parts[..] else {
            return Err(format!("bucket `{key}` is not (height, width, frames)"));
        };
        let part = |text: &str| IntRange::parse_text(text).map_err(|problem| format!("bucket `{key}`: {problem}"));
        let template = BucketTemplate {
            key: key.to_owned(),
            height: part(height)?,
            width: part(width)?,
            frames: part(frames)?,
            weight: weight
                .as_f64()
                .filter(|w| *w >= 0.0)
                .ok_or_else(|| format!("the probability of bucket `{key}` must be a non-negative number"))?,
        };
        if template.height.min == 0 && template.height.max > 0 {
            return Err(format!("bucket `{key}`: a height of 0 means audio, so a height range cannot start at 0"));
        }
        if template.may_be_video() && (template.height.multiples(2).is_none() || template.width.multiples(2).is_none())
        {
            return Err(format!(
                "bucket `{key}` may draw a video, whose sides must be even, but a side has no even value"
            ));
        }
        Ok(template)
    }

    fn may_be_video(&self) -> bool {
        self.height.max > 0 && self.frames.max > 1
    }

    /// The `(H, W, T)` of one batch.
    pub fn draw(&self, rng: &mut StdRng) -> (u64, u64, u64) {
        self.resolve(|range, even| range.draw_multiple(if even { 2 } else { 1 }, rng))
    }

    /// The bucket with each part chosen by `pick(range, even)`: frames first, since they decide
    /// whether the sides must be even.
    fn resolve(&self, mut pick: impl FnMut(&IntRange, bool) -> Option<u64>) -> (u64, u64, u64) {
        let frames = pick(&self.frames, false).unwrap_or(self.frames.max);
        let video = self.height.max > 0 && frames > 1;
        // Sides without an even value are refused when read; the maximum stands in regardless.
        let mut side = |range: &IntRange| pick(range, video).unwrap_or(range.max);
        (side(&self.height), side(&self.width), frames)
    }
}

/// Reads `random_mm_bucket_config`: an object of bucket keys and weights, or the same as a JSON
/// string.
pub fn parse_templates(value: &Value) -> Result<Vec<BucketTemplate>, String> {
    let expected = "expected an object such as {\"(128-1024, 128-1024, 1)\": 1.0}";
    let object: Map<String, Value> = match value {
        Value::Object(object) => object.clone(),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            _ => return Err(expected.to_owned()),
        },
        _ => return Err(expected.to_owned()),
    };
    if object.is_empty() {
        return Err("has no buckets".to_owned());
    }
    object.iter().map(|(key, weight)| BucketTemplate::parse(key, weight)).collect()
}

/// One batch's `random_mm_bucket_config`: each template drawn, as `"(H, W, T)"` keys; weights
/// of templates that drew the same bucket add up.
pub fn draw_config(templates: &[BucketTemplate], rng: &mut StdRng) -> Value {
    collect(templates.iter().map(|template| (template.draw(rng), template.weight)))
}

/// The config with every template at its smallest (`largest == false`) or largest sides, to
/// check before a run that both ends are usable.
pub fn extreme_config(templates: &[BucketTemplate], largest: bool) -> Value {
    collect(templates.iter().map(|template| {
        let bucket = template.resolve(|range, even| {
            let (low, high) = range.multiples(if even { 2 } else { 1 })?;
            Some(if largest { high } else { low })
        });
        (bucket, template.weight)
    }))
}

/// Buckets and weights as a `random_mm_bucket_config` object; weights of equal buckets add up.
fn collect(buckets: impl Iterator<Item = ((u64, u64, u64), f64)>) -> Value {
    let mut config: Map<String, Value> = Map::new();
    for ((height, width, frames), weight) in buckets {
        let key = format!("({height}, {width}, {frames})");
        let total = config.get(&key).and_then(Value::as_f64).unwrap_or(0.0) + weight;
        config.insert(key, json!(total));
    }
    Value::Object(config)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn keys_with_ranges_draw_buckets_within_them() {
        let templates =
            parse_templates(&json!({"(128-1024, 128-1024, 1)": 0.5, "(64-127, 99-101, 2-4)": 0.5, "(0, 2-5, 1)": 1}))
                .unwrap();
        assert_eq!(templates.len(), 3);
        let template = |key: &str| templates.iter().find(|t| t.key == key).unwrap();
        let (image, video, audio) =
            (template("(128-1024, 128-1024, 1)"), template("(64-127, 99-101, 2-4)"), template("(0, 2-5, 1)"));
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..200 {
            let (h, w, t) = image.draw(&mut rng);
            assert!((128..=1024).contains(&h) && (128..=1024).contains(&w) && t == 1);
            let (h, w, t) = video.draw(&mut rng);
            assert!((2..=4).contains(&t));
            assert!(h.is_multiple_of(2) && w.is_multiple_of(2), "video buckets get even sides: ({h}, {w}, {t})");
            assert!((64..=126).contains(&h) && w == 100);
            let (h, w, t) = audio.draw(&mut rng);
            assert!(h == 0 && (2..=5).contains(&w) && t == 1, "audio: ({h}, {w}, {t})");
        }
    }

    #[test]
    fn drawn_configs_are_plain_bucket_keys() {
        let templates = parse_templates(&json!("{\"(256, 256, 1)\": 0.25, \"(256, 200-300, 1)\": 0.75}")).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let drawn = draw_config(&templates, &mut rng);
        let keys: Vec<&String> = drawn.as_object().unwrap().keys().collect();
        assert!(keys.iter().all(|k| k.starts_with("(256, ") && k.ends_with(", 1)")), "{keys:?}");
        let total: f64 = drawn.as_object().unwrap().values().filter_map(Value::as_f64).sum();
        assert_eq!(total, 1.0);
        assert_eq!(extreme_config(&templates, false), json!({"(256, 256, 1)": 0.25, "(256, 200, 1)": 0.75}));
        assert_eq!(extreme_config(&templates, true), json!({"(256, 256, 1)": 0.25, "(256, 300, 1)": 0.75}));
    }

    #[test]
    fn bad_keys_are_named() {
        assert_eq!(
            parse_templates(&json!({"(1-2, 3)": 1})).unwrap_err(),
            "bucket `(1-2, 3)` is not (height, width, frames)"
        );
        assert!(parse_templates(&json!({"(9-3, 3, 1)": 1})).unwrap_err().contains("minimum 9 is above its maximum 3"));
        assert!(parse_templates(&json!({"(127, 128, 8)": 1})).unwrap_err().contains("must be even"));
        assert!(parse_templates(&json!({"(128, 128, 1)": -1})).unwrap_err().contains("non-negative"));
        assert_eq!(parse_templates(&json!({})).unwrap_err(), "has no buckets");
    }
}
