//! What several offline suites share: reading outputs back and comparing two runs.

use omnitest::media::{Audio, Frame};
use omnitest::prelude::*;

/// The diffusion suites' standard small request: the prompt vLLM-Omni's CI uses, 256x256,
/// `steps` steps, no guidance, seed 42, one image.
pub(crate) fn cat_on_keyboard(steps: u32) -> OfflineRequest {
    OfflineRequest::diffusion("a photo of a cat sitting on a laptop keyboard")
        .size(256, 256)
        .steps(steps)
        .guidance_scale(0.0)
        .seed(42)
        .outputs(1)
}

/// The images among a runner's outputs.
pub(crate) fn images(outputs: &[OfflineOutput]) -> Vec<&Frame> {
    outputs.iter().filter_map(|o| if let OfflineOutput::Image(_, frame) = o { Some(frame) } else { None }).collect()
}

/// The one image a request produced.
pub(crate) fn single_image(outputs: &[OfflineOutput]) -> Result<&Frame, TestError> {
    match images(outputs).as_slice() {
        [image] => Ok(image),
        other => Err(TestError::failure(format!("expected exactly one image, got {}", other.len()))),
    }
}

/// The one audio clip a request produced.
pub(crate) fn single_audio(outputs: &[OfflineOutput]) -> Result<&Audio, TestError> {
    let audios: Vec<&Audio> = outputs
        .iter()
        .filter_map(|o| if let OfflineOutput::Audio(_, audio) = o { Some(audio) } else { None })
        .collect();
    match audios.as_slice() {
        [audio] => Ok(audio),
        other => Err(TestError::failure(format!("expected exactly one audio clip, got {}", other.len()))),
    }
}

/// The text outputs, in order.
pub(crate) fn texts(outputs: &[OfflineOutput]) -> Vec<&str> {
    outputs.iter().filter_map(|o| if let OfflineOutput::Text(text) = o { Some(text.as_str()) } else { None }).collect()
}

/// Mean and largest absolute difference of two same-sized images, per channel, in [0, 1].
pub(crate) fn image_difference(a: &Frame, b: &Frame) -> Result<(f64, f64), TestError> {
    if (a.width, a.height) != (b.width, b.height) {
        return Err(TestError::failure(format!(
            "the images differ in size: {}x{} and {}x{}",
            a.width, a.height, b.width, b.height
        )));
    }
    let (sum, max) = a.rgb.iter().zip(&b.rgb).fold((0u64, 0u8), |(sum, max), (x, y)| {
        let d = x.abs_diff(*y);
        (sum + u64::from(d), max.max(d))
    });
    Ok((sum as f64 / a.rgb.len().max(1) as f64 / 255.0, f64::from(max) / 255.0))
}

/// Fails unless two runs' images agree within `mean` and `max` (differences in [0, 1]).
pub(crate) fn check_images_close(a: &Frame, b: &Frame, mean: f64, max: f64, what: &str) -> TestResult {
    let (mean_diff, max_diff) = image_difference(a, b)?;
    check!(
        mean_diff <= mean && max_diff <= max,
        "{what}: the images differ too much: mean {mean_diff:.3e} (at most {mean:.1e}), max {max_diff:.3e} (at most {max:.1e})"
    );
    Ok(())
}

/// Fails unless two clips have the same shape and agree sample by sample within `tolerance`.
pub(crate) fn check_audio_close(a: &Audio, b: &Audio, tolerance: f32, what: &str) -> TestResult {
    check_eq!(
        (a.sample_rate, a.channels, a.frames()),
        (b.sample_rate, b.channels, b.frames()),
        "{what}: shapes differ"
    );
    let worst = a.samples.iter().zip(&b.samples).fold(0.0f32, |worst, (x, y)| worst.max((x - y).abs()));
    check!(worst <= tolerance, "{what}: samples differ by up to {worst:.3e} (at most {tolerance:.0e})");
    Ok(())
}
