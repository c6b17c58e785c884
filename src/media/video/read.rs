//! Reading MP4s: what the first video track holds, and its first frames decoded with OpenH264.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use mp4::{Mp4Reader, Mp4Track, TrackType};
use openh264::OpenH264API;
use openh264::decoder::{DecodedYUV, Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource as _;

use super::VideoInfo;
use super::boxes::check_box_tree;
use crate::media::{Frame, MediaError};

const ANNEX_B_START_CODE: [u8; 4] = [0, 0, 0, 1];

/// What the first video track of an MP4 holds, and whether an audio track comes with it.
pub fn probe(bytes: &[u8]) -> Result<VideoInfo, MediaError> {
    let reader = open(bytes)?;
    let track = first_video_track(&reader)?;
    describe(&reader, track)
}

/// Decodes the first `max_frames` frames of an H.264 MP4 to RGB.
pub fn decode_frames(bytes: &[u8], max_frames: usize) -> Result<(VideoInfo, Vec<Frame>), MediaError> {
    let mut reader = open(bytes)?;
    let track = first_video_track(&reader)?;
    let info = describe(&reader, track)?;
    let Some(avc1) = &track.trak.mdia.minf.stbl.stsd.avc1 else {
        return Err(MediaError::Unsupported {
            what: "video codec",
            detail: format!("only H.264 can be decoded, the video track is {}", info.codec),
        });
    };
    if !track.trafs.is_empty() {
        return Err(MediaError::Unsupported {
            what: "MP4 layout",
            detail: "fragmented MP4s can be probed but not decoded".to_owned(),
        });
    }
    check_sample_tables(track, bytes.len())?;
    let track_id = track.track_id();
    let length_size = usize::from(avc1.avcc.length_size_minus_one & 0b11) + 1;
    // The decoder reads Annex-B: parameter sets from avcC first, then each sample's NAL units.
    let mut annex_b = Vec::new();
    for parameter_set in avc1.avcc.sequence_parameter_sets.iter().chain(&avc1.avcc.picture_parameter_sets) {
        annex_b.extend_from_slice(&ANNEX_B_START_CODE);
        annex_b.extend_from_slice(&parameter_set.bytes);
    }

    let config = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
    let mut decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
        .map_err(|error| h264_error(format!("the decoder could not start: {error}")))?;
    let mut frames = Vec::new();
    for sample_id in 1..=info.frames {
        if frames.len() >= max_frames {
            break;
        }
        let sample = guarded(|| reader.read_sample(track_id, sample_id))?
            .map_err(|error| mp4_error(format!("sample {sample_id}: {error}")))?
            .ok_or_else(|| mp4_error(format!("sample {sample_id} is missing")))?;
        append_annex_b(&sample.bytes, length_size, &mut annex_b)
            .map_err(|detail| mp4_error(format!("sample {sample_id}: {detail}")))?;
        let decoded = decoder.decode(&annex_b).map_err(|error| h264_error(format!("sample {sample_id}: {error}")))?;
        if let Some(picture) = decoded {
            frames.push(to_frame(&picture));
        }
        annex_b.clear();
    }
    if frames.len() < max_frames {
        let remaining =
            decoder.flush_remaining().map_err(|error| h264_error(format!("flushing the last frames: {error}")))?;
        let wanted = max_frames - frames.len();
        frames.extend(remaining.iter().take(wanted).map(to_frame));
    }
    Ok((info, frames))
}

/// Parses the MP4's boxes; sample data is only read later, on demand.
fn open(bytes: &[u8]) -> Result<Mp4Reader<Cursor<&[u8]>>, MediaError> {
    check_box_tree(bytes)?;
    guarded(|| Mp4Reader::read_header(Cursor::new(bytes), bytes.len() as u64))?
        .map_err(|error| mp4_error(format!("the boxes could not be read: {error}")))
}

fn first_video_track<'a>(reader: &'a Mp4Reader<Cursor<&[u8]>>) -> Result<&'a Mp4Track, MediaError> {
    reader
        .tracks()
        .values()
        .filter(|track| matches!(track.track_type(), Ok(TrackType::Video)))
        .min_by_key(|track| track.track_id())
        .ok_or_else(|| mp4_error("expected a video track, found none".to_owned()))
}

fn describe(reader: &Mp4Reader<Cursor<&[u8]>>, track: &Mp4Track) -> Result<VideoInfo, MediaError> {
    let media = &track.trak.mdia;
    if media.mdhd.timescale == 0 {
        return Err(mp4_error("the video track's timescale is 0".to_owned()));
    }
    let frames = guarded(|| track.sample_count())?;
    let ticks = match media.mdhd.duration {
        0 => summed_sample_durations(reader, track),
        declared => declared,
    };
    let duration_s = ticks as f64 / f64::from(media.mdhd.timescale);
    let fps = if duration_s > 0.0 { f64::from(frames) / duration_s } else { 0.0 };
    let stsd = &media.minf.stbl.stsd;
    let codec = if stsd.avc1.is_some() {
        "h264"
    } else if stsd.hev1.is_some() {
        "hevc"
    } else if stsd.vp09.is_some() {
        "vp9"
    } else {
        "unknown"
    };
    let has_audio = reader.tracks().values().any(|track| matches!(track.track_type(), Ok(TrackType::Audio)));
    Ok(VideoInfo {
        width: u32::from(track.width()),
        height: u32::from(track.height()),
        fps,
        frames,
        duration_s,
        codec: codec.to_owned(),
        has_audio,
    })
}

/// The track's length in ticks when its header leaves it 0, as fragmented MP4s do.
fn summed_sample_durations(reader: &Mp4Reader<Cursor<&[u8]>>, track: &Mp4Track) -> u64 {
    let fragment_default = reader.moov.mvex.as_ref().map_or(0, |mvex| mvex.trex.default_sample_duration);
    let fragmented: u64 = track
        .trafs
        .iter()
        .filter_map(|traf| {
            let trun = traf.trun.as_ref()?;
            let default = traf.tfhd.default_sample_duration.unwrap_or(fragment_default);
            Some(if trun.sample_durations.is_empty() {
                u64::from(trun.sample_count) * u64::from(default)
            } else {
                trun.sample_durations.iter().map(|&ticks| u64::from(ticks)).sum()
            })
        })
        .sum();
    let tabled: u64 = track
        .trak
        .mdia
        .minf
        .stbl
        .stts
        .entries
        .iter()
        .map(|entry| u64::from(entry.sample_count) * u64::from(entry.sample_delta))
        .sum();
    fragmented + tabled
}

/// Rejects sample tables the `mp4` crate would index out of range or divide by zero on, and
/// sizes larger than the file: the crate allocates each sample before reading it, and a damaged
/// table must not make it ask for gigabytes.
fn check_sample_tables(track: &Mp4Track, file_len: usize) -> Result<(), MediaError> {
    let tables = &track.trak.mdia.minf.stbl;
    let sizes = &tables.stsz;
    let largest = sizes.sample_sizes.iter().copied().max().unwrap_or(0).max(sizes.sample_size);
    if largest as usize > file_len {
        return Err(mp4_error(format!("a sample declares {largest} bytes, more than the whole {file_len}-byte file")));
    }
    let chunking_broken = tables.stsc.entries.is_empty()
        || tables.stsc.entries.iter().any(|entry| entry.first_chunk == 0 || entry.samples_per_chunk == 0);
    if chunking_broken {
        return Err(mp4_error(
            "the sample-to-chunk table (stsc) is empty or counts a chunk or its samples from 0".to_owned(),
        ));
    }
    let timed: u64 = tables.stts.entries.iter().map(|entry| u64::from(entry.sample_count)).sum();
    if timed < u64::from(track.sample_count()) {
        return Err(mp4_error(format!("the time table (stts) covers {timed} samples of {}", track.sample_count())));
    }
    Ok(())
}

/// Appends a sample's length-prefixed NAL units as Annex-B (start code, then the unit).
fn append_annex_b(sample: &[u8], length_size: usize, annex_b: &mut Vec<u8>) -> Result<(), String> {
    let mut rest = sample;
    while !rest.is_empty() {
        let Some(prefix) = rest.get(..length_size) else {
            return Err(format!("{} trailing bytes are too few for a NAL length", rest.len()));
        };
        let len = prefix.iter().fold(0usize, |len, &byte| (len << 8) | usize::from(byte));
        let Some(nal) = rest.get(length_size..length_size + len) else {
            return Err(format!("a NAL unit declares {len} bytes but only {} follow", rest.len() - length_size));
        };
        annex_b.extend_from_slice(&ANNEX_B_START_CODE);
        annex_b.extend_from_slice(nal);
        rest = &rest[length_size + len..];
    }
    Ok(())
}

fn to_frame(picture: &DecodedYUV<'_>) -> Frame {
    let (width, height) = picture.dimensions();
    let mut rgb = vec![0; width * height * 3];
    picture.write_rgb8(&mut rgb);
    Frame { width: width as u32, height: height as u32, rgb }
}

/// Runs a call into the `mp4` crate, which indexes and unwraps inside some of its tables: a
/// damaged file must give an error, not take the harness down.
fn guarded<T>(call: impl FnOnce() -> T) -> Result<T, MediaError> {
    catch_unwind(AssertUnwindSafe(call))
        .map_err(|_| mp4_error("the MP4 reader failed on inconsistent tables".to_owned()))
}

fn mp4_error(detail: String) -> MediaError {
    MediaError::Invalid { format: "MP4", detail }
}

fn h264_error(detail: String) -> MediaError {
    MediaError::Invalid { format: "H.264", detail }
}
