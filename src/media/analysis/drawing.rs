//! Test pictures drawn the way the validators' synthetic inputs are: outlined squares on
//! white, filled circles on black, and the perturbations they go through.

use crate::media::Frame;

/// A small deterministic random generator (xorshift64).
pub(super) struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let span = (high - low + 1).max(1) as u64;
        low + (self.0 % span) as i64
    }

    pub fn colour(&mut self, low: u8) -> [u8; 3] {
        [0; 3].map(|_| self.between(i64::from(low), 255) as u8)
    }
}

/// A filled square with its top-left corner at (x, y), `side + 1` pixels across with the
/// outline inside, as PIL's `rectangle([x, y, x + side, y + side], fill, outline, width)`.
pub(super) fn square(frame: &mut Frame, (x, y): (u32, u32), side: u32, fill: [u8; 3], outline: u32) {
    for py in y..=(y + side).min(frame.height - 1) {
        for px in x..=(x + side).min(frame.width - 1) {
            let inset = (px - x).min(py - y).min(x + side - px).min(y + side - py);
            frame.set_pixel(px, py, if inset < outline { [0, 0, 0] } else { fill });
        }
    }
}

/// A filled rectangle without outline.
pub(super) fn rectangle(frame: &mut Frame, (x, y): (u32, u32), (width, height): (u32, u32), fill: [u8; 3]) {
    for py in y..(y + height).min(frame.height) {
        for px in x..(x + width).min(frame.width) {
            frame.set_pixel(px, py, fill);
        }
    }
}

/// A filled disc, as OpenCV's `circle(…, thickness=-1)` without anti-aliasing.
pub(super) fn disc(frame: &mut Frame, (cx, cy): (i64, i64), radius: i64, fill: [u8; 3]) {
    for py in (cy - radius).max(0)..=(cy + radius).min(i64::from(frame.height) - 1) {
        for px in (cx - radius).max(0)..=(cx + radius).min(i64::from(frame.width) - 1) {
            if (px - cx).pow(2) + (py - cy).pow(2) <= radius * radius {
                frame.set_pixel(px as u32, py as u32, fill);
            }
        }
    }
}

/// A filled right triangle with its right angle at the bottom left.
pub(super) fn triangle(frame: &mut Frame, (x, y): (u32, u32), side: u32, fill: [u8; 3]) {
    for row in 0..side {
        for column in 0..=row {
            frame.set_pixel(x + column, y + row, fill);
        }
    }
}

/// Every channel moved by up to ±`amplitude`, as JPEG's noise does to flat colour.
pub(super) fn noisy(frame: &Frame, amplitude: i64, seed: u64) -> Frame {
    let mut random = Random::new(seed);
    let rgb =
        frame.rgb.iter().map(|&c| (i64::from(c) + random.between(-amplitude, amplitude)).clamp(0, 255) as u8).collect();
    Frame { rgb, ..frame.clone() }
}

/// Through a real JPEG encoder at `quality` and back.
pub(super) fn through_jpeg(frame: &Frame, quality: u8) -> Frame {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    let encoded = image::ImageEncoder::write_image(
        encoder,
        &frame.rgb,
        frame.width,
        frame.height,
        image::ExtendedColorType::Rgb8,
    );
    assert!(encoded.is_ok(), "JPEG encoding failed: {encoded:?}");
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg);
    let Ok(decoded) = decoded else {
        panic!("JPEG decoding failed");
    };
    let rgb = decoded.to_rgb8();
    Frame { width: rgb.width(), height: rgb.height(), rgb: rgb.into_raw() }
}

/// Outlined squares placed at random without overlapping, as the validators' synthetic image
/// draws them (3–8 squares, side min/8..min/4, any colour, outline 1–5 px). Returns the
/// picture and the number of squares.
pub(super) fn random_squares(width: u32, height: u32, seed: u64) -> (Frame, usize) {
    let mut random = Random::new(seed);
    let mut frame = Frame::filled(width, height, [255, 255, 255]);
    let wanted = random.between(3, 8) as usize;
    let short = i64::from(width.min(height));
    let mut placed: Vec<(i64, i64, i64)> = Vec::new();
    for _ in 0..wanted * 50 {
        if placed.len() == wanted {
            break;
        }
        let side = random.between((short / 8).max(1), (short / 4).max(2));
        let x = random.between(0, (i64::from(width) - side - 1).max(0));
        let y = random.between(0, (i64::from(height) - side - 1).max(0));
        let apart = |&(ox, oy, os): &(i64, i64, i64)| x > ox + os || ox > x + side || y > oy + os || oy > y + side;
        if placed.iter().all(apart) {
            let fill = random.colour(0);
            let outline = random.between(1, 5) as u32;
            square(&mut frame, (x as u32, y as u32), side as u32, fill, outline);
            placed.push((x, y, side));
        }
    }
    (frame, placed.len())
}
