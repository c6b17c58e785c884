//! Pictures of outlined squares on white, as `generate_synthetic_image` draws them.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use super::cache::Cache;
use super::{GENERATED, ImageFormat, Synthetic};
use crate::media::picture::{encode_jpeg, encode_png};
use crate::media::{Frame, MediaError};

/// The quality the seed saves its JPEGs at.
const JPEG_QUALITY: u8 = 85;
/// Larger pictures are refused: nothing tests send needs more, and memory stays bounded.
const MAX_SIDE: u32 = 8192;
/// Attempts to place each wanted square before settling for fewer.
const ATTEMPTS_PER_SQUARE: u32 = 50;
/// Pixels kept free between squares, so that neither their outlines nor JPEG's blur joins two
/// squares into one shape.
const GAP: u32 = 3;
/// An outline is at most this fraction of its square's side, which only squares under 30 px
/// feel: a thicker outline would leave too little colour inside to count, and would itself look
/// like a shape.
const OUTLINE_FRACTION: u32 = 6;
/// Fills are at least this far (RGB, Euclidean) from black; about 3% of random colours are
/// nearer and drawn again, up to [`FILL_ATTEMPTS`] times.
const MIN_DISTANCE_FROM_BLACK: f32 = 96.0;
const FILL_ATTEMPTS: u32 = 16;
const WHITE: [u8; 3] = [255, 255, 255];
const BLACK: [u8; 3] = [0, 0, 0];

/// What [`image_with`] draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageOptions {
    /// Width in pixels, 1 to 8192.
    pub width: u32,
    /// Height in pixels, 1 to 8192.
    pub height: u32,
    /// Seeds the random squares: the same options always give the same bytes.
    pub seed: u64,
    /// JPEG (at quality 85, as the seed saves) or PNG.
    pub format: ImageFormat,
}

impl Default for ImageOptions {
    /// 224×224, seed 0, JPEG: the seed's usual picture.
    fn default() -> Self {
        ImageOptions { width: 224, height: 224, seed: 0, format: ImageFormat::Jpeg }
    }
}

/// A `width × height` JPEG of outlined squares on white, from seed 0.
pub fn image(width: u32, height: u32) -> Result<Synthetic, MediaError> {
    image_with(ImageOptions { width, height, ..ImageOptions::default() })
}

/// A picture of 3–8 filled squares on white: random colours (none close to black), sides
/// between an eighth and a quarter of the shorter side, black outlines 1–5 px wide (at most a
/// sixth of the side), at random places that do not overlap (fewer squares when the canvas has
/// no room for more). On canvases of 96 px and more,
/// [`describe_image`](crate::media::analysis::describe_image) counts every square, in JPEG too.
pub fn image_with(options: ImageOptions) -> Result<Synthetic, MediaError> {
    image_in(&Cache::shared(), options)
}

/// [`image_with`], cached in `cache`.
pub(super) fn image_in(cache: &Cache, options: ImageOptions) -> Result<Synthetic, MediaError> {
    let ImageOptions { width, height, seed, format } = options;
    if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) {
        return Err(MediaError::Unsupported {
            what: "image size",
            detail: format!("both sides must be 1 to {MAX_SIDE} pixels, got {width}×{height}"),
        });
    }
    let extension = match format {
        ImageFormat::Jpeg => "jpg",
        ImageFormat::Png => "png",
    };
    let name = format!("image_w{width}_h{height}_s{seed}.{extension}");
    let (bytes, path) = cache.read_or_make(&name, || {
        let (picture, _) = draw_squares(options);
        match format {
            ImageFormat::Jpeg => encode_jpeg(&picture, JPEG_QUALITY),
            ImageFormat::Png => encode_png(&picture),
        }
    })?;
    Ok(Synthetic { bytes, mime: format.mime(), path, source: GENERATED })
}

/// A square's top-left corner and its side; it covers `side + 1` pixels each way, as PIL's
/// `rectangle([x, y, x + side, y + side])` does.
#[derive(Clone, Copy)]
struct Placement {
    x: u32,
    y: u32,
    side: u32,
}

impl Placement {
    fn is_apart_from(&self, other: &Placement) -> bool {
        self.x > other.x + other.side + GAP
            || other.x > self.x + self.side + GAP
            || self.y > other.y + other.side + GAP
            || other.y > self.y + self.side + GAP
    }
}

/// The picture, and how many squares it shows.
pub(super) fn draw_squares(options: ImageOptions) -> (Frame, usize) {
    let ImageOptions { width, height, seed, .. } = options;
    let mut random = SmallRng::seed_from_u64(seed);
    let mut picture = Frame::filled(width, height, WHITE);
    let wanted: u32 = random.random_range(3..=8);
    let shorter = width.min(height);
    let sides = (shorter / 8).max(1)..=(shorter / 4).max(2);
    let mut placed: Vec<Placement> = Vec::new();
    for _ in 0..wanted * ATTEMPTS_PER_SQUARE {
        if placed.len() == wanted as usize {
            break;
        }
        let side = random.random_range(sides.clone());
        let x = random.random_range(0..=width.saturating_sub(side + 1));
        let y = random.random_range(0..=height.saturating_sub(side + 1));
        let candidate = Placement { x, y, side };
        let fits = x + side < width && y + side < height;
        if fits && placed.iter().all(|other| candidate.is_apart_from(other)) {
            let fill = fill_colour(&mut random);
            let outline = random.random_range(1..=5).min((side / OUTLINE_FRACTION).max(1));
            draw_square(&mut picture, candidate, fill, outline);
            placed.push(candidate);
        }
    }
    (picture, placed.len())
}

/// A random colour that stands apart from the black outline. Dark fills are drawn again: under
/// JPEG they blur into the outline and the two read as one shape that is not a square.
fn fill_colour(random: &mut SmallRng) -> [u8; 3] {
    let mut colour = [0; 3];
    for _ in 0..FILL_ATTEMPTS {
        colour = [0; 3].map(|_| random.random_range(0..=255u8));
        let distance_from_black = colour.iter().map(|&channel| f32::from(channel).powi(2)).sum::<f32>().sqrt();
        if distance_from_black >= MIN_DISTANCE_FROM_BLACK {
            break;
        }
    }
    colour
}

/// A filled square whose outline lies inside its edge, `outline` pixels wide.
fn draw_square(picture: &mut Frame, Placement { x, y, side }: Placement, fill: [u8; 3], outline: u32) {
    for row in y..=y + side {
        for column in x..=x + side {
            let inset = (column - x).min(row - y).min(x + side - column).min(y + side - row);
            picture.set_pixel(column, row, if inset < outline { BLACK } else { fill });
        }
    }
}
