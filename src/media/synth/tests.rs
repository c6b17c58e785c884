//! The generators, each test with a cache directory of its own.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use super::audio::{AudioOptions, audio_in};
use super::cache::Cache;
use super::image::{ImageOptions, draw_squares, image_in};
use super::video::{Balls, VideoOptions, video_in};
use super::voice::Voice;
use super::*;
use crate::media::analysis::{ColourName, ShapeKind, describe_image, describe_video};
use crate::media::picture::{decode_image, sniff_image};
use crate::media::video::{decode_frames, probe};
use crate::media::wav::decode_wav;
use crate::media::{Audio, MediaError, data_url};

/// A fresh directory, removed with everything in it on drop.
pub(super) struct ScratchDir {
    pub path: PathBuf,
}

impl ScratchDir {
    pub fn new(name: &str) -> ScratchDir {
        let path = std::env::temp_dir().join(format!("omnitest-synth-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        ScratchDir { path }
    }

    pub fn cache(&self) -> Cache {
        Cache::at(self.path.clone())
    }

    /// The names of the files in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.path)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn modified(path: &std::path::Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

fn peak(audio: &Audio) -> f32 {
    audio.samples.iter().fold(0.0f32, |peak, sample| peak.max(sample.abs()))
}

fn small_video(frames: u32) -> VideoOptions {
    VideoOptions { width: 64, height: 48, num_frames: frames, fps: 10, ..VideoOptions::default() }
}

#[test]
fn the_same_image_options_give_the_same_bytes() {
    let (first, second) = (ScratchDir::new("image-same-1"), ScratchDir::new("image-same-2"));
    for format in [ImageFormat::Jpeg, ImageFormat::Png] {
        let options = ImageOptions { seed: 7, format, ..ImageOptions::default() };
        let a = image_in(&first.cache(), options).unwrap();
        let b = image_in(&second.cache(), options).unwrap();
        assert_eq!(a.bytes, b.bytes, "{format:?}");
        let other = image_in(&second.cache(), ImageOptions { seed: 8, ..options }).unwrap();
        assert_ne!(a.bytes, other.bytes, "{format:?}: another seed, other squares");
    }
}

#[test]
fn images_have_the_requested_size_and_format() {
    let scratch = ScratchDir::new("image-size");
    for (width, height) in [(224, 224), (640, 360), (31, 17)] {
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let options = ImageOptions { width, height, format, ..ImageOptions::default() };
            let image = image_in(&scratch.cache(), options).unwrap();
            let picture = decode_image(&image.bytes).unwrap();
            assert_eq!((picture.width, picture.height), (width, height));
            assert_eq!(sniff_image(&image.bytes), Some(format));
            assert_eq!((image.mime, image.source), (format.mime(), GENERATED));
        }
    }
    let names = scratch.names();
    for name in ["image_w224_h224_s0.jpg", "image_w224_h224_s0.png", "image_w31_h17_s0.jpg"] {
        assert!(names.iter().any(|existing| existing == name), "{name} not in {names:?}");
    }
}

/// Pictures of several sizes and seeds in `format` show exactly the squares drawn.
fn assert_every_square_is_counted(format: ImageFormat) {
    let scratch = ScratchDir::new(&format!("image-count-{format:?}"));
    for seed in 0..12 {
        let (width, height) = [(224, 224), (384, 288), (240, 320)][seed as usize % 3];
        let options = ImageOptions { width, height, seed, format };
        let (_, drawn) = draw_squares(options);
        assert!((3..=8).contains(&drawn), "seed {seed}: {drawn} squares");
        let image = image_in(&scratch.cache(), options).unwrap();
        let description = describe_image(&decode_image(&image.bytes).unwrap());
        assert_eq!(description.background, ColourName::White, "seed {seed} {format:?}");
        let kinds: Vec<ShapeKind> = description.shapes.iter().map(|shape| shape.kind).collect();
        assert_eq!(kinds, vec![ShapeKind::Square; drawn], "seed {seed} {format:?}: {}", description.sentence());
    }
}

#[test]
fn every_square_drawn_is_counted_in_jpeg() {
    assert_every_square_is_counted(ImageFormat::Jpeg);
}

#[test]
fn every_square_drawn_is_counted_in_png() {
    assert_every_square_is_counted(ImageFormat::Png);
}

#[test]
fn small_canvases_get_fewer_squares_and_bad_sizes_are_refused() {
    let scratch = ScratchDir::new("image-small");
    for (width, height) in [(1, 1), (2, 2), (8, 8), (3, 40), (40, 12)] {
        let (picture, drawn) = draw_squares(ImageOptions { width, height, ..ImageOptions::default() });
        assert!(drawn <= 8, "{width}×{height}");
        assert_eq!((picture.width, picture.height), (width, height));
        image_in(&scratch.cache(), ImageOptions { width, height, ..ImageOptions::default() }).unwrap();
    }
    assert_eq!(draw_squares(ImageOptions { width: 1, height: 1, ..ImageOptions::default() }).1, 0);
    for (width, height) in [(0, 10), (10, 0), (9000, 10)] {
        let result = image_in(&scratch.cache(), ImageOptions { width, height, ..ImageOptions::default() });
        assert!(matches!(result, Err(MediaError::Unsupported { what: "image size", .. })), "{width}×{height}");
    }
}

#[test]
fn audio_lasts_exactly_the_duration() {
    let scratch = ScratchDir::new("audio-length");
    let cases =
        [(5.0, 1, 48_000, 240_000), (2.5, 2, 16_000, 40_000), (0.25, 1, 22_050, 22_050), (0.0, 3, 8_000, 8_000)];
    for (duration_s, channels, sample_rate, frames) in cases {
        let options = AudioOptions { duration_s, channels, sample_rate, ..AudioOptions::default() };
        let synthetic = audio_in(&scratch.cache(), &options, &Voice::Fallback).unwrap();
        let decoded = decode_wav(&synthetic.bytes).unwrap();
        assert_eq!((decoded.sample_rate, decoded.channels, decoded.frames()), (sample_rate, channels, frames));
        let channel = usize::from(channels);
        assert!(decoded.samples.chunks_exact(channel).all(|frame| frame.iter().all(|&sample| sample == frame[0])));
    }
}

#[test]
fn fallback_audio_is_marked_deterministic_and_normalised() {
    let (first, second) = (ScratchDir::new("audio-same-1"), ScratchDir::new("audio-same-2"));
    let options = AudioOptions { duration_s: 3.0, ..AudioOptions::default() };
    let a = audio_in(&first.cache(), &options, &Voice::Fallback).unwrap();
    let b = audio_in(&second.cache(), &options, &Voice::Fallback).unwrap();
    assert_eq!(a.bytes, b.bytes);
    assert_eq!((a.source, a.mime), (FALLBACK, "audio/wav"));
    let hash = xxhash_rust::xxh3::xxh3_64(b"test");
    assert_eq!(first.names(), [format!("audio_d3_c1_r48000_{hash:016x}_fallback.wav")]);
    let decoded = decode_wav(&a.bytes).unwrap();
    assert!((peak(&decoded) - 0.95).abs() < 1e-3, "peak {}", peak(&decoded));
    assert_eq!(decoded.samples[0], 0.0);
    assert!(decoded.samples.last().is_some_and(|last| last.abs() < 1e-3));
    let other = AudioOptions { phrase: "hello there".to_owned(), ..options };
    let hello = audio_in(&first.cache(), &other, &Voice::Fallback).unwrap();
    assert_ne!(hello.path, a.path, "each phrase has a file of its own");
}

#[test]
fn the_same_video_options_give_the_same_bytes() {
    let (first, second) = (ScratchDir::new("video-same-1"), ScratchDir::new("video-same-2"));
    let a = video_in(&first.cache(), small_video(12), &Voice::Fallback, false).unwrap();
    let b = video_in(&second.cache(), small_video(12), &Voice::Fallback, false).unwrap();
    assert_eq!(a.bytes, b.bytes);
    assert_eq!((a.mime, a.source), ("video/mp4", GENERATED));
    assert_eq!(first.names(), ["video_w64_h48_n12_f10_s0_a0.mp4"]);
}

#[test]
fn videos_have_the_requested_frames_rate_and_size() {
    let scratch = ScratchDir::new("video-size");
    for (width, height, num_frames, fps) in [(64, 48, 20, 10), (224, 224, 30, 30), (96, 160, 7, 24)] {
        let options = VideoOptions { width, height, num_frames, fps, ..VideoOptions::default() };
        let video = video_in(&scratch.cache(), options, &Voice::Fallback, false).unwrap();
        let info = probe(&video.bytes).unwrap();
        assert_eq!((info.width, info.height, info.frames), (width, height, num_frames));
        assert_eq!(info.fps, f64::from(fps));
        assert!(!info.has_audio);
    }
}

#[test]
fn the_balls_move() {
    let scratch = ScratchDir::new("video-moving");
    for seed in 0..3 {
        let options = VideoOptions { seed, ..VideoOptions::default() };
        assert!((3..=8).contains(&Balls::new(options).count()), "seed {seed}");
        let video = video_in(&scratch.cache(), options, &Voice::Fallback, false).unwrap();
        let (_, frames) = decode_frames(&video.bytes, 30).unwrap();
        let description = describe_video(&frames);
        assert!(description.moving, "seed {seed}: {}", description.sentence());
        assert_eq!(description.background, ColourName::Black, "seed {seed}");
        let speed = description.mean_motion_px_per_frame;
        assert!((2.0..=9.0).contains(&speed), "seed {seed}: {speed} px per frame");
    }
}

#[test]
fn odd_tiny_and_empty_videos_are_refused() {
    let scratch = ScratchDir::new("video-refused");
    let base = small_video(4);
    let cases = [
        ("video size", VideoOptions { width: 63, ..base }),
        ("video size", VideoOptions { height: 47, ..base }),
        ("video size", VideoOptions { width: 6, height: 6, ..base }),
        ("video size", VideoOptions { width: 0, ..base }),
        ("video length", VideoOptions { num_frames: 0, ..base }),
        ("video length", VideoOptions { fps: 0, ..base }),
    ];
    for (expected, options) in cases {
        match video_in(&scratch.cache(), options, &Voice::Fallback, false) {
            Err(MediaError::Unsupported { what, .. }) => assert_eq!(what, expected, "{options:?}"),
            other => panic!("{options:?}: {other:?}"),
        }
    }
    assert!(scratch.names().is_empty(), "nothing is cached for refused options");
}

#[test]
fn without_ffmpeg_the_video_keeps_no_sound_and_says_why() {
    let scratch = ScratchDir::new("video-no-ffmpeg");
    let silent = video_in(&scratch.cache(), small_video(10), &Voice::Fallback, false).unwrap();
    let options = VideoOptions { embed_audio: true, ..small_video(10) };
    let video = video_in(&scratch.cache(), options, &Voice::Fallback, false).unwrap();
    assert_eq!(video.source, "video-only: ffmpeg not found");
    assert_eq!((&video.bytes, &video.path), (&silent.bytes, &silent.path));
    assert!(!probe(&video.bytes).unwrap().has_audio);
}

#[test]
fn a_second_call_reads_the_cached_file() {
    let scratch = ScratchDir::new("cache-reuse");
    let cache = scratch.cache();
    let image = image_in(&cache, ImageOptions::default()).unwrap();
    let audio = audio_in(&cache, &AudioOptions::default(), &Voice::Fallback).unwrap();
    let video = video_in(&cache, small_video(5), &Voice::Fallback, false).unwrap();
    let times = [&image, &audio, &video].map(|synthetic| modified(&synthetic.path));
    let again = [
        image_in(&cache, ImageOptions::default()).unwrap(),
        audio_in(&cache, &AudioOptions::default(), &Voice::Fallback).unwrap(),
        video_in(&cache, small_video(5), &Voice::Fallback, false).unwrap(),
    ];
    for ((first, second), time) in [&image, &audio, &video].into_iter().zip(&again).zip(times) {
        assert_eq!((&first.bytes, &first.path, first.source), (&second.bytes, &second.path, second.source));
        assert_eq!(modified(&second.path), time, "{} was written again", second.path.display());
    }
    // What is in the file is what comes back: it is read, not made again.
    std::fs::write(&image.path, b"cached").unwrap();
    assert_eq!(image_in(&cache, ImageOptions::default()).unwrap().bytes, b"cached");
    assert_eq!(image.path, scratch.path.join("image_w224_h224_s0.jpg"));
}

#[test]
fn concurrent_requests_agree_and_leave_whole_files() {
    let scratch = ScratchDir::new("cache-concurrent");
    let options = ImageOptions { width: 320, height: 240, seed: 3, format: ImageFormat::Png };
    let results: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let workers: Vec<_> =
            (0..8).map(|_| scope.spawn(|| image_in(&scratch.cache(), options).unwrap().bytes)).collect();
        workers.into_iter().map(|worker| worker.join().unwrap()).collect()
    });
    assert!(results.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(scratch.names(), ["image_w320_h240_s3.png"]);
    assert_eq!(std::fs::read(scratch.path.join("image_w320_h240_s3.png")).unwrap(), results[0]);
}

#[test]
fn data_urls_and_base64_carry_the_bytes() {
    let scratch = ScratchDir::new("encodings");
    let image = image_in(&scratch.cache(), ImageOptions { width: 32, height: 32, ..ImageOptions::default() }).unwrap();
    let decoded = data_url::decode(&image.data_url()).unwrap();
    assert_eq!((decoded.mime.as_str(), decoded.bytes), ("image/jpeg", image.bytes.clone()));
    assert!(image.data_url().ends_with(&image.base64()));
    let debug = format!("{image:?}");
    assert!(debug.contains(&format!("bytes: {} bytes", image.bytes.len())), "{debug}");
}

#[test]
fn first_generation_times() {
    let scratch = ScratchDir::new("timing");
    let started = Instant::now();
    let video = video_in(
        &scratch.cache(),
        VideoOptions { num_frames: 300, ..VideoOptions::default() },
        &Voice::Fallback,
        false,
    )
    .unwrap();
    let video_time = started.elapsed();
    let five_seconds = AudioOptions { duration_s: 5.0, ..AudioOptions::default() };
    for voice in [Voice::detect(), Voice::Fallback] {
        let started = Instant::now();
        let audio = audio_in(&scratch.cache(), &five_seconds, &voice).unwrap();
        let audio_time = started.elapsed();
        eprintln!("first generation: audio(5, 1) by {} in {audio_time:?} ({} bytes)", audio.source, audio.bytes.len());
        assert!(audio_time.as_secs_f64() < 30.0, "{audio_time:?}");
    }
    eprintln!("first generation: video(224, 224, 300) in {video_time:?} ({} bytes)", video.bytes.len());
    assert_eq!(probe(&video.bytes).unwrap().frames, 300);
    assert!(video_time.as_secs_f64() < 60.0, "{video_time:?}");
}

#[test]
fn the_public_functions_use_the_shared_cache() {
    let shared = Cache::shared();
    let picture = image(48, 32).unwrap();
    assert_eq!(picture.path, shared.path("image_w48_h32_s0.jpg"));
    assert_eq!(decode_image(&picture.bytes).unwrap().width, 48);
    let speech = audio(1, 2).unwrap();
    assert_eq!(speech.source, Voice::detect().source());
    assert_eq!(decode_wav(&speech.bytes).unwrap().frames(), 48_000);
    let clip = video(32, 32, 3).unwrap();
    assert_eq!(clip.path, shared.path("video_w32_h32_n3_f30_s0_a0.mp4"));
}
