//! FLAC, 16-bit: encoded with `flacenc`, decoded with `claxon`.

use std::io::Cursor;

use flacenc::bitsink::ByteSink;
use flacenc::component::BitRepr as _;
use flacenc::error::Verify as _;
use flacenc::source::MemSource;

use super::pcm::{to_i16, whole_frames};
use crate::media::{Audio, MediaError};

const BITS_PER_SAMPLE: usize = 16;
/// The FLAC format's channel limit.
const MAX_CHANNELS: u16 = 8;
/// A decoded stream's declared length is only trusted this far when reserving memory, so that
/// a damaged header cannot ask for gigabytes.
const MAX_RESERVED_SAMPLES: u64 = 1 << 24;

/// Encodes audio as 16-bit FLAC.
pub fn encode_flac(audio: &Audio) -> Result<Vec<u8>, MediaError> {
    if !(1..=MAX_CHANNELS).contains(&audio.channels) || audio.sample_rate == 0 {
        return Err(unsupported(format!(
            "FLAC needs 1 to {MAX_CHANNELS} channels and a sample rate above 0, got {} and {}",
            audio.channels, audio.sample_rate
        )));
    }
    let samples: Vec<i32> = whole_frames(audio).iter().map(|&sample| i32::from(to_i16(sample))).collect();
    let source =
        MemSource::from_samples(&samples, usize::from(audio.channels), BITS_PER_SAMPLE, audio.sample_rate as usize);
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, error)| unsupported(format!("the FLAC encoder configuration is invalid: {error}")))?;
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|error| unsupported(format!("the FLAC encoder refused the audio: {error}")))?;
    let mut sink = ByteSink::new();
    stream.write(&mut sink).map_err(|error| unsupported(format!("the FLAC stream could not be written: {error}")))?;
    Ok(sink.into_inner())
}

/// Decodes FLAC of any bit depth to samples in [-1, 1).
pub fn decode_flac(bytes: &[u8]) -> Result<Audio, MediaError> {
    let mut reader = claxon::FlacReader::new(Cursor::new(bytes)).map_err(invalid)?;
    let info = reader.streaminfo();
    let channels = u16::try_from(info.channels)
        .map_err(|_| invalid_detail(format!("{} channels is more than FLAC allows", info.channels)))?;
    if !(1..=32).contains(&info.bits_per_sample) {
        return Err(invalid_detail(format!("{} bits per sample is outside 1 to 32", info.bits_per_sample)));
    }
    let scale = 2f64.powi(info.bits_per_sample as i32 - 1);
    let declared = info.samples.unwrap_or(0).saturating_mul(u64::from(info.channels));
    let mut samples = Vec::with_capacity(declared.min(MAX_RESERVED_SAMPLES) as usize);
    for sample in reader.samples() {
        samples.push((f64::from(sample.map_err(invalid)?) / scale) as f32);
    }
    Ok(Audio { sample_rate: info.sample_rate, channels, samples })
}

fn invalid(error: claxon::Error) -> MediaError {
    invalid_detail(error.to_string())
}

fn invalid_detail(detail: String) -> MediaError {
    MediaError::Invalid { format: "FLAC", detail }
}

fn unsupported(detail: String) -> MediaError {
    MediaError::Unsupported { what: "FLAC encoding", detail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::wav::pcm::SIXTEEN_BIT_ERROR;

    fn sine(sample_rate: u32, channels: u16, frames: usize) -> Audio {
        let samples = (0..frames)
            .flat_map(|frame| {
                let phase = frame as f32 * 440.0 * std::f32::consts::TAU / sample_rate as f32;
                (0..channels).map(move |channel| 0.8 * (phase + f32::from(channel)).sin())
            })
            .collect();
        Audio { sample_rate, channels, samples }
    }

    #[test]
    fn round_trips_stereo_to_sixteen_bit_precision() {
        let audio = sine(22_050, 2, 10_000);
        let flac = encode_flac(&audio).unwrap();
        assert_eq!(&flac[..4], b"fLaC");
        let decoded = decode_flac(&flac).unwrap();
        assert_eq!((decoded.sample_rate, decoded.channels), (22_050, 2));
        assert_eq!(decoded.samples.len(), audio.samples.len());
        let worst = audio.samples.iter().zip(&decoded.samples).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst <= SIXTEEN_BIT_ERROR, "worst difference {worst}");
    }

    #[test]
    fn compresses_silence() {
        let silence = Audio::mono(16_000, vec![0.0; 16_000]);
        assert!(encode_flac(&silence).unwrap().len() < 1_000);
    }

    #[test]
    fn round_trips_empty_audio() {
        let decoded = decode_flac(&encode_flac(&Audio::mono(16_000, Vec::new())).unwrap()).unwrap();
        assert_eq!((decoded.sample_rate, decoded.channels, decoded.samples.len()), (16_000, 1, 0));
    }

    #[test]
    fn rejects_unsupported_layouts() {
        let nine_channels = Audio { sample_rate: 16_000, channels: 9, samples: vec![0.0; 9] };
        let error = encode_flac(&nine_channels).unwrap_err();
        assert!(error.to_string().contains("1 to 8 channels"), "{error}");
        assert!(encode_flac(&Audio::mono(0, vec![0.0])).is_err());
    }

    #[test]
    fn rejects_bytes_that_are_not_flac() {
        let error = decode_flac(b"RIFF\0\0\0\0WAVE").unwrap_err();
        assert!(matches!(error, MediaError::Invalid { format: "FLAC", .. }), "{error}");
    }

    #[test]
    fn rejects_a_truncated_stream() {
        let flac = encode_flac(&sine(16_000, 1, 8_000)).unwrap();
        let result = decode_flac(&flac[..flac.len() / 2]);
        assert!(matches!(result, Err(MediaError::Invalid { format: "FLAC", .. })), "{result:?}");
    }
}
