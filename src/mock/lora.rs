//! Per-request LoRA adapters: the `lora` object of image requests, `{"name", "path", "scale"}`.
//!
//! vLLM-Omni loads the adapter directory a request names (PEFT layout: `adapter_config.json`
//! beside the weights) and applies it at the given scale for that request only. The mock does
//! the same honestly: the directory must exist and hold an `adapter_config.json`, else the
//! request fails with 400; the bytes of its files and the scale decide a deterministic
//! perturbation of the image, so two different adapters give two different images, the same
//! adapter gives the same image again, scale 0 changes nothing, and a request without `lora`
//! gives the base image.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::errors::ApiError;
use crate::media::Frame;

/// The file every PEFT adapter directory holds.
const ADAPTER_CONFIG: &str = "adapter_config.json";

/// An adapter loaded for one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Adapter {
    /// The name the request gave it.
    pub name: String,
    /// Its directory.
    pub path: PathBuf,
    /// The scale it is applied at.
    pub scale: f64,
    /// A hash of its files' names and contents.
    pub fingerprint: u64,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message).with_param("lora")
}

/// Reads a `lora` value (an object, or for multipart forms a JSON string) and loads the adapter
/// it names; `null` or absent means none.
pub fn load(value: Option<&Value>) -> Result<Option<Adapter>, ApiError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            Ok(_) | Err(_) => return Err(invalid(format!("lora must be a JSON object, got {text:?}"))),
        },
        Some(Value::Object(object)) => object.clone(),
        Some(other) => return Err(invalid(format!("lora must be an object with name, path and scale, got {other}"))),
    };
    let path = match object.get("path").or_else(|| object.get("local_path")) {
        Some(Value::String(path)) if !path.trim().is_empty() => PathBuf::from(path),
        Some(other) => return Err(invalid(format!("lora.path must be a non-empty string, got {other}"))),
        None => return Err(invalid("lora.path is required: the adapter directory")),
    };
    let name = match object.get("name") {
        None | Some(Value::Null) => path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        Some(Value::String(name)) => name.clone(),
        Some(other) => return Err(invalid(format!("lora.name must be a string, got {other}"))),
    };
    let scale = match object.get("scale") {
        None | Some(Value::Null) => 1.0,
        Some(value) => value
            .as_f64()
            .filter(|s| s.is_finite())
            .ok_or_else(|| invalid(format!("lora.scale must be a number, got {value}")))?,
    };
    let fingerprint = fingerprint(&path)?;
    Ok(Some(Adapter { name, path, scale, fingerprint }))
}

/// Hashes the adapter directory's files, in name order.
fn fingerprint(dir: &Path) -> Result<u64, ApiError> {
    if !dir.exists() {
        return Err(invalid(format!("Failed to load LoRA adapter: the path {} does not exist", dir.display())));
    }
    if !dir.is_dir() {
        return Err(invalid(format!("Failed to load LoRA adapter: {} is not a directory", dir.display())));
    }
    if !dir.join(ADAPTER_CONFIG).is_file() {
        return Err(invalid(format!("Failed to load LoRA adapter: no {ADAPTER_CONFIG} in {}", dir.display())));
    }
    let read_error =
        |err: std::io::Error| invalid(format!("Failed to load LoRA adapter from {}: {err}", dir.display()));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for file in files {
        hasher.update(file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        hasher.update(&std::fs::read(&file).map_err(read_error)?);
    }
    Ok(hasher.digest())
}

/// Applies the adapter to a generated image: a blend towards a pattern its files decide (a
/// colour, and a per-pixel texture around it, so that two adapters differ at every pixel), as
/// strong as its scale (0 leaves the image as it is; 38.4 and above blend 60%).
pub fn apply(frame: &mut Frame, adapter: &Adapter) {
    let strength = (adapter.scale.abs() / 64.0).min(0.6) as f32;
    if strength == 0.0 {
        return;
    }
    let bytes = adapter.fingerprint.to_le_bytes();
    // Channels between 40 and 183 (± 24 of texture): never white, so the blend always shows.
    let tint = [40 + bytes[0] % 144, 40 + bytes[1] % 144, 40 + bytes[2] % 144];
    let width = u64::from(frame.width.max(1));
    for (i, pixel) in frame.rgb.chunks_mut(3).enumerate() {
        let (x, y) = (i as u64 % width, i as u64 / width);
        for (c, (value, base)) in pixel.iter_mut().zip(tint).enumerate() {
            let texture = (mix(adapter.fingerprint ^ (x << 40) ^ (y << 20) ^ c as u64) % 49) as f32 - 24.0;
            let target = f32::from(base) + texture;
            let blended = f32::from(*value) + (target - f32::from(*value)) * strength;
            *value = blended.round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// SplitMix64's finaliser: a well-spread hash of one word.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn adapter_dir(name: &str, weights: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("omnitest-lora-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(ADAPTER_CONFIG), br#"{"r": 1}"#).unwrap();
        std::fs::write(dir.join("adapter_model.safetensors"), weights).unwrap();
        dir
    }

    #[test]
    fn adapters_perturb_images_by_content_and_scale() {
        let a = adapter_dir("a", b"weights a");
        let b = adapter_dir("b", b"weights b");
        let load_dir = |dir: &PathBuf, scale: f64| {
            load(Some(&json!({"name": "x", "path": dir.to_str().unwrap(), "scale": scale}))).unwrap().unwrap()
        };
        let base = Frame::filled(4, 4, [255, 255, 255]);
        let render = |adapter: &Adapter| {
            let mut frame = base.clone();
            apply(&mut frame, adapter);
            frame
        };
        let (with_a, with_b) = (render(&load_dir(&a, 32.0)), render(&load_dir(&b, 32.0)));
        assert_ne!(with_a, base);
        assert_ne!(with_a, with_b);
        assert_eq!(render(&load_dir(&a, 32.0)), with_a, "the same adapter gives the same image");
        assert_eq!(render(&load_dir(&a, 0.0)), base, "scale 0 changes nothing");
        assert_ne!(render(&load_dir(&a, 8.0)), with_a, "the scale matters");
        let from_form = load(Some(&json!(format!("{{\"path\": {:?}, \"scale\": 32}}", a.to_str().unwrap())))).unwrap();
        assert_eq!(from_form.map(|f| f.fingerprint), Some(load_dir(&a, 1.0).fingerprint));
    }

    #[test]
    fn any_two_adapters_differ_in_every_small_patch() {
        // The seed compares adapters on the blue channel of a 3×3 corner: that must differ for
        // any two adapters, not only on average.
        let corner_blue = |fingerprint: u64| {
            let mut frame = Frame::filled(8, 8, [255, 255, 255]);
            apply(&mut frame, &Adapter { name: String::new(), path: PathBuf::new(), scale: 32.0, fingerprint });
            (5..8)
                .flat_map(|y| (5..8).map(move |x| (x, y)))
                .map(|(x, y)| f64::from(frame.pixel(x, y)[2]))
                .collect::<Vec<_>>()
        };
        for seed in 0..200u64 {
            let (a, b) = (corner_blue(mix(seed)), corner_blue(mix(seed + 1000)));
            let mean = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / 9.0;
            assert!(mean > 1.0, "adapters {seed} and {} differ by only {mean:.2}", seed + 1000);
        }
    }

    #[test]
    fn missing_or_malformed_adapters_are_400s() {
        assert_eq!(load(None).unwrap(), None);
        let missing = load(Some(&json!({"name": "m", "path": "/nonexistent/omnitest-lora"}))).unwrap_err();
        assert_eq!(missing.status(), 400);
        assert!(missing.body()["error"]["message"].as_str().unwrap().contains("does not exist"));
        let empty = std::env::temp_dir().join(format!("omnitest-lora-{}-empty", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let err = load(Some(&json!({"path": empty.to_str().unwrap()}))).unwrap_err();
        assert!(err.body()["error"]["message"].as_str().unwrap().contains("no adapter_config.json"));
        assert_eq!(load(Some(&json!({"name": "n"}))).unwrap_err().status(), 400);
        assert_eq!(load(Some(&json!("not json"))).unwrap_err().status(), 400);
    }
}
