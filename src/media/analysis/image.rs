//! What an image shows: its background and the filled shapes on it.

use super::colour::ColourName;
use super::segment::{Region, Segmentation, segment};
use super::wording::{article, joined};
use crate::media::Frame;

/// The kind of a filled shape, judged from how it fills its bounding box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShapeKind {
    /// Fills at least 88% of a box whose sides differ by at most 15%.
    Square,
    /// Fills at least 88% of a longer box.
    Rectangle,
    /// Fills 70–86% of a box whose sides differ by at most 20% (π/4 ≈ 79%), and its deepest
    /// point lies near the middle of the box.
    Circle,
    /// Fills 40–62% of its box, with a width that shrinks steadily from one side to a point.
    Triangle,
    /// Anything else, such as overlapping shapes that merged.
    Blob,
}

impl ShapeKind {
    /// The name in lower case, singular.
    pub fn name(self) -> &'static str {
        match self {
            ShapeKind::Square => "square",
            ShapeKind::Rectangle => "rectangle",
            ShapeKind::Circle => "circle",
            ShapeKind::Triangle => "triangle",
            ShapeKind::Blob => "blob",
        }
    }

    /// The name in lower case, plural.
    pub(super) fn plural(self) -> &'static str {
        match self {
            ShapeKind::Square => "squares",
            ShapeKind::Rectangle => "rectangles",
            ShapeKind::Circle => "circles",
            ShapeKind::Triangle => "triangles",
            ShapeKind::Blob => "blobs",
        }
    }
}

/// One filled shape found in a picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// What kind of shape it is.
    pub kind: ShapeKind,
    /// The name of its mean colour.
    pub colour: ColourName,
    /// Its bounding box: x, y, width, height, in pixels.
    pub bbox: (u32, u32, u32, u32),
    /// Its area in pixels (without its outline and soft edges).
    pub area_px: u32,
}

/// What an image shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageDescription {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The colour of the region that covers most of the border.
    pub background: ColourName,
    /// The shapes, in reading order (top to bottom, then left to right).
    pub shapes: Vec<Shape>,
}

impl ImageDescription {
    /// One sentence, e.g. "The image shows 5 squares (red, blue, green, yellow and purple) on
    /// a white background."
    pub fn sentence(&self) -> String {
        let background = self.background.name();
        let groups = by_kind(&self.shapes);
        match groups.as_slice() {
            [] => {
                format!("The image shows a plain {background} background with no distinct shapes.")
            }
            [(kind, colours)] => {
                format!(
                    "The image shows {} on {} {background} background.",
                    counted(*kind, colours),
                    article(background)
                )
            }
            _ => {
                let parts: Vec<String> = groups.iter().map(|(kind, colours)| counted(*kind, colours)).collect();
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                format!(
                    "The image shows {} shapes on {} {background} background: {}.",
                    self.shapes.len(),
                    article(background),
                    joined(&parts)
                )
            }
        }
    }
}

/// Describes `frame`: its background (the colour covering most of its border) and the filled
/// shapes on it. Regions smaller than 0.2% of the picture are ignored, as are outlines and the
/// slivers of blended colour along edges. Overlapping shapes of similar colour may merge into
/// one region, which is then called a rectangle or a blob.
pub fn describe_image(frame: &Frame) -> ImageDescription {
    let segmentation = segment(frame);
    ImageDescription {
        width: frame.width,
        height: frame.height,
        background: background_of(&segmentation),
        shapes: shapes_of(&segmentation, frame),
    }
}

/// The background's colour name; black for an empty picture.
pub(super) fn background_of(segmentation: &Segmentation) -> ColourName {
    segmentation.background().map_or(ColourName::Black, |region| ColourName::of(region.rgb()))
}

/// The shapes of a segmented picture, in reading order.
pub(super) fn shapes_of(segmentation: &Segmentation, frame: &Frame) -> Vec<Shape> {
    segmentation
        .objects(min_area(frame))
        .into_iter()
        .map(|region| Shape {
            kind: kind_of(segmentation, region),
            colour: ColourName::of(region.rgb()),
            bbox: region.bbox,
            area_px: region.area,
        })
        .collect()
}

/// The smallest region counted: 0.2% of the picture, and never fewer than 16 pixels.
pub(super) fn min_area(frame: &Frame) -> u32 {
    let pixels = u64::from(frame.width) * u64::from(frame.height);
    u32::try_from(pixels.div_ceil(500)).unwrap_or(u32::MAX).max(16)
}

/// The shapes grouped by kind, the most numerous kind first, each with its colours.
pub(super) fn by_kind(shapes: &[Shape]) -> Vec<(ShapeKind, Vec<&'static str>)> {
    let mut groups: Vec<(ShapeKind, Vec<&'static str>)> = Vec::new();
    for shape in shapes {
        match groups.iter_mut().find(|(kind, _)| *kind == shape.kind) {
            Some((_, colours)) => colours.push(shape.colour.name()),
            None => groups.push((shape.kind, vec![shape.colour.name()])),
        }
    }
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    groups
}

/// "a red square", "3 squares (red, blue and green)".
pub(super) fn counted(kind: ShapeKind, colours: &[&str]) -> String {
    match colours {
        [colour] => format!("{} {colour} {}", article(colour), kind.name()),
        _ => format!("{} {} ({})", colours.len(), kind.plural(), joined(colours)),
    }
}

/// The kind of a region, from how it fills its box and the shape of its width profile.
fn kind_of(segmentation: &Segmentation, region: &Region) -> ShapeKind {
    let (_, _, width, height) = region.bbox;
    let (short, long) = (width.min(height).max(1) as f32, width.max(height) as f32);
    let fill = region.area as f32 / (width as f32 * height as f32).max(1.0);
    let aspect = long / short;
    if fill >= 0.88 {
        if aspect <= 1.15 { ShapeKind::Square } else { ShapeKind::Rectangle }
    } else if aspect <= 1.2 && (0.70..=0.86).contains(&fill) && region.thickness as f32 >= 0.8 * short / 2.0 {
        ShapeKind::Circle
    } else if (0.40..=0.62).contains(&fill)
        && (tapers_to_a_point(&segmentation.row_widths(region))
            || tapers_to_a_point(&segmentation.column_widths(region)))
    {
        ShapeKind::Triangle
    } else {
        ShapeKind::Blob
    }
}

/// Whether widths grow (or shrink) in a straight line from nearly nothing to the full width,
/// as the rows of a triangle with one side along an axis do.
fn tapers_to_a_point(widths: &[u32]) -> bool {
    let count = widths.len();
    if count < 8 {
        return false;
    }
    let xs = (0..count).map(|i| i as f64);
    let ys: Vec<f64> = widths.iter().map(|&w| f64::from(w)).collect();
    let mean_x = (count - 1) as f64 / 2.0;
    let mean_y = ys.iter().sum::<f64>() / count as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.zip(&ys) {
        sxy += (x - mean_x) * (y - mean_y);
        sxx += (x - mean_x) * (x - mean_x);
        syy += (y - mean_y) * (y - mean_y);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return false;
    }
    let straightness = sxy * sxy / (sxx * syy);
    let slope = sxy / sxx;
    let ends = [mean_y - slope * mean_x, mean_y + slope * mean_x];
    let peak = ys.iter().fold(0.0f64, |m, &y| m.max(y));
    let narrow_end = ends[0].min(ends[1]);
    straightness >= 0.95 && narrow_end <= 0.25 * peak
}

#[cfg(test)]
mod tests;
