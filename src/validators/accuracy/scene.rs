//! The media of evaluation items, drawn from their descriptions: filled squares and circles at
//! given places, balls moving in straight lines and bouncing off the edges, and a phrase spoken
//! by the synthetic-audio voice.

use serde::Deserialize;

use crate::media::synth::{self, AudioOptions};
use crate::media::{Frame, MediaError, data_url, picture, video};

/// The colours items may name, and the RGB they are drawn in: saturated enough that any model,
/// and the mock's colour naming, agree on their names.
const PALETTE: &[(&str, [u8; 3])] = &[
    ("red", [220, 30, 30]),
    ("green", [30, 170, 60]),
    ("blue", [40, 70, 220]),
    ("yellow", [240, 210, 30]),
    ("purple", [140, 50, 170]),
    ("orange", [245, 140, 20]),
    ("white", [255, 255, 255]),
    ("black", [0, 0, 0]),
];

fn rgb(name: &str) -> Result<[u8; 3], String> {
    PALETTE.iter().find(|(known, _)| *known == name).map(|(_, rgb)| *rgb).ok_or_else(|| {
        let names: Vec<&str> = PALETTE.iter().map(|(name, _)| *name).collect();
        format!("unknown colour `{name}` (known: {})", names.join(", "))
    })
}

/// A kind of shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeKind {
    /// A filled square.
    Square,
    /// A filled circle.
    Circle,
}

/// One shape: its bounding box's top-left corner and side.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeSpec {
    /// Square or circle.
    pub shape: ShapeKind,
    /// A palette colour.
    pub colour: String,
    /// Top-left corner, in pixels.
    pub at: [u32; 2],
    /// Side of the square, or diameter of the circle.
    pub size: u32,
}

/// A picture.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PictureSpec {
    /// Width and height.
    pub size: [u32; 2],
    /// A palette colour.
    pub background: String,
    /// What is drawn, in order.
    pub shapes: Vec<ShapeSpec>,
}

/// One ball of a clip: where it starts and how many pixels it moves per frame.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallSpec {
    /// A palette colour.
    pub colour: String,
    /// Top-left corner of its box in the first frame.
    pub at: [u32; 2],
    /// Diameter.
    pub size: u32,
    /// Pixels per frame, across and down.
    pub velocity: [i32; 2],
}

/// A clip of moving balls.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSpec {
    /// Width and height, even.
    pub size: [u32; 2],
    /// Frame count.
    pub frames: u32,
    /// Frames per second.
    pub fps: u32,
    /// A palette colour.
    pub background: String,
    /// The balls.
    pub balls: Vec<BallSpec>,
}

/// Speech: a phrase repeated to fill the clip.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeechSpec {
    /// What is said.
    pub say: String,
    /// How long the clip is.
    pub seconds: u32,
}

impl PictureSpec {
    pub(super) fn check(&self) -> Result<(), String> {
        let [width, height] = self.size;
        if !(16..=2048).contains(&width) || !(16..=2048).contains(&height) {
            return Err(format!("size {width}x{height} is outside 16–2048"));
        }
        rgb(&self.background)?;
        for (i, shape) in self.shapes.iter().enumerate() {
            rgb(&shape.colour).map_err(|e| format!("shape {i}: {e}"))?;
            if shape.size < 4 || shape.at[0] + shape.size > width || shape.at[1] + shape.size > height {
                return Err(format!("shape {i} does not fit in the {width}x{height} picture"));
            }
        }
        Ok(())
    }

    /// The picture.
    pub fn render(&self) -> Result<Frame, String> {
        let mut frame = Frame::filled(self.size[0], self.size[1], rgb(&self.background)?);
        for shape in &self.shapes {
            let colour = rgb(&shape.colour)?;
            match shape.shape {
                ShapeKind::Square => fill_square(&mut frame, shape.at, shape.size, colour),
                ShapeKind::Circle => fill_circle(&mut frame, shape.at, shape.size, colour),
            }
        }
        Ok(frame)
    }

    /// The picture as a PNG `data:` URL.
    pub fn data_url(&self) -> Result<String, String> {
        let png = picture::encode_png(&self.render()?).map_err(|e| e.to_string())?;
        Ok(data_url::encode("image/png", &png))
    }
}

impl VideoSpec {
    pub(super) fn check(&self) -> Result<(), String> {
        let [width, height] = self.size;
        if width % 2 != 0 || height % 2 != 0 || !(16..=1024).contains(&width) || !(16..=1024).contains(&height) {
            return Err(format!("size {width}x{height} must be even and within 16–1024"));
        }
        if !(1..=300).contains(&self.frames) || !(1..=60).contains(&self.fps) {
            return Err(format!("{} frames at {} fps: frames must be 1–300 and fps 1–60", self.frames, self.fps));
        }
        rgb(&self.background)?;
        for (i, ball) in self.balls.iter().enumerate() {
            rgb(&ball.colour).map_err(|e| format!("ball {i}: {e}"))?;
            if ball.size < 4 || ball.at[0] + ball.size > width || ball.at[1] + ball.size > height {
                return Err(format!("ball {i} does not start inside the {width}x{height} picture"));
            }
        }
        Ok(())
    }

    /// The frames: each ball moves by its velocity per frame and bounces off the edges.
    pub fn render(&self) -> Result<Vec<Frame>, String> {
        let [width, height] = self.size;
        let background = rgb(&self.background)?;
        let mut balls: Vec<MovingBall> = self
            .balls
            .iter()
            .map(|b| {
                Ok(MovingBall {
                    at: [i64::from(b.at[0]), i64::from(b.at[1])],
                    velocity: [i64::from(b.velocity[0]), i64::from(b.velocity[1])],
                    size: b.size,
                    colour: rgb(&b.colour)?,
                })
            })
            .collect::<Result<_, String>>()?;
        let mut frames = Vec::with_capacity(self.frames as usize);
        for _ in 0..self.frames {
            let mut frame = Frame::filled(width, height, background);
            for ball in &balls {
                fill_circle(&mut frame, [ball.at[0] as u32, ball.at[1] as u32], ball.size, ball.colour);
            }
            frames.push(frame);
            for ball in &mut balls {
                for axis in 0..2 {
                    let limit = i64::from(self.size[axis]) - i64::from(ball.size);
                    ball.at[axis] += ball.velocity[axis];
                    if ball.at[axis] < 0 || ball.at[axis] > limit {
                        ball.velocity[axis] = -ball.velocity[axis];
                        ball.at[axis] = ball.at[axis].clamp(0, limit);
                    }
                }
            }
        }
        Ok(frames)
    }

    /// The clip as an H.264 MP4 `data:` URL.
    pub fn data_url(&self) -> Result<String, String> {
        let mp4 = video::encode_mp4(&self.render()?, self.fps).map_err(|e| e.to_string())?;
        Ok(data_url::encode("video/mp4", &mp4))
    }
}

/// A ball as a clip is drawn: where it is now and where it is heading.
struct MovingBall {
    at: [i64; 2],
    velocity: [i64; 2],
    size: u32,
    colour: [u8; 3],
}

impl SpeechSpec {
    pub(super) fn check(&self) -> Result<(), String> {
        if self.say.trim().is_empty() || !(1..=30).contains(&self.seconds) {
            return Err(format!(
                "say {:?} for {} s: the phrase must not be empty and 1–30 s long",
                self.say, self.seconds
            ));
        }
        Ok(())
    }

    /// The speech as a WAV `data:` URL (spoken by `espeak-ng`, or the fallback voice without it).
    pub fn data_url(&self) -> Result<String, MediaError> {
        let options =
            AudioOptions { duration_s: f64::from(self.seconds), phrase: self.say.clone(), ..AudioOptions::default() };
        Ok(synth::audio_with(options)?.data_url())
    }
}

fn fill_square(frame: &mut Frame, [x, y]: [u32; 2], side: u32, colour: [u8; 3]) {
    for row in y..(y + side).min(frame.height) {
        for column in x..(x + side).min(frame.width) {
            frame.set_pixel(column, row, colour);
        }
    }
}

fn fill_circle(frame: &mut Frame, [x, y]: [u32; 2], diameter: u32, colour: [u8; 3]) {
    let radius = f64::from(diameter) / 2.0;
    let (cx, cy) = (f64::from(x) + radius, f64::from(y) + radius);
    for row in y..(y + diameter).min(frame.height) {
        for column in x..(x + diameter).min(frame.width) {
            let (dx, dy) = (f64::from(column) + 0.5 - cx, f64::from(row) + 0.5 - cy);
            if dx * dx + dy * dy <= radius * radius {
                frame.set_pixel(column, row, colour);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::analysis::{self, ColourName};

    fn shape(shape: ShapeKind, colour: &str, at: [u32; 2], size: u32) -> ShapeSpec {
        ShapeSpec { shape, colour: colour.into(), at, size }
    }

    #[test]
    fn drawn_pictures_are_what_their_descriptions_say() {
        let picture = PictureSpec {
            size: [256, 256],
            background: "white".into(),
            shapes: vec![
                shape(ShapeKind::Square, "red", [20, 20], 60),
                shape(ShapeKind::Square, "blue", [150, 30], 50),
                shape(ShapeKind::Circle, "green", [60, 150], 70),
            ],
        };
        let described = analysis::describe_image(&picture.render().unwrap());
        assert_eq!(described.shapes.len(), 3, "{}", described.sentence());
        assert_eq!(described.background, ColourName::White);
        for palette_colour in ["red", "blue", "green"] {
            assert!(described.sentence().contains(palette_colour), "{}", described.sentence());
        }
    }

    #[test]
    fn balls_move_and_stay_inside() {
        let clip = VideoSpec {
            size: [64, 48],
            frames: 30,
            fps: 10,
            background: "black".into(),
            balls: vec![BallSpec { colour: "red".into(), at: [2, 2], size: 10, velocity: [7, 5] }],
        };
        let frames = clip.render().unwrap();
        assert_eq!(frames.len(), 30);
        assert_ne!(frames[0].rgb, frames[1].rgb);
        let description = analysis::describe_video(&frames);
        assert!(description.moving, "{}", description.sentence());
    }

    #[test]
    fn every_palette_colour_is_named_as_itself() {
        for (name, rgb) in PALETTE {
            assert_eq!(ColourName::of(*rgb).name(), *name);
        }
    }
}
