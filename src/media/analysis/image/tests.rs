use super::*;
use crate::media::analysis::drawing::{disc, noisy, random_squares, rectangle, square, through_jpeg, triangle};

const RED: [u8; 3] = [220, 30, 40];
const BLUE: [u8; 3] = [40, 70, 220];
const GREEN: [u8; 3] = [40, 170, 60];
const YELLOW: [u8; 3] = [245, 215, 30];
const PURPLE: [u8; 3] = [120, 40, 200];

/// Five outlined squares of clear colours on white, in reading order.
fn five_squares() -> Frame {
    let mut frame = Frame::filled(256, 256, [255, 255, 255]);
    square(&mut frame, (20, 10), 50, RED, 1);
    square(&mut frame, (150, 30), 60, BLUE, 3);
    square(&mut frame, (30, 100), 40, GREEN, 5);
    square(&mut frame, (120, 130), 45, YELLOW, 2);
    square(&mut frame, (60, 190), 55, PURPLE, 4);
    frame
}

fn kinds(description: &ImageDescription) -> Vec<ShapeKind> {
    description.shapes.iter().map(|shape| shape.kind).collect()
}

#[test]
fn describes_outlined_squares_on_white() {
    let description = describe_image(&five_squares());
    assert_eq!((description.width, description.height), (256, 256));
    assert_eq!(description.background, ColourName::White);
    assert_eq!(kinds(&description), vec![ShapeKind::Square; 5]);
    assert_eq!(
        description.sentence(),
        "The image shows 5 squares (red, blue, green, yellow and purple) on a white background."
    );
    // The region is the fill inside the outline: 51 px across less twice the 1 px outline.
    let red = &description.shapes[0];
    assert_eq!((red.bbox, red.area_px), ((21, 11, 49, 49), 49 * 49));
}

#[test]
fn copes_with_jpeg_and_noise() {
    let expected = describe_image(&five_squares()).sentence();
    for (what, frame) in [
        ("JPEG 85", through_jpeg(&five_squares(), 85)),
        ("±6 noise", noisy(&five_squares(), 6, 1)),
        ("±6 noise then JPEG 85", through_jpeg(&noisy(&five_squares(), 6, 2), 85)),
    ] {
        assert_eq!(describe_image(&frame).sentence(), expected, "{what}");
    }
}

#[test]
fn counts_random_squares_like_the_validators_draw() {
    for seed in 0..12 {
        let (width, height) = [(224, 224), (512, 384), (320, 480)][seed as usize % 3];
        let (frame, count) = random_squares(width, height, seed);
        for (what, frame) in [("clean", frame.clone()), ("JPEG 85", through_jpeg(&frame, 85))] {
            let description = describe_image(&frame);
            assert_eq!(description.background, ColourName::White, "seed {seed} {what}");
            assert_eq!(
                kinds(&description),
                vec![ShapeKind::Square; count],
                "seed {seed} {what}: {}",
                description.sentence()
            );
        }
    }
}

#[test]
fn tells_circles_rectangles_and_triangles_apart() {
    let mut frame = Frame::filled(300, 200, [255, 255, 255]);
    disc(&mut frame, (50, 50), 35, RED);
    rectangle(&mut frame, (120, 20), (120, 50), BLUE);
    triangle(&mut frame, (30, 110), 70, GREEN);
    disc(&mut frame, (220, 140), 40, [255, 140, 0]);
    let description = describe_image(&through_jpeg(&frame, 85));
    let found: Vec<(ShapeKind, ColourName)> = description.shapes.iter().map(|s| (s.kind, s.colour)).collect();
    assert_eq!(
        found,
        vec![
            (ShapeKind::Circle, ColourName::Red),
            (ShapeKind::Rectangle, ColourName::Blue),
            (ShapeKind::Circle, ColourName::Orange),
            (ShapeKind::Triangle, ColourName::Green),
        ]
    );
    assert_eq!(
        description.sentence(),
        "The image shows 4 shapes on a white background: 2 circles (red and orange), \
         a blue rectangle and a green triangle."
    );
}

#[test]
fn overlapping_squares_still_count_the_one_on_top() {
    let mut frame = Frame::filled(200, 200, [255, 255, 255]);
    square(&mut frame, (40, 40), 60, RED, 2);
    square(&mut frame, (70, 70), 60, BLUE, 2);
    let description = describe_image(&frame);
    assert_eq!(description.shapes.len(), 2, "{}", description.sentence());
    let blue = description.shapes.iter().find(|s| s.colour == ColourName::Blue);
    assert_eq!(blue.map(|s| s.kind), Some(ShapeKind::Square));
    let red = description.shapes.iter().find(|s| s.colour == ColourName::Red);
    assert_eq!(red.map(|s| s.kind), Some(ShapeKind::Blob));
}

#[test]
fn ignores_specks_and_describes_blank_pictures() {
    let mut frame = Frame::filled(200, 100, [255, 255, 255]);
    rectangle(&mut frame, (10, 10), (3, 3), RED);
    rectangle(&mut frame, (100, 50), (4, 2), BLUE);
    let description = describe_image(&frame);
    assert!(description.shapes.is_empty(), "{description:?}");
    assert_eq!(description.sentence(), "The image shows a plain white background with no distinct shapes.");
    let black = describe_image(&Frame::filled(64, 64, [0, 0, 0]));
    assert_eq!((black.background, black.shapes.len()), (ColourName::Black, 0));
    let empty = describe_image(&Frame::filled(0, 0, [0, 0, 0]));
    assert!(empty.shapes.is_empty());
    let short_buffer = Frame { width: 10, height: 10, rgb: vec![0; 12] };
    assert!(describe_image(&short_buffer).shapes.is_empty());
}

#[test]
fn a_single_shape_reads_naturally() {
    let mut frame = Frame::filled(120, 120, [30, 30, 30]);
    square(&mut frame, (30, 30), 50, [255, 140, 0], 2);
    assert_eq!(describe_image(&frame).sentence(), "The image shows an orange square on a black background.");
}
