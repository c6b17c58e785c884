//! The RIFF WAV container, PCM 16-bit out and PCM or float in.

use super::hex_prefix;
use super::pcm::{self, encode_pcm16};
use crate::media::{Audio, MediaError};

const WAV: &str = "WAV";

/// The RIFF and data sizes of a WAV whose length is not known when its header is sent.
const UNKNOWN_SIZE: u32 = u32::MAX;
const HEADER_LEN: usize = 44;
const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Encodes audio as a RIFF WAV, PCM 16-bit little-endian, with exact chunk sizes.
pub fn encode_wav(audio: &Audio) -> Vec<u8> {
    let pcm = encode_pcm16(audio);
    // WAV cannot describe more than 4 GiB; a saturated size reads as "unknown, read to the end".
    let data_len = u32::try_from(pcm.len()).unwrap_or(UNKNOWN_SIZE);
    let riff_len = data_len.saturating_add((HEADER_LEN - 8) as u32);
    let mut wav = wav_header(audio.sample_rate, audio.channels, riff_len, data_len);
    wav.extend_from_slice(&pcm);
    wav
}

/// The 44-byte header a streaming server sends before it knows the length: RIFF and data
/// sizes are `0xFFFFFFFF`, and PCM 16-bit samples follow until the stream ends.
pub fn streaming_wav_header(sample_rate: u32, channels: u16) -> Vec<u8> {
    wav_header(sample_rate, channels, UNKNOWN_SIZE, UNKNOWN_SIZE)
}

fn wav_header(sample_rate: u32, channels: u16, riff_len: u32, data_len: u32) -> Vec<u8> {
    let block_align = channels.saturating_mul(2);
    let byte_rate = sample_rate.saturating_mul(u32::from(block_align));
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&riff_len.to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&FORMAT_PCM.to_le_bytes());
    header.extend_from_slice(&channels.to_le_bytes());
    header.extend_from_slice(&sample_rate.to_le_bytes());
    header.extend_from_slice(&byte_rate.to_le_bytes());
    header.extend_from_slice(&block_align.to_le_bytes());
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&data_len.to_le_bytes());
    header
}

/// How the samples in a `data` chunk are stored.
#[derive(Clone, Copy, Debug)]
struct SampleLayout {
    float: bool,
    bits: u16,
    channels: u16,
    sample_rate: u32,
}

/// Decodes a WAV: PCM 8/16/24/32-bit integer or 32-bit float, any chunks before `data`, and
/// streamed files whose sizes are `0xFFFFFFFF` or 0 (samples run to the end of the bytes).
pub fn decode_wav(bytes: &[u8]) -> Result<Audio, MediaError> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(invalid_wav(format!("expected a RIFF/WAVE header, got {}", hex_prefix(bytes))));
    }
    let mut layout = None;
    let mut offset = 12;
    loop {
        let Some(chunk_header) = bytes.get(offset..offset + 8) else {
            return Err(invalid_wav("expected a `data` chunk, reached the end of the bytes".to_owned()));
        };
        let id = &chunk_header[..4];
        let declared = u32_at(chunk_header, 4);
        let body_start = offset + 8;
        let remaining = bytes.len() - body_start;
        if id == b"data" {
            let layout =
                layout.ok_or_else(|| invalid_wav("expected a `fmt ` chunk before the `data` chunk".to_owned()))?;
            let len = match declared {
                // Streaming servers write 0 or 0xFFFFFFFF; a truly empty `data` chunk followed
                // by other chunks is rarer than either, so both mean "to the end".
                0 | UNKNOWN_SIZE => remaining,
                declared if declared as usize <= remaining => declared as usize,
                declared => {
                    return Err(invalid_wav(format!(
                        "the data chunk declares {declared} bytes but only {remaining} follow (truncated?)"
                    )));
                }
            };
            return Ok(decode_samples(&bytes[body_start..body_start + len], layout));
        }
        let len = declared as usize;
        if len > remaining {
            let name = String::from_utf8_lossy(id);
            return Err(invalid_wav(format!("the `{name}` chunk declares {len} bytes but only {remaining} follow")));
        }
        if id == b"fmt " {
            layout = Some(parse_format(&bytes[body_start..body_start + len])?);
        }
        // RIFF pads every chunk to an even length.
        offset = body_start + len + (len & 1);
    }
}

fn parse_format(chunk: &[u8]) -> Result<SampleLayout, MediaError> {
    if chunk.len() < 16 {
        return Err(invalid_wav(format!("expected a `fmt ` chunk of at least 16 bytes, got {}", chunk.len())));
    }
    let mut tag = u16_at(chunk, 0);
    if tag == FORMAT_EXTENSIBLE && chunk.len() >= 26 {
        // The sub-format GUID starts with the plain format tag.
        tag = u16_at(chunk, 24);
    }
    let channels = u16_at(chunk, 2);
    let sample_rate = u32_at(chunk, 4);
    let bits = u16_at(chunk, 14);
    let float = match (tag, bits) {
        (FORMAT_PCM, 8 | 16 | 24 | 32) => false,
        (FORMAT_FLOAT, 32) => true,
        _ => {
            return Err(MediaError::Unsupported {
                what: "WAV sample format",
                detail: format!("format tag {tag} with {bits} bits; expected PCM 8/16/24/32-bit or 32-bit float"),
            });
        }
    };
    if channels == 0 || sample_rate == 0 {
        return Err(invalid_wav(format!(
            "expected channels and sample rate above 0, got {channels} and {sample_rate}"
        )));
    }
    Ok(SampleLayout { float, bits, channels, sample_rate })
}

/// Converts whole frames of samples; a trailing partial frame (a streamed odd byte) is dropped.
fn decode_samples(data: &[u8], layout: SampleLayout) -> Audio {
    let width = usize::from(layout.bits / 8);
    let frame_len = width * usize::from(layout.channels);
    let whole = data.len() - data.len() % frame_len;
    let samples = data[..whole]
        .chunks_exact(width)
        .map(|sample| match (layout.float, sample) {
            (true, &[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]).clamp(-1.0, 1.0),
            (false, &[a]) => (f32::from(a) - 128.0) / 128.0,
            (false, &[a, b]) => pcm::from_i16(i16::from_le_bytes([a, b])),
            (false, &[a, b, c]) => (i32::from_le_bytes([0, a, b, c]) >> 8) as f32 / 8_388_608.0,
            (false, &[a, b, c, d]) => (f64::from(i32::from_le_bytes([a, b, c, d])) / 2_147_483_648.0) as f32,
            _ => 0.0,
        })
        .collect();
    Audio { sample_rate: layout.sample_rate, channels: layout.channels, samples }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn invalid_wav(detail: String) -> MediaError {
    MediaError::Invalid { format: WAV, detail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::wav::pcm::SIXTEEN_BIT_ERROR;
    use crate::media::wav::tests::{assert_close, tone};

    fn wav_with(format: &[u8], extra: &[u8], data: &[u8], data_len: u32) -> Vec<u8> {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.extend_from_slice(&(format.len() as u32).to_le_bytes());
        wav.extend_from_slice(format);
        wav.extend_from_slice(extra);
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&data_len.to_le_bytes());
        wav.extend_from_slice(data);
        let riff_len = (wav.len() - 8) as u32;
        wav[4..8].copy_from_slice(&riff_len.to_le_bytes());
        wav
    }

    fn format_chunk(tag: u16, channels: u16, sample_rate: u32, bits: u16) -> Vec<u8> {
        let block_align = channels * bits / 8;
        let mut chunk = Vec::new();
        chunk.extend_from_slice(&tag.to_le_bytes());
        chunk.extend_from_slice(&channels.to_le_bytes());
        chunk.extend_from_slice(&sample_rate.to_le_bytes());
        chunk.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
        chunk.extend_from_slice(&block_align.to_le_bytes());
        chunk.extend_from_slice(&bits.to_le_bytes());
        chunk
    }

    fn invalid_detail(result: Result<Audio, MediaError>) -> String {
        match result {
            Err(MediaError::Invalid { detail, .. }) => detail,
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    #[test]
    fn encodes_a_canonical_44_byte_header() {
        let wav = encode_wav(&tone(24_000, 2, 100));
        assert_eq!(wav.len(), 44 + 400);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(u32_at(&wav, 4), 36 + 400);
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!((u16_at(&wav, 20), u16_at(&wav, 22), u32_at(&wav, 24)), (1, 2, 24_000));
        assert_eq!((u32_at(&wav, 28), u16_at(&wav, 32), u16_at(&wav, 34)), (96_000, 4, 16));
        assert_eq!((&wav[36..40], u32_at(&wav, 40)), (&b"data"[..], 400));
    }

    #[test]
    fn round_trips_to_sixteen_bit_precision() {
        let audio = tone(16_000, 2, 1_000);
        assert_close(&decode_wav(&encode_wav(&audio)).unwrap(), &audio, SIXTEEN_BIT_ERROR);
    }

    #[test]
    fn decodes_a_streamed_wav_with_unknown_sizes() {
        let audio = tone(24_000, 1, 480);
        let mut streamed = streaming_wav_header(24_000, 1);
        assert_eq!(streamed.len(), 44);
        assert_eq!((u32_at(&streamed, 4), u32_at(&streamed, 40)), (u32::MAX, u32::MAX));
        streamed.extend_from_slice(&encode_pcm16(&audio));
        // A stream cut mid-sample leaves an odd byte that is not a sample.
        streamed.push(0x7F);
        assert_close(&decode_wav(&streamed).unwrap(), &audio, SIXTEEN_BIT_ERROR);
    }

    #[test]
    fn decodes_a_streamed_wav_with_zero_sizes() {
        let audio = tone(8_000, 2, 64);
        let mut streamed = streaming_wav_header(8_000, 2);
        streamed[4..8].copy_from_slice(&0u32.to_le_bytes());
        streamed[40..44].copy_from_slice(&0u32.to_le_bytes());
        streamed.extend_from_slice(&encode_pcm16(&audio));
        assert_close(&decode_wav(&streamed).unwrap(), &audio, SIXTEEN_BIT_ERROR);
    }

    #[test]
    fn skips_list_and_fact_chunks_before_data() {
        let mut extra = b"LIST\x05\0\0\0INFOx\0".to_vec();
        extra.extend_from_slice(b"fact\x04\0\0\0\x02\0\0\0");
        let data = [0x00, 0x40, 0x00, 0xC0];
        let wav = wav_with(&format_chunk(1, 1, 8_000, 16), &extra, &data, 4);
        assert_eq!(decode_wav(&wav).unwrap().samples, [0.5, -0.5]);
    }

    #[test]
    fn decodes_every_sample_width() {
        let cases: [(u16, u16, Vec<u8>); 5] = [
            (1, 8, vec![0x80, 0xC0, 0x40]),
            (1, 16, vec![0, 0, 0x00, 0x40, 0x00, 0xC0]),
            (1, 24, vec![0, 0, 0, 0, 0, 0x40, 0, 0, 0xC0]),
            (1, 32, vec![0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0xC0]),
            (3, 32, [0.0f32, 0.5, -0.5].iter().flat_map(|sample| sample.to_le_bytes()).collect()),
        ];
        for (tag, bits, data) in cases {
            let wav = wav_with(&format_chunk(tag, 1, 8_000, bits), &[], &data, data.len() as u32);
            assert_eq!(decode_wav(&wav).unwrap().samples, [0.0, 0.5, -0.5], "tag {tag}, {bits} bits");
        }
    }

    #[test]
    fn decodes_wave_format_extensible() {
        let mut format = format_chunk(FORMAT_EXTENSIBLE, 1, 8_000, 16);
        format.extend_from_slice(&22u16.to_le_bytes());
        format.extend_from_slice(&16u16.to_le_bytes());
        format.extend_from_slice(&4u32.to_le_bytes());
        format.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]);
        let wav = wav_with(&format, &[], &[0x00, 0x40], 2);
        assert_eq!(decode_wav(&wav).unwrap().samples, [0.5]);
    }

    #[test]
    fn rejects_what_is_not_a_wav() {
        let detail = invalid_detail(decode_wav(b"ID3\x04junk"));
        assert_eq!(detail, "expected a RIFF/WAVE header, got bytes 49 44 33 04 6a 75 6e 6b");
        assert_eq!(invalid_detail(decode_wav(&[])), "expected a RIFF/WAVE header, got no bytes");
    }

    #[test]
    fn rejects_a_truncated_data_chunk() {
        let mut wav = encode_wav(&tone(8_000, 1, 100));
        wav.truncate(100);
        let detail = invalid_detail(decode_wav(&wav));
        assert_eq!(detail, "the data chunk declares 200 bytes but only 56 follow (truncated?)");
    }

    #[test]
    fn rejects_missing_chunks() {
        let data_first = b"RIFF\x0c\0\0\0WAVEdata\0\0\0\0".to_vec();
        assert!(invalid_detail(decode_wav(&data_first)).contains("`fmt ` chunk before"));
        let no_data = wav_with(&format_chunk(1, 1, 8_000, 16), &[], &[], 0)[..36].to_vec();
        assert!(invalid_detail(decode_wav(&no_data)).contains("expected a `data` chunk"));
        let oversized = b"RIFF\x0c\0\0\0WAVELIST\xff\0\0\0".to_vec();
        assert!(invalid_detail(decode_wav(&oversized)).contains("`LIST` chunk declares 255 bytes"));
    }

    #[test]
    fn rejects_unsupported_sample_formats() {
        let wav = wav_with(&format_chunk(3, 1, 8_000, 64), &[], &[0; 8], 8);
        let error = decode_wav(&wav).unwrap_err();
        assert!(matches!(error, MediaError::Unsupported { .. }), "{error}");
        assert!(error.to_string().contains("format tag 3 with 64 bits"), "{error}");
    }
}
