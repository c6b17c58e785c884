//! Media: the audio, images and video that flow through requests and responses.
//!
//! One place for every codec and measurement, shared by the mock server (which must produce
//! real files and describe what it is sent), the synthetic inputs tests send, and the
//! validators that check what servers return.
//!
//! | module | what |
//! |---|---|
//! | [`wav`] | WAV and raw PCM16 encoding and decoding |
//! | [`picture`] | PNG and JPEG encoding and decoding |
//! | [`video`] | H.264 MP4 encoding, probing and frame decoding |
//! | [`data_url`] | `data:<mime>;base64,…` URLs |
//! | [`speech`] | the mock's voice: speech-like audio that carries its text and decodes back |
//! | [`analysis`] | what an image, a video or a sound contains, measured from the samples |
//! | [`synth`] | the synthetic pictures, speech and videos tests send, cached as files |

pub mod analysis;
pub mod data_url;
pub mod picture;
pub mod speech;
pub mod synth;
#[cfg(test)]
mod tool_runs;
pub mod video;
pub mod wav;

/// Decoded audio: interleaved samples in [-1, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    /// Samples per second, per channel.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// The samples, `frames × channels` of them.
    pub samples: Vec<f32>,
}

impl Audio {
    /// Silence-free constructor for mono audio.
    pub fn mono(sample_rate: u32, samples: Vec<f32>) -> Audio {
        Audio { sample_rate, channels: 1, samples }
    }

    /// The number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// The duration in seconds.
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 { 0.0 } else { self.frames() as f64 / f64::from(self.sample_rate) }
    }
}

/// One RGB picture or video frame, 8 bits per channel, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: Vec<u8>,
}

impl Frame {
    /// A frame filled with one colour.
    pub fn filled(width: u32, height: u32, colour: [u8; 3]) -> Frame {
        let pixels = width as usize * height as usize;
        Frame { width, height, rgb: colour.iter().copied().cycle().take(pixels * 3).collect() }
    }

    /// The colour at (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Sets the colour at (x, y).
    pub fn set_pixel(&mut self, x: u32, y: u32, colour: [u8; 3]) {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        self.rgb[i..i + 3].copy_from_slice(&colour);
    }
}

/// Media that cannot be decoded or encoded, with what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The bytes are not in the expected format.
    #[error("invalid {format}: {detail}")]
    Invalid {
        /// The format expected (WAV, PNG, MP4, …).
        format: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The request is not possible (zero size, odd dimensions, …).
    #[error("unsupported {what}: {detail}")]
    Unsupported {
        /// What was asked.
        what: &'static str,
        /// Why it cannot be done.
        detail: String,
    },
}
