//! Port of `tests/e2e/offline_inference/test_diffusion_lora.py`: a per-request LoRA adapter, written
//! by the test as a PEFT folder, changes Z-Image's output; the same request without it gives the
//! base image back.

use std::path::{Path, PathBuf};

use omnitest::prelude::*;

use super::common::{cat_on_keyboard, check_images_close, image_difference, single_image};

static Z_IMAGE: Scenario = Scenario::offline("Tongyi-MAI/Z-Image-Turbo")
    .args(&["--extra", r#"{"stage_init_timeout": 900, "init_timeout": 900}"#]);

/// Z-Image's transformer width: the adapter's matrices must fit the layer they target.
const DIM: usize = 3840;
const TARGET: &str = "transformer.layers.0.attention.to_qkv";

/// Writes a rank-1 adapter that nudges the query slice of the first attention layer, in the
/// safetensors layout PEFT loaders read.
fn write_adapter(dir: &Path) -> Result<PathBuf, TestError> {
    std::fs::create_dir_all(dir)?;
    let mut lora_a = vec![0f32; DIM];
    lora_a[0] = 1.0;
    let mut lora_b = vec![0f32; 3 * DIM];
    lora_b[..DIM].fill(0.1);
    let tensors = [
        (format!("base_model.model.{TARGET}.lora_A.weight"), vec![1, DIM], lora_a),
        (format!("base_model.model.{TARGET}.lora_B.weight"), vec![3 * DIM, 1], lora_b),
    ];
    std::fs::write(dir.join("adapter_model.safetensors"), safetensors_f32(&tensors))?;
    let config = serde_json::json!({"r": 1, "lora_alpha": 1, "target_modules": [TARGET]});
    std::fs::write(dir.join("adapter_config.json"), config.to_string())?;
    Ok(dir.to_path_buf())
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data.
fn safetensors_f32(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, shape, values) in tensors {
        let start = data.len();
        data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    let mut header = serde_json::Value::Object(header).to_string().into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header);
    file.extend(data);
    file
}

omni_test! {
    /// Base image, then the same seeded request with a LoRA adapter at scale 2 (the image must
    /// change), then without it again (the base image must come back).
    /// Deploy Setting: default
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 2 steps, guidance 0, seed 42; lora_scale 2.0
    /// Datasets: three requests
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4")]
    #[scenarios(Z_IMAGE)]
    fn test_lora_changes_the_image_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let out = ctx.output_dir()?;
        let request = cat_on_keyboard(2);
        let adapter = write_adapter(&out.join("zimage_lora"))?;
        let base = runner.send(&request, &out.join("base"))?;
        let with_lora = runner.send(&request.clone().lora("test", &adapter, 2.0), &out.join("lora"))?;
        let again = runner.send(&request, &out.join("base_again"))?;
        let (mean, _) = image_difference(single_image(&base)?, single_image(&with_lora)?)?;
        check!(mean > 0.0, "the LoRA adapter did not change the image");
        check_images_close(single_image(&base)?, single_image(&again)?, 3.0 / 255.0, 5.0 / 255.0, "base after LoRA")
    }
}
