//! Per-request LoRA adapters, as the mock applies them. The adapter folder must exist and hold an
//! `adapter_config.json`, as vLLM-Omni's loader requires; the content of its files and the scale
//! decide a deterministic colour shift, so two adapters give two different images, and a request
//! without one gives the base image back.

use std::path::Path;

use crate::media::Frame;

/// A loaded adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adapter {
    /// The name the request gave.
    pub name: String,
    /// A hash of the adapter's files, standing in for its weights.
    pub fingerprint: u64,
}

/// Loads the adapter at `path`, as a request names it.
pub fn load(name: &str, path: &Path) -> Result<Adapter, String> {
    let config = path.join("adapter_config.json");
    let text = std::fs::read_to_string(&config)
        .map_err(|e| format!("LoRA adapter `{name}`: cannot read {}: {e}", config.display()))?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("LoRA adapter `{name}`: {} is not JSON: {e}", config.display()))?;
    let mut files: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| format!("LoRA adapter `{name}`: cannot list {}: {e}", path.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|e| format!("LoRA adapter `{name}`: {}: {e}", file.display()))?;
        hasher.update(&bytes);
    }
    Ok(Adapter { name: name.to_owned(), fingerprint: hasher.digest() })
}

/// Shifts `frame`'s colours by the adapter's delta times `scale` (clamped to ±64 per channel).
pub fn apply(frame: &mut Frame, adapter: &Adapter, scale: f64) {
    let deltas = shift(adapter.fingerprint, scale);
    for pixel in frame.rgb.chunks_exact_mut(3) {
        for (value, delta) in pixel.iter_mut().zip(deltas) {
            *value = (i32::from(*value) + delta).clamp(0, 255) as u8;
        }
    }
}

/// The per-channel shift: each channel's unit delta is 1 to 4, signed, from the fingerprint.
fn shift(fingerprint: u64, scale: f64) -> [i32; 3] {
    std::array::from_fn(|c| {
        let bits = (fingerprint >> (c * 8)) & 0xff;
        let unit = 1 + (bits & 0b11) as i32;
        let sign = if bits & 0b100 == 0 { 1 } else { -1 };
        ((f64::from(sign * unit) * scale).round() as i32).clamp(-64, 64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(dir: &Path, weights: &[u8]) -> Adapter {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("adapter_config.json"), r#"{"r": 1}"#).unwrap();
        std::fs::write(dir.join("adapter_model.safetensors"), weights).unwrap();
        load("a", dir).unwrap()
    }

    #[test]
    fn adapters_shift_colours_by_their_content_and_scale() {
        let dir = std::env::temp_dir().join(format!("omnitest-lora-{}", std::process::id()));
        let (a, b) = (adapter(&dir.join("a"), b"q"), adapter(&dir.join("b"), b"k"));
        assert_ne!(a.fingerprint, b.fingerprint);
        let base = Frame::filled(4, 4, [128, 128, 128]);
        let (mut with_a, mut with_b) = (base.clone(), base.clone());
        apply(&mut with_a, &a, 8.0);
        apply(&mut with_b, &b, 8.0);
        assert_ne!(with_a.rgb, base.rgb);
        assert_ne!(with_a.rgb, with_b.rgb);
        let mut unscaled = base.clone();
        apply(&mut unscaled, &a, 0.0);
        assert_eq!(unscaled.rgb, base.rgb);
        let missing = load("gone", &dir.join("missing")).unwrap_err();
        assert!(missing.starts_with("LoRA adapter `gone`: cannot read"), "{missing}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
