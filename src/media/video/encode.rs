//! H.264 encoding with OpenH264, muxed into MP4 with the `mp4` crate.

use std::io::Cursor;

use bytes::Bytes;
use mp4::{AvcConfig, FourCC, MediaConfig, Mp4Config, Mp4Sample, Mp4Writer, TrackConfig, TrackType};
use openh264::OpenH264API;
use openh264::encoder::{Encoder, EncoderConfig, FrameRate, IntraFramePeriod, RateControlMode};
use openh264::formats::{RgbSliceU8, YUVBuffer};

use crate::media::picture::check_frame;
use crate::media::{Frame, MediaError};

const NAL_SPS: u8 = 7;
const NAL_PPS: u8 = 8;
const NAL_IDR_SLICE: u8 = 5;
/// Track ticks per frame: with a timescale of `fps × 1000` every frame lasts exactly 1000 ticks,
/// so the frame rate is exact for any whole fps.
const TICKS_PER_FRAME: u32 = 1000;
/// The highest rate whose timescale, `fps × TICKS_PER_FRAME`, fits the MP4's 32 bits.
const MAX_FPS: u32 = u32::MAX / TICKS_PER_FRAME;
/// A keyframe every this many seconds keeps long videos seekable.
const KEYFRAME_INTERVAL_S: u32 = 2;
/// The largest frame OpenH264 encodes (level 5.2).
const MAX_LONG_SIDE: u32 = 3840;
const MAX_SHORT_SIDE: u32 = 2160;

/// One encoded frame: length-prefixed NAL units, and whether a decoder can start there.
struct Sample {
    nals: Vec<u8>,
    is_sync: bool,
}

/// Encodes RGB frames to an H.264 MP4 one frame at a time.
pub struct Mp4Encoder {
    encoder: Encoder,
    width: u32,
    height: u32,
    fps: u32,
    sequence_parameter_set: Option<Vec<u8>>,
    picture_parameter_set: Option<Vec<u8>>,
    samples: Vec<Sample>,
}

impl Mp4Encoder {
    /// An encoder for `width × height` frames (both even) at a whole `fps`.
    pub fn new(width: u32, height: u32, fps: u32) -> Result<Self, MediaError> {
        if width == 0 || height == 0 || width % 2 == 1 || height % 2 == 1 {
            return Err(unsupported(
                "video size",
                format!("H.264 in 4:2:0 needs even, non-zero sides, got {width}×{height}"),
            ));
        }
        if width.max(height) > MAX_LONG_SIDE || width.min(height) > MAX_SHORT_SIDE {
            return Err(unsupported(
                "video size",
                format!("{width}×{height} is larger than OpenH264's {MAX_LONG_SIDE}×{MAX_SHORT_SIDE}"),
            ));
        }
        if !(1..=MAX_FPS).contains(&fps) {
            return Err(unsupported("frame rate", format!("expected 1 to {MAX_FPS} fps, got {fps}")));
        }
        let config = EncoderConfig::new()
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            // A skipped frame would leave the MP4 with fewer frames than were pushed.
            .skip_frames(false)
            // A constant quantiser: quality does not hang on a bitrate guess, and OpenH264 warns
            // on stderr when it is asked to control bitrate without skipping frames.
            .rate_control_mode(RateControlMode::Off)
            .intra_frame_period(IntraFramePeriod::from_num_frames(fps * KEYFRAME_INTERVAL_S));
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|error| unsupported("H.264 encoder", error.to_string()))?;
        Ok(Mp4Encoder {
            encoder,
            width,
            height,
            fps,
            sequence_parameter_set: None,
            picture_parameter_set: None,
            samples: Vec::new(),
        })
    }

    /// Encodes the next frame, which must have the encoder's size.
    pub fn push(&mut self, frame: &Frame) -> Result<(), MediaError> {
        check_frame(frame)?;
        if (frame.width, frame.height) != (self.width, self.height) {
            return Err(unsupported(
                "frame size",
                format!(
                    "frame {} is {}×{}, the video is {}×{}",
                    self.samples.len(),
                    frame.width,
                    frame.height,
                    self.width,
                    self.height
                ),
            ));
        }
        let dimensions = (self.width as usize, self.height as usize);
        let yuv = YUVBuffer::from_rgb8_source(RgbSliceU8::new(&frame.rgb, dimensions));
        let bitstream = self.encoder.encode(&yuv).map_err(|error| unsupported("H.264 encoding", error.to_string()))?;
        let mut sample = Sample { nals: Vec::new(), is_sync: false };
        for layer in (0..bitstream.num_layers()).filter_map(|index| bitstream.layer(index)) {
            for annex_b in (0..layer.nal_count()).filter_map(|index| layer.nal_unit(index)) {
                let nal = strip_start_code(annex_b);
                let Some(&header) = nal.first() else { continue };
                match header & 0x1F {
                    NAL_SPS => {
                        self.sequence_parameter_set.get_or_insert_with(|| nal.to_vec());
                    }
                    NAL_PPS => {
                        self.picture_parameter_set.get_or_insert_with(|| nal.to_vec());
                    }
                    kind => {
                        sample.is_sync |= kind == NAL_IDR_SLICE;
                        // MP4 stores NAL units behind a 4-byte big-endian length, not a start code.
                        sample.nals.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                        sample.nals.extend_from_slice(nal);
                    }
                }
            }
        }
        if sample.nals.is_empty() {
            return Err(unsupported(
                "H.264 encoding",
                format!("the encoder produced no picture for frame {}", self.samples.len()),
            ));
        }
        self.samples.push(sample);
        Ok(())
    }

    /// Writes the MP4: one sample per frame, each lasting exactly `1 / fps` seconds.
    pub fn finish(self) -> Result<Vec<u8>, MediaError> {
        let (Some(sps), Some(pps)) = (self.sequence_parameter_set, self.picture_parameter_set) else {
            return Err(unsupported("MP4", "an MP4 needs at least one frame".to_owned()));
        };
        // The avcC box copies profile and level from the SPS's bytes 1 to 3.
        if sps.len() < 4 {
            return Err(unsupported("H.264 encoding", format!("the encoder wrote a {}-byte SPS", sps.len())));
        }
        let config = Mp4Config {
            major_brand: FourCC::from(*b"isom"),
            minor_version: 512,
            compatible_brands: [*b"isom", *b"avc1", *b"mp41"].map(FourCC::from).to_vec(),
            timescale: 1000,
        };
        let track = TrackConfig {
            track_type: TrackType::Video,
            timescale: self.fps * TICKS_PER_FRAME,
            language: "und".to_owned(),
            media_conf: MediaConfig::AvcConfig(AvcConfig {
                // `new` bounds both sides by 3840.
                width: self.width as u16,
                height: self.height as u16,
                seq_param_set: sps,
                pic_param_set: pps,
            }),
        };
        let mux = |error: mp4::Error| unsupported("MP4 muxing", error.to_string());
        let mut writer = Mp4Writer::write_start(Cursor::new(Vec::new()), &config).map_err(mux)?;
        writer.add_track(&track).map_err(mux)?;
        for (index, sample) in self.samples.into_iter().enumerate() {
            let sample = Mp4Sample {
                start_time: index as u64 * u64::from(TICKS_PER_FRAME),
                duration: TICKS_PER_FRAME,
                rendering_offset: 0,
                // Decoding starts at the first frame whatever the encoder marked it.
                is_sync: sample.is_sync || index == 0,
                bytes: Bytes::from(sample.nals),
            };
            writer.write_sample(1, &sample).map_err(mux)?;
        }
        writer.write_end().map_err(mux)?;
        Ok(writer.into_writer().into_inner())
    }
}

/// Encodes frames, all the size of the first, to an H.264 MP4.
pub fn encode_mp4(frames: &[Frame], fps: u32) -> Result<Vec<u8>, MediaError> {
    let Some(first) = frames.first() else {
        return Err(unsupported("MP4", "an MP4 needs at least one frame".to_owned()));
    };
    let mut encoder = Mp4Encoder::new(first.width, first.height, fps)?;
    for frame in frames {
        encoder.push(frame)?;
    }
    encoder.finish()
}

/// A NAL unit without its Annex-B start code (`00 00 01` or `00 00 00 01`).
fn strip_start_code(nal: &[u8]) -> &[u8] {
    let zeros = nal.iter().take_while(|&&byte| byte == 0).count();
    match nal.get(zeros) {
        Some(1) if zeros >= 2 => &nal[zeros + 1..],
        _ => nal,
    }
}

fn unsupported(what: &'static str, detail: String) -> MediaError {
    MediaError::Unsupported { what, detail }
}
