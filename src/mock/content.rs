//! The mock's "model": what it perceives in request media, and the speech, images and videos it
//! makes. Perception is honest: pixel and sample analysis, never special-cased test strings.
//! Generation is a small deterministic renderer: colours, shapes and counts named in a prompt
//! are drawn, so that analysing the output finds what the prompt asked for.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use super::errors::ApiError;
use super::routes::chat::request::{AudioFormat, Message, Part};
use crate::media::analysis::{self, ColourName};
use crate::media::{Audio, Frame, MediaError, data_url, picture, speech, video, wav};

/// What the mock found in a request's media.
#[derive(Debug, Default)]
pub struct Perception {
    /// One sentence per media item, in order.
    pub descriptions: Vec<String>,
    /// Prompt tokens the media would take in a real model.
    pub media_tokens: u64,
}

/// Looks at every image, audio and video in the messages. CPU-bound: run it off the async
/// threads.
pub fn perceive(messages: &[Message]) -> Result<Perception, ApiError> {
    let mut perception = Perception::default();
    for (m, message) in messages.iter().enumerate() {
        for (p, part) in message.parts.iter().enumerate() {
            let at = || format!("messages.{m}.content.{p}");
            let described = match part {
                Part::Text(_) => continue,
                Part::Image(url) => describe_image(&fetch(url, &at())?).map_err(|e| bad_media(&at(), e))?,
                Part::Video(url) => describe_video(&fetch(url, &at())?).map_err(|e| bad_media(&at(), e))?,
                Part::Audio(url) => describe_audio(&fetch(url, &at())?).map_err(|e| bad_media(&at(), e))?,
                Part::InputAudio { data, .. } => {
                    let bytes = data_url::decode(&format!("data:audio/wav;base64,{data}"))
                        .map_err(|e| bad_media(&at(), e))?
                        .bytes;
                    describe_audio(&bytes).map_err(|e| bad_media(&at(), e))?
                }
            };
            perception.descriptions.push(described.0);
            perception.media_tokens += described.1;
        }
    }
    Ok(perception)
}

fn fetch(url: &str, at: &str) -> Result<Vec<u8>, ApiError> {
    if !url.starts_with("data:") {
        return Err(ApiError::bad_request(format!(
            "{at}: the omnitest mock reads media from data: URLs only (it has no network access)"
        )));
    }
    data_url::decode(url).map(|d| d.bytes).map_err(|e| bad_media(at, e))
}

fn bad_media(at: &str, err: MediaError) -> ApiError {
    ApiError::bad_request(format!("{at}: {err}"))
}

/// Patch side of the vision encoder the token counts imitate.
const PATCH: u32 = 28;

fn describe_image(bytes: &[u8]) -> Result<(String, u64), MediaError> {
    let frame = picture::decode_image(bytes)?;
    let tokens = u64::from(frame.width.div_ceil(PATCH) * frame.height.div_ceil(PATCH));
    Ok((analysis::describe_image(&frame).sentence(), tokens))
}

fn describe_video(bytes: &[u8]) -> Result<(String, u64), MediaError> {
    let (info, frames) = video::decode_frames(bytes, 16)?;
    let per_frame = u64::from(info.width.div_ceil(PATCH) * info.height.div_ceil(PATCH));
    let tokens = (u64::from(info.frames) / 2).max(1) * per_frame;
    Ok((analysis::describe_video(&frames).sentence(), tokens.min(16_384)))
}

fn describe_audio(bytes: &[u8]) -> Result<(String, u64), MediaError> {
    let audio = wav::decode_any(bytes)?;
    let tokens = (audio.duration_s() * 25.0).ceil() as u64;
    let sentence = match speech::recognize(&audio) {
        Some(words) => format!("The audio says: \"{words}\"."),
        None => analysis::measure_audio(&audio).sentence(),
    };
    Ok((sentence, tokens))
}

/// Speech for `text` in the voice `speaker` at `sample_rate`.
pub fn speak(text: &str, speaker: &str, sample_rate: u32, speed: f32) -> Audio {
    speech::synthesize(text, &speech::voice(speaker), sample_rate, speed)
}

/// A sound for a prompt (text-to-audio models): a sequence of seeded chords, `seconds` long.
pub fn render_sound(prompt: &str, seed: u64, seconds: f64, sample_rate: u32) -> Audio {
    let mut rng = SmallRng::seed_from_u64(seed ^ xxhash_rust::xxh3::xxh3_64(prompt.as_bytes()));
    let frames = (seconds * f64::from(sample_rate)) as usize;
    let note_frames = (f64::from(sample_rate) * 0.5) as usize;
    let mut samples = Vec::with_capacity(frames);
    let mut chord = [0.0f32; 3];
    for i in 0..frames {
        if i % note_frames.max(1) == 0 {
            let root = 110.0 * 2f32.powf(rng.random_range(0..24) as f32 / 12.0);
            chord = [root, root * 1.26, root * 1.5];
        }
        let t = i as f32 / sample_rate as f32;
        let envelope = ((i % note_frames.max(1)) as f32 / note_frames.max(1) as f32 * std::f32::consts::PI).sin();
        let value: f32 = chord.iter().map(|f| (std::f32::consts::TAU * f * t).sin()).sum::<f32>() / 3.0;
        samples.push(0.6 * envelope * value);
    }
    Audio::mono(sample_rate, samples)
}

/// Silence as long as `audio` (the silent-audio defect).
pub fn silence_like(audio: &Audio) -> Audio {
    Audio { samples: vec![0.0; audio.samples.len()], ..audio.clone() }
}

/// White noise as long and as loud as `audio` (the noise-speech defect): no pitch, no words.
pub fn noise_like(audio: &Audio, seed: u64) -> Audio {
    let mut rng = SmallRng::seed_from_u64(seed);
    let samples = audio.samples.iter().map(|_| rng.random_range(-0.5f32..0.5)).collect();
    Audio { samples, ..audio.clone() }
}

/// Encodes audio as one self-contained segment in `format`.
pub fn encode_audio(audio: &Audio, format: AudioFormat) -> Result<Vec<u8>, ApiError> {
    match format {
        AudioFormat::Wav => Ok(wav::encode_wav(audio)),
        AudioFormat::Pcm => Ok(wav::encode_pcm16(audio)),
        AudioFormat::Flac => {
            wav::encode_flac(audio).map_err(|e| ApiError::internal(format!("FLAC encoding failed: {e}")))
        }
    }
}

/// Splits audio into chunks of `chunk_s` seconds (the last may be shorter).
pub fn chunk_audio(audio: &Audio, chunk_s: f64) -> Vec<Audio> {
    let frames_per_chunk = ((chunk_s.max(0.01) * f64::from(audio.sample_rate)) as usize).max(1);
    let channels = usize::from(audio.channels.max(1));
    audio
        .samples
        .chunks(frames_per_chunk * channels)
        .map(|samples| Audio { sample_rate: audio.sample_rate, channels: audio.channels, samples: samples.to_vec() })
        .collect()
}

/// What a prompt asks to be drawn.
#[derive(Clone, Debug, PartialEq)]
struct Scene {
    background: [u8; 3],
    colours: Vec<[u8; 3]>,
    shape: Shape,
    count: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Square,
    Circle,
}

const COLOURS: &[(&str, [u8; 3])] = &[
    ("red", [220, 30, 30]),
    ("green", [30, 170, 60]),
    ("blue", [30, 70, 220]),
    ("yellow", [240, 220, 30]),
    ("orange", [245, 140, 20]),
    ("purple", [130, 40, 180]),
    ("pink", [250, 130, 190]),
    ("cyan", [40, 200, 210]),
    ("brown", [130, 80, 40]),
    ("gray", [128, 128, 128]),
    ("black", [15, 15, 15]),
    ("white", [250, 250, 250]),
];

const NUMBERS: &[&str] = &["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

fn scene(prompt: &str, seed: u64, moving: bool) -> Scene {
    let words: Vec<String> =
        prompt.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let mut rng = SmallRng::seed_from_u64(seed ^ xxhash_rust::xxh3::xxh3_64(prompt.as_bytes()));
    let mut colours: Vec<[u8; 3]> = words
        .iter()
        .filter_map(|w| COLOURS.iter().find(|(name, _)| name == w).map(|(_, rgb)| *rgb))
        .filter(|rgb| *rgb != [250, 250, 250] && *rgb != [15, 15, 15])
        .collect();
    let shape = if words.iter().any(|w| ["circle", "circles", "ball", "balls", "sphere", "round"].contains(&w.as_str()))
        || moving
    {
        Shape::Circle
    } else {
        Shape::Square
    };
    let count = words
        .iter()
        .find_map(|w| w.parse::<usize>().ok().or_else(|| NUMBERS.iter().position(|n| n == w).map(|i| i + 1)))
        .unwrap_or_else(|| rng.random_range(3..6))
        .clamp(1, 10);
    if colours.is_empty() {
        colours = (0..count).map(|_| COLOURS[rng.random_range(0..9)].1).collect();
    }
    let background = if moving { [0, 0, 0] } else { [255, 255, 255] };
    Scene { background, colours, shape, count }
}

/// Draws what `prompt` names (colours, squares or circles, a count) at `width` × `height`.
pub fn render_image(prompt: &str, seed: u64, width: u32, height: u32) -> Frame {
    let scene = scene(prompt, seed, false);
    let mut frame = Frame::filled(width, height, scene.background);
    let mut rng = SmallRng::seed_from_u64(seed.wrapping_add(1));
    let side = (width.min(height) / 6).max(2);
    for slot in 0..scene.count {
        let colour = scene.colours[slot % scene.colours.len()];
        // A grid placement keeps shapes apart, so they stay countable.
        let (x, y) = grid_position(slot, scene.count, width, height, side, &mut rng);
        match scene.shape {
            Shape::Square => fill_square(&mut frame, x, y, side, colour),
            Shape::Circle => fill_circle(&mut frame, x + side / 2, y + side / 2, side / 2, colour),
        }
    }
    frame
}

/// The frames of a video of what `prompt` names, moving on black: `frames` frames.
pub fn render_video(prompt: &str, seed: u64, width: u32, height: u32, frames: u32) -> Vec<Frame> {
    let scene = scene(prompt, seed, true);
    let mut rng = SmallRng::seed_from_u64(seed.wrapping_add(2));
    let radius = (width.min(height) / 10).max(2);
    let mut balls: Vec<(f32, f32, f32, f32, [u8; 3])> = (0..scene.count)
        .map(|slot| {
            let (x, y) = grid_position(slot, scene.count, width, height, radius * 2, &mut rng);
            let speed = rng.random_range(2.0..5.0f32);
            let angle = rng.random_range(0.0..std::f32::consts::TAU);
            let colour = scene.colours[slot % scene.colours.len()];
            ((x + radius) as f32, (y + radius) as f32, speed * angle.cos(), speed * angle.sin(), colour)
        })
        .collect();
    let mut out = Vec::with_capacity(frames as usize);
    for _ in 0..frames {
        let mut frame = Frame::filled(width, height, scene.background);
        for ball in &mut balls {
            fill_circle(&mut frame, ball.0 as u32, ball.1 as u32, radius, ball.4);
            ball.0 += ball.2;
            ball.1 += ball.3;
            let (min, max_x, max_y) = (radius as f32, (width - radius) as f32, (height - radius) as f32);
            if ball.0 < min || ball.0 > max_x {
                ball.2 = -ball.2;
                ball.0 = ball.0.clamp(min, max_x);
            }
            if ball.1 < min || ball.1 > max_y {
                ball.3 = -ball.3;
                ball.1 = ball.1.clamp(min, max_y);
            }
        }
        out.push(frame);
    }
    out
}

/// An edit of `source`: resized to `width` × `height`, with what the prompt names drawn over it.
pub fn render_edit(source: &Frame, prompt: &str, seed: u64, width: u32, height: u32) -> Frame {
    let mut frame = resize(source, width, height);
    let overlay = render_image(prompt, seed, width, height);
    let background = scene(prompt, seed, false).background;
    for (i, px) in overlay.rgb.chunks(3).enumerate() {
        if px != background {
            frame.rgb[i * 3..i * 3 + 3].copy_from_slice(px);
        }
    }
    frame
}

/// Several images side by side on white, scaled to the height of the tallest: what an edit of
/// several images starts from.
pub fn juxtapose(images: &[Frame]) -> Frame {
    match images {
        [] => Frame::filled(1, 1, [255, 255, 255]),
        [one] => one.clone(),
        many => {
            let height = many.iter().map(|f| f.height).max().unwrap_or(1).max(1);
            let widths: Vec<u32> = many
                .iter()
                .map(|f| ((u64::from(f.width) * u64::from(height)) / u64::from(f.height.max(1))).max(1) as u32)
                .collect();
            let mut out = Frame::filled(widths.iter().sum::<u32>().max(1), height, [255, 255, 255]);
            let mut left = 0;
            for (frame, width) in many.iter().zip(widths) {
                let scaled = resize(frame, width, height);
                for y in 0..height {
                    for x in 0..width {
                        out.set_pixel(left + x, y, scaled.pixel(x, y));
                    }
                }
                left += width;
            }
            out
        }
    }
}

/// `frame` resized to `width` × `height` (nearest neighbour).
pub fn resize(frame: &Frame, width: u32, height: u32) -> Frame {
    let mut out = Frame::filled(width, height, [0, 0, 0]);
    if frame.width == 0 || frame.height == 0 {
        return out;
    }
    for y in 0..height {
        for x in 0..width {
            let sx = (u64::from(x) * u64::from(frame.width) / u64::from(width.max(1))) as u32;
            let sy = (u64::from(y) * u64::from(frame.height) / u64::from(height.max(1))) as u32;
            out.set_pixel(x, y, frame.pixel(sx.min(frame.width - 1), sy.min(frame.height - 1)));
        }
    }
    out
}

/// A video conditioned on a reference image (image-to-video): what `prompt` names moves over
/// the reference, resized to the video's size, instead of over black.
pub fn render_video_over(
    reference: &Frame,
    prompt: &str,
    seed: u64,
    width: u32,
    height: u32,
    frames: u32,
) -> Vec<Frame> {
    let backdrop = resize(reference, width, height);
    let background = scene(prompt, seed, true).background;
    render_video(prompt, seed, width, height, frames)
        .into_iter()
        .map(|mut frame| {
            for (i, px) in frame.rgb.chunks_mut(3).enumerate() {
                if px == background {
                    px.copy_from_slice(&backdrop.rgb[i * 3..i * 3 + 3]);
                }
            }
            frame
        })
        .collect()
}

fn grid_position(slot: usize, count: usize, width: u32, height: u32, side: u32, rng: &mut SmallRng) -> (u32, u32) {
    let columns = (count as f64).sqrt().ceil() as u32;
    let rows = (count as u32).div_ceil(columns);
    let (cell_w, cell_h) = (width / columns.max(1), height / rows.max(1));
    let (col, row) = (slot as u32 % columns, slot as u32 / columns);
    let slack_x = cell_w.saturating_sub(side + 2).max(1);
    let slack_y = cell_h.saturating_sub(side + 2).max(1);
    let x = col * cell_w + 1 + rng.random_range(0..slack_x);
    let y = row * cell_h + 1 + rng.random_range(0..slack_y);
    (x.min(width.saturating_sub(side + 1)), y.min(height.saturating_sub(side + 1)))
}

fn fill_square(frame: &mut Frame, x: u32, y: u32, side: u32, colour: [u8; 3]) {
    for yy in y..(y + side).min(frame.height) {
        for xx in x..(x + side).min(frame.width) {
            frame.set_pixel(xx, yy, colour);
        }
    }
}

fn fill_circle(frame: &mut Frame, cx: u32, cy: u32, radius: u32, colour: [u8; 3]) {
    let r2 = i64::from(radius) * i64::from(radius);
    for yy in cy.saturating_sub(radius)..(cy + radius).min(frame.height) {
        for xx in cx.saturating_sub(radius)..(cx + radius).min(frame.width) {
            let (dx, dy) = (i64::from(xx) - i64::from(cx), i64::from(yy) - i64::from(cy));
            if dx * dx + dy * dy <= r2 {
                frame.set_pixel(xx, yy, colour);
            }
        }
    }
}

/// The colour name analysis gives an RGB value (used by tests of the renderer).
pub fn colour_name(rgb: [u8; 3]) -> ColourName {
    ColourName::of(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::analysis::ShapeKind;

    #[test]
    fn drawn_prompts_are_found_again_by_analysis() {
        let frame = render_image("three red squares", 1, 256, 256);
        let description = analysis::describe_image(&frame);
        assert_eq!(description.shapes.len(), 3, "{}", description.sentence());
        assert!(description.shapes.iter().all(|s| s.kind == ShapeKind::Square && s.colour == ColourName::Red));
        let circles = analysis::describe_image(&render_image("two blue circles", 4, 256, 256));
        assert!(circles.shapes.iter().all(|s| s.kind == ShapeKind::Circle), "{}", circles.sentence());
    }

    #[test]
    fn videos_move() {
        let frames = render_video("balls", 3, 128, 96, 9);
        assert_eq!(frames.len(), 9);
        assert!(analysis::describe_video(&frames).moving);
    }

    #[test]
    fn several_sources_are_juxtaposed() {
        let (red, blue) = (Frame::filled(20, 10, [200, 0, 0]), Frame::filled(10, 20, [0, 0, 200]));
        let both = juxtapose(&[red, blue]);
        assert_eq!((both.width, both.height), (40 + 10, 20));
        assert_eq!((both.pixel(5, 5), both.pixel(45, 5)), ([200, 0, 0], [0, 0, 200]));
    }

    #[test]
    fn image_to_video_keeps_the_reference_behind_the_motion() {
        let reference = Frame::filled(32, 32, [10, 160, 10]);
        let frames = render_video_over(&reference, "one red ball", 1, 64, 48, 5);
        assert_eq!(frames.len(), 5);
        assert_eq!((frames[0].width, frames[0].pixel(0, 0)), (64, [10, 160, 10]));
        assert!(frames[0].rgb.chunks(3).any(|px| px == [220, 30, 30]), "the ball is drawn");
    }

    #[test]
    fn audio_chunks_cover_the_audio() {
        let audio = Audio::mono(1000, vec![0.1; 2500]);
        let chunks = chunk_audio(&audio, 1.0);
        assert_eq!(chunks.iter().map(Audio::frames).collect::<Vec<_>>(), [1000, 1000, 500]);
    }
}
