//! Synthetic inputs that tests send: pictures of outlined squares, spoken audio and videos of
//! bouncing balls, the same kind of media as vLLM-Omni's `tests/helpers/media.py` generates,
//! so that end-to-end tests in Rust ask servers about the same things.
//!
//! Every result is a file named by its parameters in `$TMPDIR/omnitest-synthetic-media/v1/`
//! (or `v1` in the directory `OMNITEST_SYNTH_CACHE` names), such as `image_w224_h224_s0.jpg`:
//! a second request, from any test or process, reads the file instead of generating it again,
//! and new files appear whole or not at all. Pictures and videos come from a seeded random
//! generator, so the same options always give the same bytes; audio too, given the same
//! `espeak-ng`.
//!
//! | function | what |
//! |---|---|
//! | [`image`], [`image_with`] | 3–8 outlined squares of random colours on white, JPEG or PNG |
//! | [`audio`], [`audio_with`] | a phrase spoken by `espeak-ng`, repeated to fill the duration, WAV |
//! | [`video`], [`video_with`] | 3–8 balls bouncing on black, H.264 MP4, optionally with speech |

mod audio;
mod cache;
mod fallback_voice;
mod image;
mod programs;
mod video;
mod voice;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tool_checks;

use std::fmt;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub use self::audio::{AudioOptions, audio, audio_with};
pub use self::image::{ImageOptions, image, image_with};
pub use self::video::{VideoOptions, video, video_with};
pub use crate::media::picture::ImageFormat;

/// [`Synthetic::source`] of pictures, and of videos made without sound.
pub const GENERATED: &str = "generated";
/// [`Synthetic::source`] of audio spoken by `espeak-ng`.
pub const ESPEAK_NG: &str = "espeak-ng";
/// [`Synthetic::source`] of audio made without `espeak-ng`: a voiced, formant-shaped sound at
/// about 200 Hz in syllable-long bursts, which is speech-like but says no words.
pub const FALLBACK: &str = "fallback";

/// A generated file, ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Synthetic {
    /// The encoded file: JPEG or PNG, WAV, or MP4.
    pub bytes: Vec<u8>,
    /// Its media type: `image/jpeg`, `image/png`, `audio/wav` or `video/mp4`.
    pub mime: &'static str,
    /// The cached file that holds `bytes`.
    pub path: PathBuf,
    /// Where the content came from, so that tests and reports can say what was sent:
    ///
    /// | source | meaning |
    /// |---|---|
    /// | `generated` ([`GENERATED`]) | a picture, or a video without sound as asked |
    /// | `espeak-ng` ([`ESPEAK_NG`]) | the phrase spoken by `espeak-ng` |
    /// | `fallback` ([`FALLBACK`]) | speech-like sound without words: `espeak-ng` is not installed |
    /// | `video+espeak-ng`, `video+fallback` | a video with that audio muxed in as AAC |
    /// | `video-only: <reason>` | sound was asked for but could not be added |
    pub source: &'static str,
}

impl Synthetic {
    /// The file as a `data:<mime>;base64,…` URL, as chat requests inline media.
    pub fn data_url(&self) -> String {
        crate::media::data_url::encode(self.mime, &self.bytes)
    }

    /// The file in standard base64, as speech and transcription requests carry audio.
    pub fn base64(&self) -> String {
        STANDARD.encode(&self.bytes)
    }
}

impl fmt::Debug for Synthetic {
    /// The bytes are summarised by their length: a video's would fill a screen.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Synthetic")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("mime", &self.mime)
            .field("path", &self.path)
            .field("source", &self.source)
            .finish()
    }
}
