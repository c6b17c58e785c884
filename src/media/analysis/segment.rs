//! Cutting a picture into regions of one colour.
//!
//! Regions grow from the smoothest pixels outwards, taking in neighbours whose colour is close
//! to the region's mean. Starting in flat interiors keeps a region's colour true; comparing
//! with the mean rather than with the neighbour stops a region from creeping across a soft
//! edge. Dark outlines are regions of their own and so separate what they surround; the
//! blended pixels along edges (anti-aliasing, JPEG) end up in thin slivers that
//! [`Region::is_solid`] rejects.

use crate::media::Frame;
use std::collections::VecDeque;

/// How far, in RGB (Euclidean, 0–255 per channel), a pixel may be from a region's mean colour
/// and still join it: well above JPEG noise at quality 85 (a few units per channel) and below
/// the difference between distinct colours.
const COLOUR_TOLERANCE: f32 = 40.0;
/// A solid region has a pixel at least this many steps from its edge (see
/// [`Region::thickness`]). A strip w pixels wide has ⌈w/2⌉, so slivers along edges and
/// outlines up to 4 px wide fall short; wider outlines fail [`MAX_COMPACTNESS`].
const MIN_THICKNESS: u32 = 3;
/// A solid region is compact: its area is at most this many times the square of its
/// thickness. A square scores 4, a circle π; an outline frame of side s and width w scores
/// about 16·s/w.
const MAX_COMPACTNESS: f32 = 16.0;

/// A connected region of similar colour.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Region {
    /// Its label in [`Segmentation::labels`].
    pub label: u32,
    /// Mean colour.
    pub mean: [f32; 3],
    /// Pixels.
    pub area: u32,
    /// Bounding box: x, y, width, height.
    pub bbox: (u32, u32, u32, u32),
    /// Mean position (x, y).
    pub centroid: (f32, f32),
    /// Pixels on the picture's border.
    pub border_pixels: u32,
    /// Steps (4-connected) from its deepest pixel to its edge, counting that pixel: the
    /// radius of the largest diamond it contains.
    pub thickness: u32,
}

impl Region {
    /// Whether the region is a filled shape rather than an outline, a sliver or a speck.
    pub fn is_solid(&self) -> bool {
        let thickness = self.thickness as f32;
        self.thickness >= MIN_THICKNESS && self.area as f32 <= MAX_COMPACTNESS * thickness * thickness
    }

    /// The mean colour rounded to 8 bits.
    pub fn rgb(&self) -> [u8; 3] {
        self.mean.map(|channel| channel.round().clamp(0.0, 255.0) as u8)
    }
}

/// A picture cut into regions.
#[derive(Clone, Debug)]
pub(super) struct Segmentation {
    /// Width of the picture.
    pub width: u32,
    /// The region of each pixel, row-major.
    pub labels: Vec<u32>,
    /// The regions, indexed by label.
    pub regions: Vec<Region>,
}

impl Segmentation {
    /// The region covering most of the picture's border: the background.
    pub fn background(&self) -> Option<&Region> {
        self.regions.iter().filter(|region| region.border_pixels > 0).max_by_key(|region| region.border_pixels)
    }

    /// Solid regions other than the background with at least `min_area` pixels, in reading
    /// order (top to bottom, then left to right).
    pub fn objects(&self, min_area: u32) -> Vec<&Region> {
        let background = self.background().map(|region| region.label);
        let mut objects: Vec<&Region> = self
            .regions
            .iter()
            .filter(|region| Some(region.label) != background)
            .filter(|region| region.area >= min_area && region.is_solid())
            .collect();
        objects.sort_by_key(|region| (region.bbox.1, region.bbox.0));
        objects
    }

    /// How many pixels of `region` lie in each row of its bounding box, top to bottom.
    pub fn row_widths(&self, region: &Region) -> Vec<u32> {
        let (x, y, width, height) = region.bbox;
        (y..y + height)
            .map(|row| {
                let start = row as usize * self.width as usize + x as usize;
                let count =
                    self.labels[start..start + width as usize].iter().filter(|&&label| label == region.label).count();
                count as u32
            })
            .collect()
    }

    /// How many pixels of `region` lie in each column of its bounding box, left to right.
    pub fn column_widths(&self, region: &Region) -> Vec<u32> {
        let (x, y, width, height) = region.bbox;
        (x..x + width)
            .map(|column| {
                let count = (y..y + height)
                    .filter(|row| self.labels[*row as usize * self.width as usize + column as usize] == region.label)
                    .count();
                count as u32
            })
            .collect()
    }
}

/// Cuts `frame` into regions of similar colour.
pub(super) fn segment(frame: &Frame) -> Segmentation {
    let (width, height) = (frame.width as usize, frame.height as usize);
    let pixels = width * height;
    if pixels == 0 || frame.rgb.len() < pixels * 3 {
        return Segmentation { width: frame.width, labels: Vec::new(), regions: Vec::new() };
    }
    let colours: Vec<[f32; 3]> = frame.rgb[..pixels * 3]
        .chunks_exact(3)
        .map(|rgb| [f32::from(rgb[0]), f32::from(rgb[1]), f32::from(rgb[2])])
        .collect();
    let tolerance_squared = COLOUR_TOLERANCE * COLOUR_TOLERANCE;
    let mut labels = vec![u32::MAX; pixels];
    let mut sums: Vec<[f64; 4]> = Vec::new();
    let mut queue = VecDeque::new();
    for seed in smoothest_first(frame) {
        if labels[seed] != u32::MAX {
            continue;
        }
        let label = sums.len() as u32;
        let mut sum = [0.0f64; 4];
        labels[seed] = label;
        queue.push_back(seed);
        while let Some(index) = queue.pop_front() {
            let [r, g, b] = colours[index];
            sum = [sum[0] + f64::from(r), sum[1] + f64::from(g), sum[2] + f64::from(b), sum[3] + 1.0];
            let mean = [sum[0] / sum[3], sum[1] / sum[3], sum[2] / sum[3]].map(|c| c as f32);
            for neighbour in neighbours(index, width, height).into_iter().flatten() {
                if labels[neighbour] == u32::MAX && distance_squared(colours[neighbour], mean) <= tolerance_squared {
                    labels[neighbour] = label;
                    queue.push_back(neighbour);
                }
            }
        }
        sums.push(sum);
    }
    let thickness = thickness(&labels, width, height);
    let regions = describe_regions(&labels, &sums, &thickness, width, height);
    Segmentation { width: frame.width, labels, regions }
}

/// Pixel indices ordered from the flattest neighbourhood to the steepest (a counting sort on
/// the largest colour step to a 4-neighbour).
fn smoothest_first(frame: &Frame) -> Vec<usize> {
    let (width, height) = (frame.width as usize, frame.height as usize);
    let rgb = &frame.rgb;
    let step = |a: usize, b: usize| -> usize {
        let (a, b) = (a * 3, b * 3);
        usize::from(rgb[a].abs_diff(rgb[b]))
            + usize::from(rgb[a + 1].abs_diff(rgb[b + 1]))
            + usize::from(rgb[a + 2].abs_diff(rgb[b + 2]))
    };
    // Each step between neighbours is measured once and counts for both.
    let mut steepness = vec![0usize; width * height];
    for y in 0..height {
        for x in 0..width {
            let index = y * width + x;
            if x + 1 < width {
                let s = step(index, index + 1);
                steepness[index] = steepness[index].max(s);
                steepness[index + 1] = steepness[index + 1].max(s);
            }
            if y + 1 < height {
                let s = step(index, index + width);
                steepness[index] = steepness[index].max(s);
                steepness[index + width] = steepness[index + width].max(s);
            }
        }
    }
    let mut starts = vec![0usize; 3 * 255 + 2];
    for &s in &steepness {
        starts[s + 1] += 1;
    }
    for bucket in 1..starts.len() {
        starts[bucket] += starts[bucket - 1];
    }
    let mut order = vec![0usize; steepness.len()];
    for (index, &s) in steepness.iter().enumerate() {
        order[starts[s]] = index;
        starts[s] += 1;
    }
    order
}

/// The 4-neighbours of pixel `index` that exist.
fn neighbours(index: usize, width: usize, height: usize) -> [Option<usize>; 4] {
    let (x, y) = (index % width, index / width);
    [
        (x > 0).then(|| index - 1),
        (x + 1 < width).then(|| index + 1),
        (y > 0).then(|| index - width),
        (y + 1 < height).then(|| index + width),
    ]
}

fn distance_squared(a: [f32; 3], b: [f32; 3]) -> f32 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

/// For each pixel, the 4-connected steps to the nearest pixel outside its region (or outside
/// the picture), counting itself: 1 on a region's edge. Two chamfer passes.
fn thickness(labels: &[u32], width: usize, height: usize) -> Vec<u32> {
    let mut depth = vec![u32::MAX; labels.len()];
    for y in 0..height {
        for x in 0..width {
            let index = y * width + x;
            let label = labels[index];
            let on_edge = x == 0
                || y == 0
                || x + 1 == width
                || y + 1 == height
                || labels[index - 1] != label
                || labels[index + 1] != label
                || labels[index - width] != label
                || labels[index + width] != label;
            if on_edge {
                depth[index] = 1;
            } else {
                // Left and upper neighbours are inside the region and already final for this
                // pass.
                depth[index] = depth[index].min(depth[index - 1].min(depth[index - width]).saturating_add(1));
            }
        }
    }
    for y in (1..height.saturating_sub(1)).rev() {
        for x in (1..width.saturating_sub(1)).rev() {
            let index = y * width + x;
            if depth[index] > 1 {
                let after = depth[index + 1].min(depth[index + width]).saturating_add(1);
                depth[index] = depth[index].min(after);
            }
        }
    }
    depth
}

/// Area, box, centroid, border contact and thickness of every region.
fn describe_regions(labels: &[u32], sums: &[[f64; 4]], thickness: &[u32], width: usize, height: usize) -> Vec<Region> {
    let mut regions: Vec<Region> = sums
        .iter()
        .enumerate()
        .map(|(label, sum)| Region {
            label: label as u32,
            mean: [sum[0] / sum[3], sum[1] / sum[3], sum[2] / sum[3]].map(|c| c as f32),
            area: 0,
            bbox: (u32::MAX, u32::MAX, 0, 0),
            centroid: (0.0, 0.0),
            border_pixels: 0,
            thickness: 0,
        })
        .collect();
    // Right and bottom edges of the boxes while counting; turned into sizes at the end.
    let mut far_corners = vec![(0u32, 0u32); regions.len()];
    let mut position_sums = vec![(0.0f64, 0.0f64); regions.len()];
    for (index, &label) in labels.iter().enumerate() {
        let Some(region) = regions.get_mut(label as usize) else {
            continue;
        };
        let (x, y) = ((index % width) as u32, (index / width) as u32);
        region.area += 1;
        region.bbox.0 = region.bbox.0.min(x);
        region.bbox.1 = region.bbox.1.min(y);
        let corner = &mut far_corners[label as usize];
        *corner = (corner.0.max(x), corner.1.max(y));
        let sum = &mut position_sums[label as usize];
        *sum = (sum.0 + f64::from(x), sum.1 + f64::from(y));
        if x == 0 || y == 0 || x as usize + 1 == width || y as usize + 1 == height {
            region.border_pixels += 1;
        }
        region.thickness = region.thickness.max(thickness[index]);
    }
    for ((region, corner), sum) in regions.iter_mut().zip(far_corners).zip(position_sums) {
        let area = f64::from(region.area.max(1));
        region.centroid = ((sum.0 / area) as f32, (sum.1 / area) as f32);
        region.bbox.2 = corner.0 + 1 - region.bbox.0.min(corner.0);
        region.bbox.3 = corner.1 + 1 - region.bbox.1.min(corner.1);
    }
    regions
}
