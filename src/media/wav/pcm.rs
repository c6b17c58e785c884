//! Raw interleaved PCM16, the sample conversion WAV and FLAC share, resampling and down-mixing.

use crate::media::{Audio, MediaError};

/// Raw interleaved 16-bit little-endian PCM, samples clamped to [-1, 1] and scaled by 32767.
pub fn encode_pcm16(audio: &Audio) -> Vec<u8> {
    whole_frames(audio).iter().flat_map(|&sample| to_i16(sample).to_le_bytes()).collect()
}

/// Decodes raw interleaved 16-bit little-endian PCM.
pub fn decode_pcm16(bytes: &[u8], sample_rate: u32, channels: u16) -> Result<Audio, MediaError> {
    if channels == 0 || sample_rate == 0 {
        return Err(MediaError::Unsupported {
            what: "PCM16 layout",
            detail: format!("channels and sample rate must be above 0, got {channels} and {sample_rate}"),
        });
    }
    let frame_len = 2 * usize::from(channels);
    if !bytes.len().is_multiple_of(frame_len) {
        return Err(MediaError::Invalid {
            format: "PCM16",
            detail: format!(
                "{} bytes is not a whole number of {frame_len}-byte frames (2 bytes × {channels} channels)",
                bytes.len()
            ),
        });
    }
    let samples = bytes.chunks_exact(2).map(|pair| from_i16(i16::from_le_bytes([pair[0], pair[1]]))).collect();
    Ok(Audio { sample_rate, channels, samples })
}

/// The samples of every complete frame; a trailing partial frame cannot be interleaved.
pub(super) fn whole_frames(audio: &Audio) -> &[f32] {
    &audio.samples[..audio.frames() * usize::from(audio.channels.max(1))]
}

/// A sample clamped to [-1, 1] and scaled by 32767, so that 1.0 and -1.0 are symmetric.
pub(super) fn to_i16(sample: f32) -> i16 {
    // `as` saturates and maps NaN to 0, so no input sample can panic here.
    (sample.clamp(-1.0, 1.0) * 32_767.0).round() as i16
}

/// How far a sample may move through 16 bits: half a step of rounding at the 32767 scale plus
/// the difference between that scale and the 32768 of decoding.
#[cfg(test)]
pub(super) const SIXTEEN_BIT_ERROR: f32 = 1.5 / 32_767.0;

/// A 16-bit sample in [-1, 1).
pub(super) fn from_i16(sample: i16) -> f32 {
    f32::from(sample) / 32_768.0
}

/// Resamples every channel to `sample_rate` by linear interpolation; a zero rate on either side
/// gives no samples.
pub fn resample(audio: &Audio, sample_rate: u32) -> Audio {
    let channels = usize::from(audio.channels.max(1));
    let frames = audio.frames();
    if sample_rate == audio.sample_rate {
        return audio.clone();
    }
    if sample_rate == 0 || audio.sample_rate == 0 || frames == 0 {
        return Audio { sample_rate, channels: audio.channels, samples: Vec::new() };
    }
    let step = f64::from(audio.sample_rate) / f64::from(sample_rate);
    let out_frames = (frames as f64 / step).round() as usize;
    let mut samples = Vec::with_capacity(out_frames * channels);
    for frame in 0..out_frames {
        let position = frame as f64 * step;
        let before = (position.floor() as usize).min(frames - 1);
        // Past the last input frame there is nothing to interpolate towards: hold it.
        let after = (before + 1).min(frames - 1);
        let weight = (position - before as f64).clamp(0.0, 1.0) as f32;
        for channel in 0..channels {
            let from = audio.samples[before * channels + channel];
            let to = audio.samples[after * channels + channel];
            samples.push(from + (to - from) * weight);
        }
    }
    Audio { sample_rate, channels: audio.channels, samples }
}

/// Mixes every frame down to one channel, the average of its channels.
pub fn to_mono(audio: &Audio) -> Audio {
    let channels = usize::from(audio.channels.max(1));
    let samples =
        audio.samples.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect();
    Audio { sample_rate: audio.sample_rate, channels: 1, samples }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: &[f32], expected: &[f32], tolerance: f32) {
        assert_eq!(actual.len(), expected.len(), "sample counts differ");
        for (index, (a, e)) in actual.iter().zip(expected).enumerate() {
            assert!((a - e).abs() <= tolerance, "sample {index}: {a} vs {e}");
        }
    }

    #[test]
    fn pcm16_round_trips_to_sixteen_bit_precision() {
        let audio = Audio { sample_rate: 16_000, channels: 2, samples: vec![0.0, 0.5, -0.5, 0.999, -1.0, 0.25] };
        let bytes = encode_pcm16(&audio);
        assert_eq!(bytes.len(), 12);
        let decoded = decode_pcm16(&bytes, 16_000, 2).unwrap();
        assert_eq!((decoded.sample_rate, decoded.channels), (16_000, 2));
        assert_close(&decoded.samples, &audio.samples, SIXTEEN_BIT_ERROR);
    }

    #[test]
    fn pcm16_clamps_and_scales_by_32767() {
        let audio = Audio::mono(8_000, vec![2.0, -2.0, 1.0, -1.0, f32::NAN]);
        let values: Vec<i16> =
            encode_pcm16(&audio).chunks_exact(2).map(|pair| i16::from_le_bytes([pair[0], pair[1]])).collect();
        assert_eq!(values, [32_767, -32_767, 32_767, -32_767, 0]);
    }

    #[test]
    fn pcm16_drops_a_partial_trailing_frame() {
        let audio = Audio { sample_rate: 8_000, channels: 2, samples: vec![0.1, 0.2, 0.3] };
        assert_eq!(encode_pcm16(&audio).len(), 4);
    }

    #[test]
    fn pcm16_rejects_a_partial_frame() {
        let error = decode_pcm16(&[0; 6], 8_000, 2).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid PCM16: 6 bytes is not a whole number of 4-byte frames (2 bytes × 2 channels)"
        );
    }

    #[test]
    fn pcm16_rejects_zero_channels_or_rate() {
        assert!(matches!(decode_pcm16(&[], 8_000, 0), Err(MediaError::Unsupported { .. })));
        assert!(matches!(decode_pcm16(&[], 0, 1), Err(MediaError::Unsupported { .. })));
    }

    #[test]
    fn resample_interpolates_linearly() {
        let audio = Audio::mono(4, vec![0.0, 1.0, 0.0, -1.0]);
        let up = resample(&audio, 8);
        assert_eq!(up.sample_rate, 8);
        assert_close(&up.samples, &[0.0, 0.5, 1.0, 0.5, 0.0, -0.5, -1.0, -1.0], 1e-6);
        let down = resample(&audio, 2);
        assert_close(&down.samples, &[0.0, 0.0], 1e-6);
    }

    #[test]
    fn resample_keeps_channels_apart() {
        let audio = Audio { sample_rate: 2, channels: 2, samples: vec![0.0, 1.0, 1.0, 1.0] };
        let up = resample(&audio, 4);
        assert_eq!(up.channels, 2);
        assert_close(&up.samples, &[0.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0], 1e-6);
    }

    #[test]
    fn resample_keeps_the_duration() {
        let audio = Audio::mono(24_000, vec![0.1; 24_000]);
        let resampled = resample(&audio, 16_000);
        assert_eq!(resampled.frames(), 16_000);
        assert!((resampled.duration_s() - 1.0).abs() < 1e-9);
        assert!(resampled.samples.iter().all(|&sample| (sample - 0.1).abs() < 1e-6));
    }

    #[test]
    fn resample_edge_cases() {
        let audio = Audio::mono(8_000, vec![0.5; 10]);
        assert_eq!(resample(&audio, 8_000), audio);
        assert!(resample(&audio, 0).samples.is_empty());
        assert!(resample(&Audio::mono(8_000, Vec::new()), 16_000).samples.is_empty());
    }

    #[test]
    fn to_mono_averages_channels() {
        let audio = Audio { sample_rate: 8_000, channels: 2, samples: vec![1.0, 0.0, -0.5, -0.5, 0.25, 0.75] };
        let mono = to_mono(&audio);
        assert_eq!(mono, Audio::mono(8_000, vec![0.5, -0.5, 0.5]));
        assert_eq!(to_mono(&mono), mono);
    }
}
