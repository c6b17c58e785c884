//! How many frames an audio segment holds, read from its header rather than by decoding it:
//! a streamed omni answer carries one base64 WAV per second or so of speech.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::bench::stream::{AudioChunk, AudioFormat};

/// The sample format of a segment without a header: vLLM-Omni's default, 24 kHz mono 16-bit.
pub const RAW_PCM: AudioFormat = AudioFormat { sample_rate: 24_000, channels: 1, sample_width: 2 };

/// How much of a segment is decoded to read its header: a WAV's `fmt ` and `data` headers sit
/// in its first 44 bytes unless other chunks come first.
const HEADER_CHARS: usize = 256;

/// The frames and format of one base64 audio segment: a WAV (only its header decoded: the frame
/// count follows from the encoded length), a FLAC (decoded), or raw 16-bit PCM in [`RAW_PCM`].
/// `None` when it is not base64 or not audio. The samples are counted, not checked: a segment
/// is one to two seconds of audio, and decoding it all would be most of the client's work.
pub fn segment(base64: &str) -> Option<AudioChunk> {
    let base64 = base64.trim();
    let total = decoded_len(base64)?;
    let head_chars = base64.len().min(HEADER_CHARS) / 4 * 4;
    let head = STANDARD.decode(&base64[..head_chars]).ok()?;
    if head.starts_with(b"RIFF") {
        if let Some(chunk) = wav_chunk(&head, total) {
            return Some(chunk);
        }
        // Chunks before `data` pushed it past the decoded head: decode the whole segment.
        let bytes = STANDARD.decode(base64).ok()?;
        return wav_chunk(&bytes, bytes.len());
    }
    if head.starts_with(b"fLaC") {
        let bytes = STANDARD.decode(base64).ok()?;
        let audio = crate::media::wav::decode_any(&bytes).ok()?;
        let format = AudioFormat { sample_rate: audio.sample_rate, channels: audio.channels, sample_width: 2 };
        return Some(AudioChunk { frames: audio.frames() as u64, format });
    }
    let frame_bytes = u64::from(RAW_PCM.channels) * u64::from(RAW_PCM.sample_width);
    Some(AudioChunk { frames: total as u64 / frame_bytes, format: RAW_PCM })
}

/// The length of the bytes `base64` encodes, or `None` when it cannot be standard base64.
fn decoded_len(base64: &str) -> Option<usize> {
    if !base64.len().is_multiple_of(4) || base64.is_empty() {
        return None;
    }
    let padding = base64.bytes().rev().take(2).filter(|&b| b == b'=').count();
    Some(base64.len() / 4 * 3 - padding)
}

/// A WAV's format and frame count from its `fmt ` and `data` chunk headers in `head`, the
/// start of a file of `total` bytes; a `data` size of zero or `0xFFFFFFFF` (a streamed header)
/// means "to the end of the file". `None` when the headers are not all in `head`.
fn wav_chunk(head: &[u8], total: usize) -> Option<AudioChunk> {
    let u16_at = |at: usize| head.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |at: usize| head.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut format = None;
    let mut offset = 12;
    while let (Some(id), Some(size)) = (head.get(offset..offset + 4), u32_at(offset + 4)) {
        let body = offset + 8;
        if id == b"fmt " {
            let channels = u16_at(body + 2)?;
            let sample_rate = u32_at(body + 4)?;
            let bits = u16_at(body + 14)?;
            format = Some(AudioFormat { sample_rate, channels, sample_width: bits.div_ceil(8) });
        } else if id == b"data" {
            let format = format?;
            let available = total.saturating_sub(body) as u64;
            let declared = u64::from(size);
            let data = if size == 0 || size == u32::MAX { available } else { declared.min(available) };
            let frame_bytes = u64::from(format.channels) * u64::from(format.sample_width);
            return (frame_bytes > 0).then(|| AudioChunk { frames: data / frame_bytes, format });
        }
        // Chunks are padded to an even length.
        offset = body + size as usize + (size as usize & 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::Audio;
    use crate::media::wav::encode_wav;

    #[test]
    fn wav_segments_are_counted_from_their_header() {
        let wav = encode_wav(&Audio { sample_rate: 24_000, channels: 2, samples: vec![0.0; 2 * 12_000] });
        let chunk = segment(&STANDARD.encode(&wav)).unwrap();
        assert_eq!(chunk.frames, 12_000);
        assert_eq!(chunk.format, AudioFormat { sample_rate: 24_000, channels: 2, sample_width: 2 });
    }

    #[test]
    fn streamed_headers_run_to_the_end_and_raw_pcm_is_24k_mono() {
        let mut wav = crate::media::wav::streaming_wav_header(16_000, 1);
        wav.extend_from_slice(&[0u8; 3200]);
        assert_eq!(segment(&STANDARD.encode(&wav)).unwrap().frames, 1600);
        assert_eq!(segment(&STANDARD.encode([0u8; 4800])).unwrap(), AudioChunk { frames: 2400, format: RAW_PCM });
        assert_eq!(segment("not base64!"), None);
        assert_eq!(segment(""), None);
    }

    #[test]
    fn a_wav_with_chunks_before_its_data_is_decoded_whole() {
        let plain = encode_wav(&Audio { sample_rate: 16_000, channels: 1, samples: vec![0.0; 800] });
        // A 300-byte LIST chunk between `fmt ` and `data` pushes `data` past the decoded head.
        let mut wav = plain[..36].to_vec();
        wav.extend_from_slice(b"LIST");
        wav.extend_from_slice(&300u32.to_le_bytes());
        wav.extend_from_slice(&[0u8; 300]);
        wav.extend_from_slice(&plain[36..]);
        let chunk = segment(&STANDARD.encode(&wav)).unwrap();
        assert_eq!((chunk.frames, chunk.format.sample_rate), (800, 16_000));
    }
}
