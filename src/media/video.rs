//! Video: H.264 MP4 encoding ([`Mp4Encoder`]), probing and frame decoding, and adding a
//! soundtrack with ffmpeg.
//!
//! Encoding and decoding use OpenH264 built from source, so they work on any machine; only
//! [`mux_audio_with_ffmpeg`] needs an external program.

mod boxes;
mod encode;
mod mux;
mod read;
#[cfg(test)]
mod tool_checks;

pub use encode::{Mp4Encoder, encode_mp4};
pub use mux::mux_audio_with_ffmpeg;
pub use read::{decode_frames, probe};

/// What an MP4's first video track holds.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second: the frame count over the track's duration.
    pub fps: f64,
    /// The number of frames (samples) in the track.
    pub frames: u32,
    /// The track's duration in seconds.
    pub duration_s: f64,
    /// `h264`, `hevc`, `vp9` or `unknown`.
    pub codec: String,
    /// Whether the file also has an audio track.
    pub has_audio: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{Frame, MediaError};

    const BACKGROUND: [u8; 3] = [30, 60, 200];
    const SQUARE: [u8; 3] = [240, 220, 20];

    /// A blue frame with a yellow 16×16 square that moves 2 pixels right each frame.
    pub(super) fn moving_square(width: u32, height: u32, index: u32) -> Frame {
        let mut frame = Frame::filled(width, height, BACKGROUND);
        let left = (index * 2) % width.saturating_sub(16).max(1);
        for y in 8..(24.min(height)) {
            for x in left..(left + 16).min(width) {
                frame.set_pixel(x, y, SQUARE);
            }
        }
        frame
    }

    pub(super) fn moving_pattern(width: u32, height: u32, count: u32) -> Vec<Frame> {
        (0..count).map(|index| moving_square(width, height, index)).collect()
    }

    fn assert_near(actual: [u8; 3], expected: [u8; 3], tolerance: u8) {
        for channel in 0..3 {
            let difference = actual[channel].abs_diff(expected[channel]);
            assert!(difference <= tolerance, "{actual:?} is not near {expected:?}");
        }
    }

    #[test]
    fn probe_reads_back_what_was_encoded() {
        let mp4 = encode_mp4(&moving_pattern(64, 48, 17), 8).unwrap();
        let info = probe(&mp4).unwrap();
        assert_eq!((info.width, info.height, info.frames), (64, 48, 17));
        assert_eq!(info.fps, 8.0);
        assert_eq!(info.duration_s, 17.0 / 8.0);
        assert_eq!(info.codec, "h264");
        assert!(!info.has_audio);
    }

    #[test]
    fn decoded_frames_match_the_source() {
        let frames = moving_pattern(64, 48, 17);
        let mp4 = encode_mp4(&frames, 8).unwrap();
        let (info, decoded) = decode_frames(&mp4, 17).unwrap();
        assert_eq!(info.frames, 17);
        assert_eq!(decoded.len(), 17);
        for (index, frame) in decoded.iter().enumerate() {
            assert_eq!((frame.width, frame.height), (64, 48), "frame {index}");
            assert_near(frame.pixel(60, 40), BACKGROUND, 24);
        }
        let last = &decoded[16];
        assert_near(last.pixel(32 + 8, 16), SQUARE, 24);
        assert_near(decoded[0].pixel(8, 16), SQUARE, 24);
    }

    #[test]
    fn decode_stops_at_max_frames() {
        let mp4 = encode_mp4(&moving_pattern(32, 32, 10), 5).unwrap();
        assert_eq!(decode_frames(&mp4, 3).unwrap().1.len(), 3);
        assert!(decode_frames(&mp4, 0).unwrap().1.is_empty());
        assert_eq!(decode_frames(&mp4, 100).unwrap().1.len(), 10);
    }

    #[test]
    fn the_streaming_encoder_matches_encode_mp4() {
        let frames = moving_pattern(48, 32, 6);
        let mut encoder = Mp4Encoder::new(48, 32, 30).unwrap();
        for frame in &frames {
            encoder.push(frame).unwrap();
        }
        let info = probe(&encoder.finish().unwrap()).unwrap();
        assert_eq!((info.width, info.height, info.frames, info.fps), (48, 32, 6, 30.0));
    }

    #[test]
    fn keyframes_every_two_seconds_are_sync_samples() {
        let mp4 = encode_mp4(&moving_pattern(32, 32, 9), 2).unwrap();
        let reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(&mp4), mp4.len() as u64).unwrap();
        let track = reader.tracks().values().next().unwrap();
        let sync = track.trak.mdia.minf.stbl.stss.as_ref().unwrap();
        assert_eq!(sync.entries, [1, 5, 9]);
    }

    #[test]
    fn rejects_odd_or_empty_sizes_and_bad_rates() {
        for (width, height, fps) in [(63, 48, 8), (64, 47, 8), (0, 48, 8), (64, 48, 0), (4000, 2000, 8)] {
            let result = Mp4Encoder::new(width, height, fps);
            assert!(matches!(result, Err(MediaError::Unsupported { .. })), "{width}×{height} at {fps}");
        }
        let error = encode_mp4(&[], 8).unwrap_err();
        assert!(error.to_string().contains("at least one frame"), "{error}");
        let error = Mp4Encoder::new(64, 48, 8).unwrap().finish().unwrap_err();
        assert!(error.to_string().contains("at least one frame"), "{error}");
    }

    #[test]
    fn rejects_a_frame_of_another_size() {
        let mut encoder = Mp4Encoder::new(64, 48, 8).unwrap();
        encoder.push(&moving_square(64, 48, 0)).unwrap();
        let error = encoder.push(&moving_square(32, 48, 1)).unwrap_err();
        assert_eq!(error.to_string(), "unsupported frame size: frame 1 is 32×48, the video is 64×48");
        let short = Frame { width: 64, height: 48, rgb: vec![0; 10] };
        assert!(matches!(encoder.push(&short), Err(MediaError::Unsupported { what: "frame buffer", .. })));
    }

    #[test]
    fn rejects_bytes_that_are_not_an_mp4() {
        for bytes in [&b""[..], b"not an mp4 at all", b"\0\0\0\x08ftyp"] {
            let error = probe(bytes).unwrap_err();
            assert!(matches!(error, MediaError::Invalid { format: "MP4", .. }), "{error}");
        }
    }

    #[test]
    fn truncated_files_are_errors() {
        let mp4 = encode_mp4(&moving_pattern(32, 32, 4), 4).unwrap();
        for cut in [16, 40, mp4.len() / 2, mp4.len() - 8] {
            assert!(probe(&mp4[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// The byte offset of a box's size field, found by its four-letter name.
    fn box_offset(mp4: &[u8], name: &[u8; 4]) -> usize {
        mp4.windows(4).position(|window| window == name).unwrap() - 4
    }

    #[test]
    fn a_zero_sized_box_is_an_error_not_a_hang() {
        let mut mp4 = encode_mp4(&moving_pattern(32, 32, 4), 4).unwrap();
        let stts = box_offset(&mp4, b"stts");
        mp4[stts..stts + 4].copy_from_slice(&[0; 4]);
        let error = probe(&mp4).unwrap_err();
        assert!(error.to_string().contains("box `stts` in stbl declares size 0"), "{error}");
    }

    #[test]
    fn broken_sample_tables_are_errors_not_panics() {
        let mp4 = encode_mp4(&moving_pattern(32, 32, 4), 4).unwrap();
        // stsc: size, name, version and flags, entry count, then first chunk and samples per chunk.
        let samples_per_chunk = box_offset(&mp4, b"stsc") + 20;
        let mut broken = mp4.clone();
        broken[samples_per_chunk..samples_per_chunk + 4].copy_from_slice(&[0; 4]);
        let error = decode_frames(&broken, 4).unwrap_err();
        assert!(error.to_string().contains("stsc"), "{error}");
        // stts: its single entry's sample count, cut from 4 to 1.
        let timed_samples = box_offset(&mp4, b"stts") + 16;
        let mut broken = mp4.clone();
        broken[timed_samples..timed_samples + 4].copy_from_slice(&1u32.to_be_bytes());
        let error = decode_frames(&broken, 4).unwrap_err();
        assert!(error.to_string().contains("covers 1 samples of 4"), "{error}");
    }

    #[test]
    fn encoding_300_frames_of_224_is_quick() {
        let frames = moving_pattern(224, 224, 300);
        let started = std::time::Instant::now();
        let mp4 = encode_mp4(&frames, 30).unwrap();
        let elapsed = started.elapsed();
        eprintln!("encoded 300 frames of 224×224 in {elapsed:?} ({} bytes)", mp4.len());
        assert_eq!(probe(&mp4).unwrap().frames, 300);
        assert!(elapsed.as_secs_f64() < 10.0, "took {elapsed:?}");
    }
}
