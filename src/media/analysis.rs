//! What an image, a video or a sound contains, measured from pixels and samples.

mod audio;

pub(crate) use audio::mixed_down;
pub use audio::{AudioMeasurement, measure_audio, median_f0_hz, pcm_hnr_db};
