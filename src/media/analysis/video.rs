//! What a video shows: the objects of its first frame and how far they move.

use super::colour::ColourName;
use super::image::{Shape, ShapeKind, background_of, by_kind, counted, min_area, shapes_of};
use super::segment::{Region, Segmentation, segment};
use super::wording::{article, joined};
use crate::media::Frame;

/// What a video shows.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoDescription {
    /// Width of the first frame, in pixels.
    pub width: u32,
    /// Height of the first frame, in pixels.
    pub height: u32,
    /// How many frames were segmented.
    pub frames_analyzed: usize,
    /// The first frame's background colour (black without frames).
    pub background: ColourName,
    /// The shapes of the first frame, in reading order.
    pub objects: Vec<Shape>,
    /// Whether anything moves: objects by at least 0.5 px per frame on average or, where no
    /// object can be followed, more than 1% of the pixels changing between frames.
    pub moving: bool,
    /// The mean distance that followed objects' centres travel from one frame to the next.
    pub mean_motion_px_per_frame: f32,
}

impl VideoDescription {
    /// One sentence, e.g. "The video shows 4 round objects (circles: red, green, blue and
    /// yellow) moving on a black background."
    pub fn sentence(&self) -> String {
        let background = self.background.name();
        let ground = format!("{} {background} background", article(background));
        let motion = if self.moving { "moving" } else { "static" };
        let groups = by_kind(&self.objects);
        match groups.as_slice() {
            [] => {
                format!("The video shows a {motion} picture on {ground} with no distinct objects.")
            }
            [(ShapeKind::Circle, colours)] => {
                let things = match colours.as_slice() {
                    [colour] => format!("a round object ({} {colour} circle)", article(colour)),
                    _ => format!("{} round objects (circles: {})", colours.len(), joined(colours)),
                };
                format!("The video shows {things} {motion} on {ground}.")
            }
            [(kind, colours)] => {
                format!("The video shows {} {motion} on {ground}.", counted(*kind, colours))
            }
            _ => {
                let parts: Vec<String> = groups.iter().map(|(kind, colours)| counted(*kind, colours)).collect();
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                format!("The video shows {} objects {motion} on {ground}: {}.", self.objects.len(), joined(&parts))
            }
        }
    }
}

/// Frame pairs compared for motion, spread over the video.
const MOTION_PAIRS: usize = 6;
/// Objects are followed from one frame to the next when their colours are this close (RGB,
/// Euclidean), their areas this close (fraction of the larger) and their centres this close
/// (fraction of the frame's shorter side). The area condition drops objects that merge with
/// or part from another, whose centre jumps.
const SAME_COLOUR: f32 = 60.0;
const SAME_AREA: f32 = 0.2;
const MAX_STEP: f32 = 0.2;
/// Thresholds of [`VideoDescription::moving`].
const MOVING_PX_PER_FRAME: f32 = 0.5;
const CHANGED_PIXELS: f32 = 0.01;

/// Describes `frames`: the objects and background of the first frame (segmented as
/// [`super::describe_image`] does) and their motion, measured between up to six pairs of
/// consecutive frames spread over the video. Frames of another size than the first are
/// skipped.
pub fn describe_video(frames: &[Frame]) -> VideoDescription {
    let Some(first) = frames.first() else {
        return VideoDescription {
            width: 0,
            height: 0,
            frames_analyzed: 0,
            background: ColourName::Black,
            objects: Vec::new(),
            moving: false,
            mean_motion_px_per_frame: 0.0,
        };
    };
    let same_size = |frame: &&Frame| frame.width == first.width && frame.height == first.height;
    let usable: Vec<&Frame> = frames.iter().filter(same_size).collect();
    let mut segmented: Vec<(usize, Segmentation)> = vec![(0, segment(first))];
    let mut steps = Vec::new();
    let mut changed = Vec::new();
    for start in pair_starts(usable.len()) {
        let (before, after) = (usable[start], usable[start + 1]);
        changed.push(changed_fraction(before, after));
        let a = segmentation_of(&mut segmented, start, before)
            .objects(min_area(first))
            .into_iter()
            .cloned()
            .collect::<Vec<_>>();
        let b = segmentation_of(&mut segmented, start + 1, after).objects(min_area(first));
        steps.extend(followed_steps(&a, &b, first));
    }
    let mean_motion = if steps.is_empty() { 0.0 } else { steps.iter().sum::<f32>() / steps.len() as f32 };
    let mean_changed = if changed.is_empty() { 0.0 } else { changed.iter().sum::<f32>() / changed.len() as f32 };
    let moving = mean_motion >= MOVING_PX_PER_FRAME || (steps.is_empty() && mean_changed > CHANGED_PIXELS);
    let first_segmentation = &segmented[0].1;
    VideoDescription {
        width: first.width,
        height: first.height,
        frames_analyzed: segmented.len(),
        background: background_of(first_segmentation),
        objects: shapes_of(first_segmentation, first),
        moving,
        mean_motion_px_per_frame: mean_motion,
    }
}

/// The first frame of each compared pair: up to [`MOTION_PAIRS`], evenly spread.
fn pair_starts(frames: usize) -> Vec<usize> {
    let Some(last_start) = frames.checked_sub(2) else {
        return Vec::new();
    };
    let pairs = MOTION_PAIRS.min(last_start + 1);
    let mut starts: Vec<usize> =
        (0..pairs).map(|i| if pairs == 1 { 0 } else { i * last_start / (pairs - 1) }).collect();
    starts.dedup();
    starts
}

/// The segmentation of frame `index`, computed once.
fn segmentation_of<'a>(cache: &'a mut Vec<(usize, Segmentation)>, index: usize, frame: &Frame) -> &'a Segmentation {
    let position = match cache.iter().position(|(i, _)| *i == index) {
        Some(position) => position,
        None => {
            cache.push((index, segment(frame)));
            cache.len() - 1
        }
    };
    &cache[position].1
}

/// How far each object of `before` moved to its counterpart in `after`: the nearest object of
/// similar colour, taken only when each is the other's nearest.
fn followed_steps(before: &[Region], after: &[&Region], frame: &Frame) -> Vec<f32> {
    let limit = MAX_STEP * frame.width.min(frame.height) as f32;
    let nearest = |region: &Region, candidates: &mut dyn Iterator<Item = (usize, &Region)>| {
        candidates
            .filter(|(_, other)| {
                colour_distance(region.mean, other.mean) <= SAME_COLOUR && similar_area(region.area, other.area)
            })
            .map(|(index, other)| (index, centre_distance(region, other)))
            .filter(|&(_, distance)| distance <= limit)
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    before
        .iter()
        .enumerate()
        .filter_map(|(index, region)| {
            let (partner, distance) = nearest(region, &mut after.iter().copied().enumerate())?;
            let (back, _) = nearest(after[partner], &mut before.iter().enumerate())?;
            (back == index).then_some(distance)
        })
        .collect()
}

fn similar_area(a: u32, b: u32) -> bool {
    a.abs_diff(b) as f32 <= SAME_AREA * a.max(b) as f32
}

fn colour_distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    a.iter().zip(&b).map(|(p, q)| (p - q) * (p - q)).sum::<f32>().sqrt()
}

fn centre_distance(a: &Region, b: &Region) -> f32 {
    (a.centroid.0 - b.centroid.0).hypot(a.centroid.1 - b.centroid.1)
}

/// The share of pixels whose colour changes by more than 24 (sum over channels) between two
/// frames of the same size: more than compression noise.
fn changed_fraction(before: &Frame, after: &Frame) -> f32 {
    let pixels = before.rgb.len() / 3;
    if pixels == 0 || after.rgb.len() != before.rgb.len() {
        return 0.0;
    }
    let changed = before
        .rgb
        .chunks_exact(3)
        .zip(after.rgb.chunks_exact(3))
        .filter(|(a, b)| a.iter().zip(b.iter()).map(|(p, q)| u32::from(p.abs_diff(*q))).sum::<u32>() > 24)
        .count();
    changed as f32 / pixels as f32
}

#[cfg(test)]
mod tests;
