use super::*;
use crate::media::analysis::drawing::{Random, disc, noisy};

struct Ball {
    position: (f32, f32),
    velocity: (f32, f32),
    colour: [u8; 3],
}

/// Balls of radius min(w, h)/8 bouncing off the edges on black, as the validators' synthetic
/// video draws them.
fn bouncing(width: u32, height: u32, frames: usize, mut balls: Vec<Ball>) -> Vec<Frame> {
    let radius = width.min(height) as f32 / 8.0;
    (0..frames)
        .map(|_| {
            let mut frame = Frame::filled(width, height, [0, 0, 0]);
            for ball in &mut balls {
                ball.position.0 += ball.velocity.0;
                ball.position.1 += ball.velocity.1;
                if ball.position.0 - radius <= 0.0 || ball.position.0 + radius >= width as f32 {
                    ball.velocity.0 = -ball.velocity.0;
                    ball.position.0 = ball.position.0.clamp(radius, width as f32 - radius);
                }
                if ball.position.1 - radius <= 0.0 || ball.position.1 + radius >= height as f32 {
                    ball.velocity.1 = -ball.velocity.1;
                    ball.position.1 = ball.position.1.clamp(radius, height as f32 - radius);
                }
                let centre = (ball.position.0 as i64, ball.position.1 as i64);
                disc(&mut frame, centre, radius as i64, ball.colour);
            }
            frame
        })
        .collect()
}

/// Four balls of clear colours that stay apart for 30 frames, moving 5 px per frame.
fn four_balls(speed: f32) -> Vec<Ball> {
    let start = [(50.0, 50.0), (200.0, 60.0), (60.0, 200.0), (190.0, 190.0)];
    let directions = [(0.6, 0.8), (-0.8, 0.6), (0.8, -0.6), (-0.6, -0.8)];
    let colours = [[220, 40, 40], [60, 200, 70], [60, 90, 230], [240, 220, 50]];
    (0..4)
        .map(|i| Ball {
            position: start[i],
            velocity: (directions[i].0 * speed, directions[i].1 * speed),
            colour: colours[i],
        })
        .collect()
}

#[test]
fn describes_bouncing_balls_and_their_speed() {
    let frames = bouncing(256, 256, 30, four_balls(5.0));
    for (what, frames) in [
        ("clean", frames.clone()),
        ("±6 noise", frames.iter().enumerate().map(|(i, f)| noisy(f, 6, i as u64)).collect()),
    ] {
        let description = describe_video(&frames);
        assert_eq!((description.width, description.height), (256, 256));
        assert_eq!(description.background, ColourName::Black, "{what}");
        assert!(description.moving, "{what}");
        let motion = description.mean_motion_px_per_frame;
        assert!((4.0..=6.0).contains(&motion), "{what}: {motion}");
        assert!(description.frames_analyzed >= 7, "{what}: {}", description.frames_analyzed);
        assert_eq!(
            description.sentence(),
            "The video shows 4 round objects (circles: red, green, yellow and blue) moving on a \
             black background.",
            "{what}"
        );
    }
}

#[test]
fn says_static_when_nothing_moves() {
    let frames = bouncing(256, 256, 10, four_balls(0.0));
    let description = describe_video(&frames);
    assert!(!description.moving);
    assert!(description.mean_motion_px_per_frame < 0.1);
    assert!(description.sentence().ends_with("static on a black background."), "{}", description.sentence());
}

#[test]
fn follows_random_balls_like_the_validators_draw() {
    for seed in 0..4 {
        let mut random = Random::new(seed);
        let (width, height) = (320, 240);
        let radius = i64::from(width.min(height) / 8);
        let balls = (0..random.between(3, 8))
            .map(|_| {
                let speed = random.between(30, 80) as f32 / 10.0;
                let angle = random.between(0, 628) as f32 / 100.0;
                Ball {
                    position: (
                        random.between(radius, i64::from(width) - radius) as f32,
                        random.between(radius, i64::from(height) - radius) as f32,
                    ),
                    velocity: (speed * angle.cos(), speed * angle.sin()),
                    colour: random.colour(50),
                }
            })
            .collect::<Vec<_>>();
        let count = balls.len();
        let description = describe_video(&bouncing(width, height, 12, balls));
        assert!(description.moving, "seed {seed}");
        assert!((1..=count).contains(&description.objects.len()), "seed {seed}");
        let motion = description.mean_motion_px_per_frame;
        assert!((2.0..=9.0).contains(&motion), "seed {seed}: {motion}");
    }
}

#[test]
fn handles_no_frames_one_frame_and_empty_pictures() {
    let none = describe_video(&[]);
    assert_eq!((none.frames_analyzed, none.moving, none.objects.len()), (0, false, 0));
    let one = describe_video(&bouncing(128, 128, 1, four_balls(5.0)));
    assert_eq!((one.frames_analyzed, one.moving), (1, false));
    let mut orange = Frame::filled(128, 128, [0, 0, 0]);
    disc(&mut orange, (64, 64), 16, [255, 140, 0]);
    assert_eq!(
        describe_video(&[orange.clone(), orange]).sentence(),
        "The video shows a round object (an orange circle) static on a black background."
    );
    let blank = describe_video(&[Frame::filled(64, 48, [0, 0, 0]), Frame::filled(64, 48, [255, 255, 255])]);
    assert!(blank.moving && blank.objects.is_empty());
    assert_eq!(blank.sentence(), "The video shows a moving picture on a black background with no distinct objects.");
}
