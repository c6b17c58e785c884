//! Videos of bouncing balls, as `generate_synthetic_video` makes them, optionally with speech.

use std::f64::consts::TAU;

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use super::audio::{AudioOptions, audio_in};
use super::cache::Cache;
use super::programs::find_program;
use super::voice::Voice;
use super::{ESPEAK_NG, GENERATED, Synthetic};
use crate::media::video::{Mp4Encoder, mux_audio_with_ffmpeg};
use crate::media::wav::decode_wav;
use crate::media::{Frame, MediaError};

const BLACK: [u8; 3] = [0, 0, 0];
/// The shorter side must leave balls a radius (an eighth of it) of at least one pixel.
const MIN_SIDE: u32 = 8;

/// What [`video_with`] shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VideoOptions {
    /// Width in pixels: even, at least 8 (H.264 in 4:2:0 needs even sides).
    pub width: u32,
    /// Height in pixels: even, at least 8.
    pub height: u32,
    /// How many frames, at least 1.
    pub num_frames: u32,
    /// Frames per second.
    pub fps: u32,
    /// Seeds the balls: the same options always give the same pictures.
    pub seed: u64,
    /// Whether to add spoken "test" ([`super::audio`]) as an AAC track, which needs `ffmpeg`.
    pub embed_audio: bool,
}

impl Default for VideoOptions {
    /// One second of 224×224 at 30 fps, seed 0, without sound.
    fn default() -> Self {
        VideoOptions { width: 224, height: 224, num_frames: 30, fps: 30, seed: 0, embed_audio: false }
    }
}

/// A `width × height` H.264 MP4 of `num_frames` frames of bouncing balls at 30 fps, from seed 0,
/// without sound.
pub fn video(width: u32, height: u32, num_frames: u32) -> Result<Synthetic, MediaError> {
    video_with(VideoOptions { width, height, num_frames, ..VideoOptions::default() })
}

/// 3–8 filled balls (radius an eighth of the shorter side, colour channels 50–255, 3–8 px a
/// frame in a random direction) bouncing off the edges of a black picture, H.264 MP4.
///
/// With `embed_audio`, speech of the video's duration is muxed in through `ffmpeg`. When that
/// fails the video is returned without sound, as the seed does, with [`Synthetic::source`]
/// saying `video-only: <reason>`; the reason in full goes to stderr.
pub fn video_with(options: VideoOptions) -> Result<Synthetic, MediaError> {
    video_in(&Cache::shared(), options, &Voice::detect(), find_program("ffmpeg").is_some())
}

/// [`video_with`], cached in `cache`, with `voice` for the sound and `ffmpeg_found` saying
/// whether muxing can be tried.
pub(super) fn video_in(
    cache: &Cache,
    options: VideoOptions,
    voice: &Voice,
    ffmpeg_found: bool,
) -> Result<Synthetic, MediaError> {
    let VideoOptions { width, height, num_frames, fps, seed, embed_audio } = options;
    check(options)?;
    let stem = format!("video_w{width}_h{height}_n{num_frames}_f{fps}_s{seed}");
    let (bytes, path) = cache.read_or_make(&format!("{stem}_a0.mp4"), || encode(options))?;
    let silent = Synthetic { bytes, mime: "video/mp4", path, source: GENERATED };
    if !embed_audio {
        return Ok(silent);
    }
    let source = if voice.source() == ESPEAK_NG { "video+espeak-ng" } else { "video+fallback" };
    let name = format!("{stem}_a1_{}.mp4", voice.source());
    if let Some((bytes, path)) = cache.read(&name)? {
        return Ok(Synthetic { bytes, mime: "video/mp4", path, source });
    }
    if !ffmpeg_found {
        eprintln!("omnitest: synthetic video {name} has no sound: ffmpeg is not on PATH");
        return Ok(Synthetic { source: "video-only: ffmpeg not found", ..silent });
    }
    let speech = AudioOptions { duration_s: f64::from(num_frames) / f64::from(fps), ..AudioOptions::default() };
    let soundtrack = match audio_in(cache, &speech, voice).and_then(|audio| decode_wav(&audio.bytes)) {
        Ok(soundtrack) => soundtrack,
        Err(error) => {
            eprintln!("omnitest: synthetic video {name} has no sound: {error}");
            return Ok(Synthetic { source: "video-only: no speech", ..silent });
        }
    };
    match mux_audio_with_ffmpeg(&silent.bytes, &soundtrack) {
        Ok(bytes) => {
            let path = cache.store(&name, &bytes)?;
            Ok(Synthetic { bytes, mime: "video/mp4", path, source })
        }
        Err(error) => {
            eprintln!("omnitest: synthetic video {name} has no sound: {error}");
            Ok(Synthetic { source: "video-only: ffmpeg failed", ..silent })
        }
    }
}

fn check(options: VideoOptions) -> Result<(), MediaError> {
    let VideoOptions { width, height, num_frames, fps, .. } = options;
    if width % 2 == 1 || height % 2 == 1 || width.min(height) < MIN_SIDE {
        return Err(MediaError::Unsupported {
            what: "video size",
            detail: format!("both sides must be even and at least {MIN_SIDE} pixels, got {width}×{height}"),
        });
    }
    if num_frames == 0 || fps == 0 {
        return Err(MediaError::Unsupported {
            what: "video length",
            detail: format!("expected at least one frame at a rate above 0, got {num_frames} at {fps} fps"),
        });
    }
    Ok(())
}

/// A ball's centre and its step per frame, in pixels.
struct Ball {
    x: f64,
    y: f64,
    step_x: f64,
    step_y: f64,
    colour: [u8; 3],
}

fn encode(options: VideoOptions) -> Result<Vec<u8>, MediaError> {
    let mut encoder = Mp4Encoder::new(options.width, options.height, options.fps)?;
    let mut balls = Balls::new(options);
    for _ in 0..options.num_frames {
        encoder.push(&balls.next_frame())?;
    }
    encoder.finish()
}

/// The balls of one video, moved and drawn frame by frame.
pub(super) struct Balls {
    width: u32,
    height: u32,
    radius: u32,
    balls: Vec<Ball>,
}

impl Balls {
    /// The balls at their starting places; `options` must have passed `check`.
    pub fn new(options: VideoOptions) -> Balls {
        let VideoOptions { width, height, seed, .. } = options;
        let mut random = SmallRng::seed_from_u64(seed);
        let radius = width.min(height) / 8;
        let count: usize = random.random_range(3..=8);
        let balls = (0..count)
            .map(|_| {
                let x = random.random_range(radius..=width - radius);
                let y = random.random_range(radius..=height - radius);
                let speed: f64 = random.random_range(3.0..8.0);
                let angle: f64 = random.random_range(0.0..TAU);
                let colour = [0; 3].map(|_| random.random_range(50..=255u8));
                Ball {
                    x: f64::from(x),
                    y: f64::from(y),
                    step_x: speed * angle.cos(),
                    step_y: speed * angle.sin(),
                    colour,
                }
            })
            .collect();
        Balls { width, height, radius, balls }
    }

    /// How many balls there are.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.balls.len()
    }

    /// Moves every ball one step, turning it back at the edges, and draws the frame.
    pub fn next_frame(&mut self) -> Frame {
        let mut frame = Frame::filled(self.width, self.height, BLACK);
        let radius = f64::from(self.radius);
        let (width, height) = (f64::from(self.width), f64::from(self.height));
        for ball in &mut self.balls {
            ball.x += ball.step_x;
            ball.y += ball.step_y;
            if ball.x - radius <= 0.0 || ball.x + radius >= width {
                ball.step_x = -ball.step_x;
                ball.x = ball.x.clamp(radius, width - radius);
            }
            if ball.y - radius <= 0.0 || ball.y + radius >= height {
                ball.step_y = -ball.step_y;
                ball.y = ball.y.clamp(radius, height - radius);
            }
            draw_disc(&mut frame, (ball.x as i64, ball.y as i64), i64::from(self.radius), ball.colour);
        }
        frame
    }
}

/// A filled disc without anti-aliasing, as OpenCV's `circle(…, thickness=-1)`, clipped to the
/// frame.
fn draw_disc(frame: &mut Frame, (centre_x, centre_y): (i64, i64), radius: i64, colour: [u8; 3]) {
    let rows = (centre_y - radius).max(0)..=(centre_y + radius).min(i64::from(frame.height) - 1);
    for y in rows {
        let columns = (centre_x - radius).max(0)..=(centre_x + radius).min(i64::from(frame.width) - 1);
        for x in columns {
            if (x - centre_x).pow(2) + (y - centre_y).pow(2) <= radius * radius {
                // Both lie inside the frame, whose sides fit in u32.
                frame.set_pixel(x as u32, y as u32, colour);
            }
        }
    }
}
