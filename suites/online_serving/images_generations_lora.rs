//! Per-request LoRA on `/v1/images/generations`: the counterpart of the seed's
//! `tests/e2e/online_serving/test_images_generations_lora.py`. The server takes a `lora` object
//! (`{"name", "path", "scale"}`) per request and switches adapters request by request: adapter A,
//! then adapter B, then none, which must give the base image back.
//!
//! The two adapters are written by the test into its own output folder: rank-1 PEFT adapters on
//! Z-Image's first attention `to_qkv` (width 3840, Q, K and V packed), A moving the Q slice and
//! B the K slice, exactly what the seed writes. Nothing is downloaded.
//!
//! As in the seed, images are compared on the blue channel of their bottom-right 3×3 pixels:
//! each adapter must move it clearly (mean difference above the reset drift + 0.5), B must
//! differ from A, and the image after switching back must match the base (max 5, mean 3).
//! These comparisons are the deep checks (advanced_model); at core_model every request must
//! succeed with an image of the requested size, and an adapter path that does not exist must
//! be refused with 400.

use std::path::{Path, PathBuf};

use omnitest::media::Frame;
use omnitest::prelude::*;
use serde_json::{Value, json};

const MODEL: &str = "Tongyi-MAI/Z-Image-Turbo";
const PROMPT: &str = "a photo of a cat sitting on a laptop keyboard";

/// Z-Image-Turbo on one GPU, as the seed starts it.
static ONE_GPU: Scenario = Scenario::vllm_omni(MODEL).args(&["--num-gpus", "1"]);

/// Z-Image's transformer width.
const DIM: usize = 3840;
/// The module both adapters target.
const MODULE: &str = "transformer.layers.0.attention.to_qkv";

/// Writes a rank-1 PEFT adapter for Z-Image into `dir`: `lora_A` picks the first input channel,
/// `lora_B` adds `scales[k]` to every output of slice `k` of Q, K, V.
fn write_zimage_lora(dir: &Path, scales: [f32; 3]) -> Result<PathBuf, TestError> {
    std::fs::create_dir_all(dir)?;
    let mut lora_a = vec![0f32; DIM];
    lora_a[0] = 1.0;
    let lora_b: Vec<f32> = scales.iter().flat_map(|&scale| std::iter::repeat_n(scale, DIM)).collect();
    let tensors = [
        (format!("base_model.model.{MODULE}.lora_A.weight"), vec![1, DIM], lora_a),
        (format!("base_model.model.{MODULE}.lora_B.weight"), vec![3 * DIM, 1], lora_b),
    ];
    std::fs::write(dir.join("adapter_model.safetensors"), safetensors_f32(&tensors))?;
    let config = json!({"r": 1, "lora_alpha": 1, "target_modules": [MODULE]});
    std::fs::write(dir.join("adapter_config.json"), config.to_string())?;
    Ok(dir.to_path_buf())
}

/// A safetensors file of F32 tensors: a little-endian u64 header length, the JSON header
/// (padded with spaces to 8 bytes), then the data.
fn safetensors_f32(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut offset = 0;
    for (name, shape, values) in tensors {
        let end = offset + values.len() * 4;
        header.insert(name.clone(), json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, end]}));
        offset = end;
    }
    let mut header = Value::Object(header).to_string().into_bytes();
    header.resize(header.len().div_ceil(8) * 8, b' ');
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header);
    for (_, _, values) in tensors {
        file.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    }
    file
}

/// The seed's image request: 256×256, 2 steps, no guidance, seed 42; with an adapter if given.
fn payload(model: &str, lora: Option<Value>) -> Value {
    let mut body = json!({
        "model": model, "prompt": PROMPT, "n": 1, "size": "256x256",
        "num_inference_steps": 2, "guidance_scale": 0.0, "seed": 42,
    });
    if let Some(lora) = lora {
        body["lora"] = lora;
    }
    body
}

/// The blue channel of the bottom-right 3×3 pixels.
fn blue_tail(image: &Frame) -> [f64; 9] {
    let mut tail = [0.0; 9];
    for (i, value) in tail.iter_mut().enumerate() {
        let (x, y) = (image.width - 3 + i as u32 % 3, image.height - 3 + i as u32 / 3);
        *value = f64::from(image.pixel(x, y)[2]);
    }
    tail
}

/// Mean and maximum absolute difference of two slices.
fn difference(a: &[f64; 9], b: &[f64; 9]) -> (f64, f64) {
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
    (diffs.iter().sum::<f64>() / 9.0, diffs.iter().copied().fold(0.0, f64::max))
}

omni_test! {
    /// LoRA switched per request: adapter A, adapter B, then none, which restores the base image.
    /// Deploy Setting: default, --num-gpus 1
    /// Input Modal: text (+ a per-request `lora` object naming a local adapter directory)
    /// Output Modal: image
    /// Input Setting: /v1/images/generations, size=256x256, num_inference_steps=2, guidance_scale=0.0, seed=42, lora scale=32
    /// Datasets: 4 sequential requests (base, A, B, base)
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ONE_GPU)]
    fn test_per_request_lora_switching_001(ctx: &TestContext) -> TestResult {
        let (server, client) = (ctx.server()?, ctx.client()?);
        let model = server.model();
        let dir = ctx.output_dir()?;
        let lora_a = write_zimage_lora(&dir.join("zimage_lora_a"), [1.0, 0.0, 0.0])?;
        let lora_b = write_zimage_lora(&dir.join("zimage_lora_b"), [0.0, 2.0, 0.0])?;
        let adapter =
            |name: &str, path: &Path| json!({"name": name, "path": path.display().to_string(), "scale": 32.0});
        let generate = |lora: Option<Value>| -> Result<Frame, TestError> {
            let mut images = client.images_generations(&payload(model, lora))?.images;
            check_eq!(images.len(), 1);
            Ok(images.remove(0))
        };
        let base = blue_tail(&generate(None)?);
        let with_a = blue_tail(&generate(Some(adapter("a", &lora_a)))?);
        let with_b = blue_tail(&generate(Some(adapter("b", &lora_b)))?);
        let reset = blue_tail(&generate(None)?);
        if !client.run_level().validates_deeply() {
            return Ok(());
        }
        let (a_vs_base, _) = difference(&with_a, &base);
        let (b_vs_base, _) = difference(&with_b, &base);
        let (b_vs_a, _) = difference(&with_b, &with_a);
        let (reset_mean, reset_max) = difference(&reset, &base);
        check!(
            reset_max <= 5.0 && reset_mean <= 3.0,
            "switching back to no LoRA did not restore the base image: max {reset_max:.1}, mean {reset_mean:.1} \
             ({reset:?} vs {base:?})"
        );
        let min_delta = reset_mean + 0.5;
        check!(a_vs_base > min_delta, "adapter A barely changes the image: {a_vs_base:.2} <= {min_delta:.2}");
        check!(b_vs_base > min_delta, "adapter B barely changes the image: {b_vs_base:.2} <= {min_delta:.2}");
        check!(b_vs_a > min_delta, "adapters A and B give the same image: {b_vs_a:.2} <= {min_delta:.2}");
        Ok(())
    }

    /// A `lora` whose adapter directory does not exist is refused with 400, and the server
    /// keeps serving.
    /// Deploy Setting: default, --num-gpus 1
    /// Input Modal: text (+ a `lora` object naming a missing directory)
    /// Output Modal: error, then image
    /// Input Setting: /v1/images/generations, size=256x256, num_inference_steps=2
    /// Datasets: 2 sequential requests
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", cards = 1)]
    #[scenarios(ONE_GPU)]
    fn test_missing_lora_001(ctx: &TestContext) -> TestResult {
        let (server, client) = (ctx.server()?, ctx.client()?);
        let missing = ctx.output_dir()?.join("no_such_adapter");
        let lora = json!({"name": "missing", "path": missing.display().to_string(), "scale": 1.0});
        let answer = client.post_json("/v1/images/generations", &payload(server.model(), Some(lora)))?;
        check_http_error(&answer, &[400], &[])?;
        client.images_generations(&payload(server.model(), None))?;
        Ok(())
    }
}
