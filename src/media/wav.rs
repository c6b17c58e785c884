//! Audio files: WAV and raw PCM16, FLAC, format sniffing, resampling and down-mixing.
//!
//! Decoding is lenient where real servers differ (streamed headers with unknown sizes, extra
//! chunks before `data`) and strict where the bytes cannot be audio.

mod flac;
mod pcm;
mod riff;
#[cfg(test)]
mod tool_checks;

pub use flac::{decode_flac, encode_flac};
pub use pcm::{decode_pcm16, encode_pcm16, resample, to_mono};
pub use riff::{decode_wav, encode_wav, streaming_wav_header};

use super::{Audio, MediaError};

/// An audio container recognised by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioFormat {
    /// RIFF/WAVE.
    Wav,
    /// Free Lossless Audio Codec.
    Flac,
    /// MPEG-1/2 Layer III, with or without an ID3 tag.
    Mp3,
    /// An Ogg container (Opus or Vorbis).
    Ogg,
}

impl AudioFormat {
    /// The MIME type servers send for this format.
    pub fn mime(&self) -> &'static str {
        match self {
            AudioFormat::Wav => "audio/wav",
            AudioFormat::Flac => "audio/flac",
            AudioFormat::Mp3 => "audio/mpeg",
            AudioFormat::Ogg => "audio/ogg",
        }
    }
}

/// Recognises an audio container by its magic bytes.
pub fn sniff_audio(bytes: &[u8]) -> Option<AudioFormat> {
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE".as_slice()) {
        return Some(AudioFormat::Wav);
    }
    match bytes {
        [b'f', b'L', b'a', b'C', ..] => Some(AudioFormat::Flac),
        [b'O', b'g', b'g', b'S', ..] => Some(AudioFormat::Ogg),
        [b'I', b'D', b'3', ..] => Some(AudioFormat::Mp3),
        // An MPEG audio frame sync with a non-zero layer; layer 0 is AAC's ADTS, not MP3.
        [0xFF, second, ..] if second & 0xE0 == 0xE0 && (second >> 1) & 0b11 != 0 => Some(AudioFormat::Mp3),
        _ => None,
    }
}

/// Decodes WAV or FLAC, recognised by their magic bytes; MP3 and Ogg are `Unsupported`.
pub fn decode_any(bytes: &[u8]) -> Result<Audio, MediaError> {
    match sniff_audio(bytes) {
        Some(AudioFormat::Wav) => decode_wav(bytes),
        Some(AudioFormat::Flac) => decode_flac(bytes),
        Some(other) => Err(MediaError::Unsupported {
            what: "audio format",
            detail: format!("{other:?} ({}) cannot be decoded here; only WAV and FLAC can", other.mime()),
        }),
        None => Err(MediaError::Invalid {
            format: "audio",
            detail: format!("expected WAV (RIFF…WAVE) or FLAC (fLaC) magic bytes, got {}", hex_prefix(bytes)),
        }),
    }
}

/// The first bytes in hex, for messages about unrecognised data.
fn hex_prefix(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "no bytes".to_owned();
    }
    let shown: Vec<String> = bytes.iter().take(12).map(|byte| format!("{byte:02x}")).collect();
    format!("bytes {}", shown.join(" "))
}

#[cfg(test)]
mod tests {
    use super::pcm::SIXTEEN_BIT_ERROR;
    use super::*;

    pub(super) fn tone(sample_rate: u32, channels: u16, frames: usize) -> Audio {
        let samples = (0..frames * usize::from(channels)).map(|index| ((index as f32) * 0.01).sin() * 0.7).collect();
        Audio { sample_rate, channels, samples }
    }

    pub(super) fn assert_close(actual: &Audio, expected: &Audio, tolerance: f32) {
        assert_eq!((actual.sample_rate, actual.channels), (expected.sample_rate, expected.channels));
        assert_eq!(actual.samples.len(), expected.samples.len(), "sample counts differ");
        for (index, (a, e)) in actual.samples.iter().zip(&expected.samples).enumerate() {
            assert!((a - e).abs() <= tolerance, "sample {index}: {a} vs {e}");
        }
    }

    /// A WAV with the given format chunk body and data, and the chunks in `extra` before `data`.

    #[test]
    fn sniffs_formats_by_magic_bytes() {
        assert_eq!(sniff_audio(&encode_wav(&tone(8_000, 1, 4))), Some(AudioFormat::Wav));
        assert_eq!(sniff_audio(b"fLaC\0\0\0\x22"), Some(AudioFormat::Flac));
        assert_eq!(sniff_audio(b"OggS\0\x02"), Some(AudioFormat::Ogg));
        assert_eq!(sniff_audio(b"ID3\x04\0"), Some(AudioFormat::Mp3));
        assert_eq!(sniff_audio(&[0xFF, 0xFB, 0x90, 0x64]), Some(AudioFormat::Mp3));
        assert_eq!(sniff_audio(&[0xFF, 0xF1, 0x50, 0x80]), None, "AAC ADTS is not MP3");
        assert_eq!(sniff_audio(b"RIFF\0\0\0\0AVI "), None);
        assert_eq!(sniff_audio(&[]), None);
    }

    #[test]
    fn decode_any_handles_wav_and_flac_only() {
        let audio = tone(16_000, 1, 320);
        assert_close(&decode_any(&encode_wav(&audio)).unwrap(), &audio, SIXTEEN_BIT_ERROR);
        assert_close(&decode_any(&encode_flac(&audio).unwrap()).unwrap(), &audio, SIXTEEN_BIT_ERROR);
        let error = decode_any(b"OggS\0\x02").unwrap_err();
        assert!(matches!(error, MediaError::Unsupported { .. }), "{error}");
        assert!(error.to_string().contains("Ogg (audio/ogg)"), "{error}");
        let error = decode_any(b"hello").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid audio: expected WAV (RIFF…WAVE) or FLAC (fLaC) magic bytes, \
             got bytes 68 65 6c 6c 6f"
        );
    }
}
