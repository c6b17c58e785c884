//! What an image, a video or a sound contains, measured from pixels and samples.
//!
//! The mock server describes what it is sent from these measurements, never from what a test
//! happens to ask, so its answers are honest: a picture of five outlined squares is described
//! as five squares of their colours, a clip of bouncing balls as round objects moving, a tone
//! as voiced sound at its pitch.
//!
//! | module | what |
//! |---|---|
//! | [`ColourName`] | everyday colour names from hue, saturation and value |
//! | [`describe_image`] | background and filled shapes (squares, circles, …) |
//! | [`describe_video`] | the first frame's objects and how fast they move |
//! | [`measure_audio`] | level, voicing, pitch and harmonics-to-noise ratio |

mod audio;
mod colour;
#[cfg(test)]
mod drawing;
mod image;
mod segment;
mod video;
mod wording;

pub(crate) use audio::mixed_down;
pub use audio::{AudioMeasurement, measure_audio, median_f0_hz, pcm_hnr_db};
pub use colour::ColourName;
pub use image::{ImageDescription, Shape, ShapeKind, describe_image};
pub use video::{VideoDescription, describe_video};
