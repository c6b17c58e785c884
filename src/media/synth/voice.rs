//! The voice that says the phrase: `espeak-ng` when installed, else a wordless stand-in.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use super::programs::find_program;
use super::{ESPEAK_NG, FALLBACK, fallback_voice};
use crate::media::wav::{decode_wav, resample, to_mono};
use crate::media::{Audio, MediaError};

/// A female US English voice, as the seed prefers, at espeak-ng's usual 150 words a minute.
const ESPEAK_VOICE: &str = "en-us+f3";
const ESPEAK_WORDS_PER_MINUTE: &str = "150";
/// Samples quieter than this are silence around the words, trimmed as the seed trims them...
const SILENCE: f32 = 0.012;
/// ...keeping this much before the first sound and after the last, so that no consonant is cut.
const KEPT_BEFORE_S: f64 = 0.02;
const KEPT_AFTER_S: f64 = 0.04;

/// Who speaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Voice {
    /// The `espeak-ng` program at this path.
    Espeak(PathBuf),
    /// [`fallback_voice`]: speech-like, but no words.
    Fallback,
}

impl Voice {
    /// `espeak-ng` when it is on `PATH`, else the fallback.
    pub fn detect() -> Voice {
        find_program("espeak-ng").map_or(Voice::Fallback, Voice::Espeak)
    }

    /// [`super::Synthetic::source`] for audio in this voice.
    pub fn source(&self) -> &'static str {
        match self {
            Voice::Espeak(_) => ESPEAK_NG,
            Voice::Fallback => FALLBACK,
        }
    }

    /// One utterance of `phrase`, mono at `sample_rate`, without silence around it.
    pub fn utterance(&self, phrase: &str, sample_rate: u32) -> Result<Vec<f32>, MediaError> {
        match self {
            Voice::Espeak(program) => spoken_by_espeak(program, phrase, sample_rate),
            Voice::Fallback => Ok(fallback_voice::utterance(phrase, sample_rate)),
        }
    }
}

fn spoken_by_espeak(program: &Path, phrase: &str, sample_rate: u32) -> Result<Vec<f32>, MediaError> {
    let wav = ScratchWav::new();
    // The phrase goes through stdin: as an argument, one starting with `-` would be an option.
    let mut child = Command::new(program)
        .args(["-v", ESPEAK_VOICE, "-s", ESPEAK_WORDS_PER_MINUTE, "-w"])
        .arg(&wav.0)
        .arg("--stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| espeak_failed(format!("could not run {}: {error}", program.display())))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(phrase.as_bytes())
            .map_err(|error| espeak_failed(format!("could not send the phrase: {error}")))?;
    }
    let output = child.wait_with_output().map_err(|error| espeak_failed(format!("did not finish: {error}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(espeak_failed(format!("exited with {}: {}", output.status, stderr.trim())));
    }
    let bytes = std::fs::read(&wav.0).map_err(|error| espeak_failed(format!("wrote no WAV: {error}")))?;
    let spoken = to_mono(&decode_wav(&bytes)?);
    let trimmed = Audio::mono(spoken.sample_rate, trim_silence(&spoken.samples, spoken.sample_rate).to_vec());
    if trimmed.samples.is_empty() {
        return Err(espeak_failed(format!("said nothing audible for {phrase:?}")));
    }
    Ok(resample(&trimmed, sample_rate).samples)
}

/// `samples` from shortly before the first sound to shortly after the last; nothing when all
/// is silence.
pub(super) fn trim_silence(samples: &[f32], sample_rate: u32) -> &[f32] {
    let loud = |sample: &f32| sample.abs() > SILENCE;
    let (Some(first), Some(last)) = (samples.iter().position(loud), samples.iter().rposition(loud)) else {
        return &[];
    };
    let before = (KEPT_BEFORE_S * f64::from(sample_rate)) as usize;
    let after = (KEPT_AFTER_S * f64::from(sample_rate)) as usize;
    &samples[first.saturating_sub(before)..(last + after + 1).min(samples.len())]
}

fn espeak_failed(detail: String) -> MediaError {
    MediaError::Unsupported { what: "speech from espeak-ng", detail: format!("espeak-ng {detail}") }
}

/// A path for espeak-ng's WAV, removed on drop.
struct ScratchWav(PathBuf);

impl ScratchWav {
    fn new() -> ScratchWav {
        // Unique across threads (the counter) and processes (the pid).
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!("omnitest-espeak-{}-{}.wav", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        ScratchWav(std::env::temp_dir().join(name))
    }
}

impl Drop for ScratchWav {
    fn drop(&mut self) {
        // espeak-ng may have failed before writing it; the system cleans its temp dir anyway.
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_keeps_a_margin_around_the_sound() {
        let mut samples = vec![0.0; 1000];
        samples[400..500].fill(0.5);
        // At 1 kHz the margins are 20 samples before and 40 after.
        assert_eq!(trim_silence(&samples, 1000).len(), 20 + 100 + 40);
        assert_eq!(trim_silence(&samples[400..], 1000).len(), 100 + 40);
        assert!(trim_silence(&[0.001; 50], 1000).is_empty());
    }

    #[test]
    fn a_missing_program_is_an_error_that_names_it() {
        let voice = Voice::Espeak(PathBuf::from("/nonexistent/espeak-ng"));
        let error = voice.utterance("test", 16_000).unwrap_err();
        assert!(error.to_string().contains("could not run /nonexistent/espeak-ng"), "{error}");
        assert_eq!(voice.source(), ESPEAK_NG);
        assert_eq!(Voice::Fallback.source(), FALLBACK);
    }
}
