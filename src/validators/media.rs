//! Media checks: sizes, frame counts, rates.

use crate::media::video::VideoInfo;
use crate::media::{Audio, Frame};
use crate::outcome::TestError;

/// An image of positive size, and exactly `width` × `height` when given.
pub fn check_image(image: &Frame, width: Option<u32>, height: Option<u32>) -> Result<(), TestError> {
    if image.width == 0 || image.height == 0 {
        return Err(TestError::failure(format!("the image is {}x{}", image.width, image.height)));
    }
    if width.is_some_and(|w| w != image.width) || height.is_some_and(|h| h != image.height) {
        return Err(TestError::failure(format!(
            "expected a {}x{} image, got {}x{}",
            width.map_or("*".into(), |w| w.to_string()),
            height.map_or("*".into(), |h| h.to_string()),
            image.width,
            image.height
        )));
    }
    Ok(())
}

/// The frame count a video of `requested` frames has: Wan's temporal compression gives
/// `(n // 4) * 4 + 1`.
pub fn expected_frames(requested: u32) -> u32 {
    (requested / 4) * 4 + 1
}

/// A video with the expected size, `|fps − expected| < 1`, and `expected_frames(num_frames)`.
pub fn check_video(
    info: &VideoInfo,
    num_frames: Option<u32>,
    width: Option<u32>,
    height: Option<u32>,
    fps: Option<f64>,
) -> Result<VideoInfo, TestError> {
    let mut problems = Vec::new();
    if width.is_some_and(|w| w != info.width) || height.is_some_and(|h| h != info.height) {
        problems.push(format!(
            "size {}x{} (expected {}x{})",
            info.width,
            info.height,
            width.unwrap_or(info.width),
            height.unwrap_or(info.height)
        ));
    }
    if let Some(fps) = fps
        && (info.fps - fps).abs() >= 1.0
    {
        problems.push(format!("{:.2} fps (expected {fps})", info.fps));
    }
    if let Some(requested) = num_frames
        && info.frames != expected_frames(requested)
    {
        problems.push(format!(
            "{} frames (expected (n // 4) * 4 + 1 = {} for n = {requested})",
            info.frames,
            expected_frames(requested)
        ));
    }
    if info.width == 0 || info.height == 0 || info.frames == 0 {
        problems.push(format!("an empty video ({}x{}, {} frames)", info.width, info.height, info.frames));
    }
    if problems.is_empty() {
        Ok(info.clone())
    } else {
        Err(TestError::failure(format!("the video has {}", problems.join(", "))))
    }
}

/// Peaks below this (−80 dBFS) are silence.
const SILENCE_PEAK: f32 = 1e-4;

/// Audio that carries sound: some frames, a sample rate, and not silence.
pub fn check_sound(audio: &Audio) -> Result<(), TestError> {
    if audio.frames() == 0 || audio.sample_rate == 0 {
        return Err(TestError::failure(format!(
            "the audio is empty ({} frames at {} Hz)",
            audio.frames(),
            audio.sample_rate
        )));
    }
    let peak = audio.samples.iter().fold(0.0f32, |peak, s| peak.max(s.abs()));
    if peak < SILENCE_PEAK {
        return Err(TestError::failure(format!(
            "the audio is silence: {:.2} s with a peak of {peak:.1e} (below −80 dBFS)",
            audio.duration_s()
        )));
    }
    Ok(())
}

/// Generated audio at `level`: frames and a rate at every level (with dummy weights at
/// `core_model` any sound will do); at deep levels also not silence.
pub fn check_audio_output(audio: &Audio, level: crate::registry::Level) -> Result<(), TestError> {
    if level.validates_deeply() {
        return check_sound(audio);
    }
    if audio.frames() == 0 || audio.sample_rate == 0 {
        return Err(TestError::failure(format!(
            "the audio is empty ({} frames at {} Hz)",
            audio.frames(),
            audio.sample_rate
        )));
    }
    Ok(())
}

/// Audio with exactly this rate and channel count, and `duration_s` long (to one sample).
pub fn check_audio(audio: &Audio, sample_rate: u32, channels: u16, duration_s: f64) -> Result<(), TestError> {
    let expected_frames = (duration_s * f64::from(sample_rate)) as usize;
    if audio.sample_rate != sample_rate || audio.channels != channels || audio.frames().abs_diff(expected_frames) > 1 {
        return Err(TestError::failure(format!(
            "expected {sample_rate} Hz × {channels} channel(s) × {expected_frames} frames, got {} Hz × {} × {}",
            audio.sample_rate,
            audio.channels,
            audio.frames()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(width: u32, height: u32, fps: f64, frames: u32) -> VideoInfo {
        VideoInfo {
            width,
            height,
            fps,
            frames,
            duration_s: f64::from(frames) / fps,
            codec: "h264".into(),
            has_audio: false,
        }
    }

    #[test]
    fn frame_rule_and_fps_tolerance() {
        assert_eq!(expected_frames(8), 9);
        assert_eq!(expected_frames(81), 81);
        assert!(check_video(&info(64, 48, 8.0, 9), Some(8), Some(64), Some(48), Some(8.5)).is_ok());
        let err = check_video(&info(64, 48, 8.0, 8), Some(8), Some(64), Some(40), Some(16.0)).unwrap_err();
        assert_eq!(
            err.message(),
            "the video has size 64x48 (expected 64x40), 8.00 fps (expected 16), 8 frames (expected (n // 4) * 4 + 1 = 9 for n = 8)"
        );
    }

    #[test]
    fn silence_and_empty_audio_are_not_sound() {
        assert!(check_sound(&Audio::mono(16_000, vec![0.0, 0.3, -0.2])).is_ok());
        let silent = check_sound(&Audio::mono(16_000, vec![0.0; 16_000])).unwrap_err();
        assert_eq!(silent.message(), "the audio is silence: 1.00 s with a peak of 0.0e0 (below −80 dBFS)");
        assert_eq!(
            check_sound(&Audio::mono(16_000, vec![])).unwrap_err().message(),
            "the audio is empty (0 frames at 16000 Hz)"
        );
    }

    #[test]
    fn image_sizes() {
        let frame = Frame::filled(4, 3, [0, 0, 0]);
        assert!(check_image(&frame, Some(4), Some(3)).is_ok());
        assert_eq!(check_image(&frame, Some(5), None).unwrap_err().message(), "expected a 5x* image, got 4x3");
    }
}
