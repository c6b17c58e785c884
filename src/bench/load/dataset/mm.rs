//! The `random-mm` dataset's media: how many items a request carries, of which kind and size,
//! as vLLM's `RandomMultiModalDataset` draws them, made with [`crate::media::synth`].
//!
//! A bucket `(H, W, T)` is an image of `H × W` when `T` is 1 and a video of `T` frames when `T`
//! is more. vLLM has no audio bucket; omnitest reads a bucket with `H = 0` as `W` seconds of
//! speech on `T` channels, so that omni models' audio input can be loaded too.
//!
//! Media are made once per distinct item and cached as files by `media::synth`, so a run uses a
//! small pool of distinct pictures per bucket ([`MEDIA_POOL`]) rather than a new one per
//! request: the server still decodes every item, and generation stays cheap.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use super::DatasetError;
use crate::bench::options::BenchOptions;
use crate::media::synth::{self, AudioOptions, ImageFormat, ImageOptions, VideoOptions};

/// Distinct media per bucket in one run.
pub const MEDIA_POOL: u64 = 8;

/// What a request's media are drawn from.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiModalSpec {
    /// `random_mm_base_items_per_request` (default 1).
    pub base_items: u64,
    /// `random_mm_num_mm_items_range_ratio` (default 0): item counts are uniform in
    /// `[floor(base·(1−r)), ceil(base·(1+r))]`.
    pub range_ratio: f64,
    /// `random_mm_limit_mm_per_prompt`: the most items of each kind in one request.
    pub limits: BTreeMap<MediaKind, u64>,
    /// `random_mm_bucket_config`: the buckets and their probabilities.
    pub buckets: Vec<Bucket>,
}

/// A kind of media item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MediaKind {
    /// A picture.
    Image,
    /// A video.
    Video,
    /// Speech.
    Audio,
}

impl MediaKind {
    fn name(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        }
    }
}

/// One `(H, W, T)` bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// What it makes.
    pub kind: MediaKind,
    /// `H`.
    pub height: u32,
    /// `W`.
    pub width: u32,
    /// `T`.
    pub t: u32,
    /// Its probability (normalised over the buckets in play).
    pub weight: f64,
}

impl MultiModalSpec {
    /// The spec an entry's options give, with vLLM's defaults; an error names the option.
    pub fn from_options(options: &BenchOptions) -> Result<MultiModalSpec, (&'static str, String)> {
        let base_items = match options.get("random_mm_base_items_per_request").filter(|v| !v.is_null()) {
            None => 1,
            Some(v) => v.as_u64().ok_or(("random_mm_base_items_per_request", "expected a whole number".to_owned()))?,
        };
        let range_ratio = match options.get("random_mm_num_mm_items_range_ratio").filter(|v| !v.is_null()) {
            None => 0.0,
            Some(v) => v
                .as_f64()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or(("random_mm_num_mm_items_range_ratio", "expected a number in [0, 1]".to_owned()))?,
        };
        let limits = match options.get("random_mm_limit_mm_per_prompt").filter(|v| !v.is_null()) {
            None => BTreeMap::from([(MediaKind::Image, 255), (MediaKind::Video, 0), (MediaKind::Audio, 0)]),
            Some(value) => parse_limits(value).map_err(|p| ("random_mm_limit_mm_per_prompt", p))?,
        };
        let buckets = match options.get("random_mm_bucket_config").filter(|v| !v.is_null()) {
            None => vec![
                Bucket { kind: MediaKind::Image, height: 256, width: 256, t: 1, weight: 0.5 },
                Bucket { kind: MediaKind::Image, height: 720, width: 1280, t: 1, weight: 0.5 },
                Bucket { kind: MediaKind::Video, height: 720, width: 1280, t: 16, weight: 0.0 },
            ],
            Some(value) => parse_buckets(value).map_err(|p| ("random_mm_bucket_config", p))?,
        };
        if !buckets.iter().any(|b| b.weight > 0.0 && limits.get(&b.kind).copied().unwrap_or(0) > 0) {
            return Err((
                "random_mm_bucket_config",
                "no bucket with a positive probability has a media kind that random_mm_limit_mm_per_prompt allows"
                    .to_owned(),
            ));
        }
        Ok(MultiModalSpec { base_items, range_ratio, limits, buckets })
    }

    /// The buckets of each of `n` requests' items, the same for the same seed.
    pub fn draw(&self, n: usize, seed: u64) -> Vec<Vec<(usize, u64)>> {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x6d6d_5eed);
        let low = (self.base_items as f64 * (1.0 - self.range_ratio)).floor() as u64;
        let high = (self.base_items as f64 * (1.0 + self.range_ratio)).ceil() as u64;
        let allowed: u64 = self.limits.values().sum();
        let mut pool_next: Vec<u64> = vec![0; self.buckets.len()];
        (0..n)
            .map(|_| {
                let count = rng.random_range(low..=high.max(low)).min(allowed);
                let mut used: BTreeMap<MediaKind, u64> = BTreeMap::new();
                let mut items = Vec::new();
                for _ in 0..count {
                    let open: Vec<usize> = (0..self.buckets.len())
                        .filter(|&i| {
                            let b = &self.buckets[i];
                            b.weight > 0.0 && used.get(&b.kind).copied().unwrap_or(0) < self.limit(b.kind)
                        })
                        .collect();
                    let total: f64 = open.iter().map(|&i| self.buckets[i].weight).sum();
                    if open.is_empty() || total <= 0.0 {
                        break;
                    }
                    let mut pick = rng.random::<f64>() * total;
                    let mut chosen = open[open.len() - 1];
                    for &i in &open {
                        pick -= self.buckets[i].weight;
                        if pick < 0.0 {
                            chosen = i;
                            break;
                        }
                    }
                    *used.entry(self.buckets[chosen].kind).or_default() += 1;
                    let variant = pool_next[chosen] % MEDIA_POOL;
                    pool_next[chosen] += 1;
                    items.push((chosen, variant));
                }
                items
            })
            .collect()
    }

    fn limit(&self, kind: MediaKind) -> u64 {
        self.limits.get(&kind).copied().unwrap_or(0)
    }

    /// The chat content part of `bucket`'s item number `variant`.
    pub fn content_part(&self, bucket: usize, variant: u64, seed: u64) -> Result<Value, DatasetError> {
        let b = self.buckets[bucket];
        let media = |e: crate::media::MediaError| {
            DatasetError::Media(format!("{} bucket ({}, {}, {}): {e}", b.kind.name(), b.height, b.width, b.t))
        };
        let item_seed = seed.wrapping_add(variant);
        Ok(match b.kind {
            MediaKind::Image => {
                let image = synth::image_with(ImageOptions {
                    width: b.width,
                    height: b.height,
                    seed: item_seed,
                    format: ImageFormat::Jpeg,
                })
                .map_err(media)?;
                json!({"type": "image_url", "image_url": {"url": image.data_url()}})
            }
            MediaKind::Video => {
                // H.264 needs even sides, as vLLM-Omni's video buckets are made.
                let video = synth::video_with(VideoOptions {
                    width: b.width.max(8) & !1,
                    height: b.height.max(8) & !1,
                    num_frames: b.t,
                    fps: 30,
                    seed: item_seed,
                    embed_audio: false,
                })
                .map_err(media)?;
                json!({"type": "video_url", "video_url": {"url": video.data_url()}})
            }
            MediaKind::Audio => {
                let audio = synth::audio_with(AudioOptions {
                    duration_s: f64::from(b.width),
                    channels: b.t.clamp(1, 8) as u16,
                    sample_rate: 16_000,
                    phrase: format!("test number {variant}"),
                })
                .map_err(media)?;
                json!({"type": "audio_url", "audio_url": {"url": audio.data_url()}})
            }
        })
    }
}

fn parse_limits(value: &Value) -> Result<BTreeMap<MediaKind, u64>, String> {
    let object = match value {
        Value::Object(object) => object.clone(),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            _ => return Err("expected an object such as {\"image\": 1, \"video\": 0}".to_owned()),
        },
        _ => return Err("expected an object such as {\"image\": 1, \"video\": 0}".to_owned()),
    };
    let mut limits = BTreeMap::from([(MediaKind::Image, 0), (MediaKind::Video, 0), (MediaKind::Audio, 0)]);
    for (name, count) in &object {
        let kind = match name.as_str() {
            "image" => MediaKind::Image,
            "video" => MediaKind::Video,
            "audio" => MediaKind::Audio,
            other => return Err(format!("unknown media kind `{other}` (expected image, video, audio)")),
        };
        let count = count.as_u64().ok_or_else(|| format!("`{name}` must be a whole number"))?;
        limits.insert(kind, count);
    }
    Ok(limits)
}

fn parse_buckets(value: &Value) -> Result<Vec<Bucket>, String> {
    let object = match value {
        Value::Object(object) => object.clone(),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            _ => return Err("expected an object such as {\"(256, 256, 1)\": 1.0}".to_owned()),
        },
        _ => return Err("expected an object such as {\"(256, 256, 1)\": 1.0}".to_owned()),
    };
    let mut buckets = Vec::new();
    for (key, weight) in &object {
        let numbers: Vec<u32> = key
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(|n| n.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("bucket `{key}` is not (height, width, frames)"))?;
        let [height, width, t] = numbers[..] else {
            return Err(format!("bucket `{key}` is not (height, width, frames)"));
        };
        let weight = weight
            .as_f64()
            .filter(|w| *w >= 0.0)
            .ok_or_else(|| format!("the probability of bucket `{key}` must be a non-negative number"))?;
        let kind = match (height, t) {
            (0, _) if width > 0 => MediaKind::Audio,
            (h, 1) if h > 0 && width > 0 => MediaKind::Image,
            (h, t) if h > 0 && width > 0 && t > 1 => MediaKind::Video,
            _ => return Err(format!("bucket `{key}` has a zero size or frame count")),
        };
        buckets.push(Bucket { kind, height, width, t, weight });
    }
    if buckets.is_empty() {
        return Err("has no buckets".to_owned());
    }
    Ok(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(options: Value) -> Result<MultiModalSpec, (&'static str, String)> {
        MultiModalSpec::from_options(&BenchOptions::new(options.as_object().cloned().unwrap_or_default()))
    }

    #[test]
    fn buckets_and_limits_follow_vllm() {
        let spec = spec(json!({
            "random_mm_base_items_per_request": 2,
            "random_mm_limit_mm_per_prompt": {"image": 1, "video": 1},
            "random_mm_bucket_config": {"(256, 256, 1)": 0.5, "(720, 1280, 2)": 0.5},
        }))
        .unwrap();
        assert_eq!(spec.buckets[1].kind, MediaKind::Video);
        let draws = spec.draw(200, 3);
        for items in &draws {
            // Two items, at most one of each kind: always one image and one video.
            let mut kinds: Vec<MediaKind> = items.iter().map(|&(b, _)| spec.buckets[b].kind).collect();
            kinds.sort();
            assert_eq!(kinds, [MediaKind::Image, MediaKind::Video]);
        }
        assert!(draws.iter().flatten().all(|&(_, variant)| variant < MEDIA_POOL));
        assert_eq!(spec.draw(5, 9), spec.draw(5, 9));
    }

    #[test]
    fn bad_configs_name_their_option() {
        assert_eq!(spec(json!({"random_mm_bucket_config": {"(1, 2)": 1.0}})).unwrap_err().0, "random_mm_bucket_config");
        assert_eq!(
            spec(json!({"random_mm_limit_mm_per_prompt": {"hologram": 1}})).unwrap_err().1,
            "unknown media kind `hologram` (expected image, video, audio)"
        );
        let none_allowed = spec(json!({"random_mm_limit_mm_per_prompt": {"image": 0}})).unwrap_err();
        assert!(none_allowed.1.starts_with("no bucket with a positive probability"), "{}", none_allowed.1);
    }

    #[test]
    fn a_zero_height_bucket_is_audio() {
        let spec = spec(json!({
            "random_mm_limit_mm_per_prompt": {"audio": 1},
            "random_mm_bucket_config": {"(0, 3, 1)": 1.0},
        }))
        .unwrap();
        assert_eq!(spec.buckets[0].kind, MediaKind::Audio);
        assert_eq!(spec.draw(1, 0)[0].len(), 1);
    }
}
