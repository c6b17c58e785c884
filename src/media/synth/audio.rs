//! Spoken audio, as `generate_synthetic_audio` makes it: a phrase said again and again, with
//! short pauses, to fill the duration.

use super::Synthetic;
use super::cache::Cache;
use super::voice::Voice;
use crate::media::wav::encode_wav;
use crate::media::{Audio, MediaError};

/// Limits that keep a mistyped option from filling memory.
const MAX_DURATION_S: f64 = 600.0;
const MAX_CHANNELS: u16 = 8;
const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=192_000;
/// Silence before the first word (at most an eighth of the clip) and between repetitions.
const LEAD_S: f64 = 0.02;
const PAUSE_S: f64 = 0.18;
/// The seed's enhancement: pre-emphasis `x[n] - 0.94·x[n-1]` mixed in at 30%, fades this long
/// at both ends, and a peak at 0.95.
const PRE_EMPHASIS: f32 = 0.94;
const PRE_EMPHASIS_SHARE: f32 = 0.3;
const FADE_S: f64 = 0.01;
const PEAK: f32 = 0.95;

/// What [`audio_with`] says.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioOptions {
    /// Seconds, 0 to 600; clips shorter than a second are made a second long, as the seed's.
    pub duration_s: f64,
    /// Channels, 1 to 8, each the same.
    pub channels: u16,
    /// Samples per second, 8000 to 192000.
    pub sample_rate: u32,
    /// What is said: any text with something to say.
    pub phrase: String,
}

impl Default for AudioOptions {
    /// One second of "test", mono, at 48 kHz.
    fn default() -> Self {
        AudioOptions { duration_s: 1.0, channels: 1, sample_rate: 48_000, phrase: "test".to_owned() }
    }
}

/// `duration_s` seconds of "test" spoken at 48 kHz in 16-bit WAV, the same on every channel.
pub fn audio(duration_s: u32, channels: u16) -> Result<Synthetic, MediaError> {
    audio_with(AudioOptions { duration_s: f64::from(duration_s), channels, ..AudioOptions::default() })
}

/// The phrase spoken by `espeak-ng` (`en-us+f3`, a female voice, at 150 words a minute) with its
/// silence trimmed, resampled, repeated with 0.18 s pauses to fill exactly
/// `max(1, duration_s) × sample_rate` frames, copied to every channel, lightly enhanced as the
/// seed does (DC removed, gentle pre-emphasis, 10 ms fades at both ends) and peaking at 0.95,
/// as a 16-bit WAV.
///
/// Without `espeak-ng` on `PATH` the phrase is replaced by a wordless voiced sound of the same
/// length (see [`super::FALLBACK`]), and [`Synthetic::source`] says `fallback`.
pub fn audio_with(options: AudioOptions) -> Result<Synthetic, MediaError> {
    audio_in(&Cache::shared(), &options, &Voice::detect())
}

/// [`audio_with`], cached in `cache`, in `voice`.
pub(super) fn audio_in(cache: &Cache, options: &AudioOptions, voice: &Voice) -> Result<Synthetic, MediaError> {
    check(options)?;
    let AudioOptions { duration_s, channels, sample_rate, phrase } = options;
    let phrase_hash = xxhash_rust::xxh3::xxh3_64(phrase.as_bytes());
    let name = format!("audio_d{duration_s}_c{channels}_r{sample_rate}_{phrase_hash:016x}_{}.wav", voice.source());
    let (bytes, path) = cache.read_or_make(&name, || Ok(encode_wav(&speak(options, voice)?)))?;
    Ok(Synthetic { bytes, mime: "audio/wav", path, source: voice.source() })
}

fn check(options: &AudioOptions) -> Result<(), MediaError> {
    let unsupported = |what, detail| Err(MediaError::Unsupported { what, detail });
    let AudioOptions { duration_s, channels, sample_rate, phrase } = options;
    if !(0.0..=MAX_DURATION_S).contains(duration_s) {
        return unsupported("audio duration", format!("expected 0 to {MAX_DURATION_S} seconds, got {duration_s}"));
    }
    if !(1..=MAX_CHANNELS).contains(channels) {
        return unsupported("audio channels", format!("expected 1 to {MAX_CHANNELS} channels, got {channels}"));
    }
    if !SAMPLE_RATES.contains(sample_rate) {
        let (low, high) = (SAMPLE_RATES.start(), SAMPLE_RATES.end());
        return unsupported("sample rate", format!("expected {low} to {high} Hz, got {sample_rate}"));
    }
    if phrase.trim().is_empty() {
        return unsupported("phrase", "there is nothing to say in an empty phrase".to_owned());
    }
    Ok(())
}

/// The clip, before encoding.
pub(super) fn speak(options: &AudioOptions, voice: &Voice) -> Result<Audio, MediaError> {
    let rate = options.sample_rate;
    let utterance = voice.utterance(&options.phrase, rate)?;
    let frames = (options.duration_s.max(1.0) * f64::from(rate)).round() as usize;
    let mut mono = repeated(&utterance, frames, rate);
    enhance(&mut mono, rate);
    let channels = usize::from(options.channels);
    let samples = mono.iter().flat_map(|&sample| std::iter::repeat_n(sample, channels)).collect();
    Ok(Audio { sample_rate: rate, channels: options.channels, samples })
}

/// `frames` samples: a little silence, then the utterance again and again with pauses, the last
/// one cut where the clip ends.
fn repeated(utterance: &[f32], frames: usize, sample_rate: u32) -> Vec<f32> {
    let mut clip = vec![0.0; frames];
    if utterance.is_empty() {
        return clip;
    }
    let pause = (PAUSE_S * f64::from(sample_rate)) as usize;
    let mut start = ((LEAD_S * f64::from(sample_rate)) as usize).min(frames / 8);
    while start < frames {
        let take = utterance.len().min(frames - start);
        clip[start..start + take].copy_from_slice(&utterance[..take]);
        start += utterance.len() + pause;
    }
    clip
}

/// DC removed, gentle pre-emphasis for clearer consonants, fades against clicks, peak at 0.95.
fn enhance(samples: &mut [f32], sample_rate: u32) {
    if samples.is_empty() {
        return;
    }
    let mean = samples.iter().map(|&sample| f64::from(sample)).sum::<f64>() / samples.len() as f64;
    let mut previous = 0.0;
    for sample in samples.iter_mut() {
        let centred = *sample - mean as f32;
        let emphasised = centred - PRE_EMPHASIS * previous;
        previous = centred;
        *sample = (1.0 - PRE_EMPHASIS_SHARE) * centred + PRE_EMPHASIS_SHARE * emphasised;
    }
    let fade = (samples.len() / 4).min(((FADE_S * f64::from(sample_rate)) as usize).max(1));
    if fade > 1 {
        let length = samples.len();
        for step in 0..fade {
            let gain = step as f32 / (fade - 1) as f32;
            samples[step] *= gain;
            samples[length - 1 - step] *= gain;
        }
    }
    let peak = samples.iter().fold(0.0f32, |peak, sample| peak.max(sample.abs()));
    if peak > 1e-8 {
        samples.iter_mut().for_each(|sample| *sample *= PEAK / peak);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitions_start_after_a_lead_and_pauses() {
        // At 100 Hz: a lead of 2 samples, pauses of 18.
        let clip = repeated(&[1.0; 5], 50, 100);
        let starts: Vec<usize> =
            (0..clip.len()).filter(|&i| clip[i] == 1.0 && (i == 0 || clip[i - 1] == 0.0)).collect();
        assert_eq!(starts, [2, 25, 48]);
        assert_eq!(clip.len(), 50);
        assert_eq!(repeated(&[], 10, 100), vec![0.0; 10]);
        assert_eq!(repeated(&[1.0; 5], 4, 100), vec![1.0; 4], "a tiny clip has no lead");
    }

    #[test]
    fn enhancement_centres_fades_and_normalises() {
        let mut samples = vec![0.5f32; 4000];
        samples.iter_mut().enumerate().for_each(|(i, s)| *s += (i as f32 * 0.05).sin() * 0.2);
        enhance(&mut samples, 16_000);
        let peak = samples.iter().fold(0.0f32, |peak, sample| peak.max(sample.abs()));
        assert!((peak - PEAK).abs() < 1e-6, "{peak}");
        assert_eq!((samples[0], samples[3999]), (0.0, 0.0), "fades reach silence");
        let mean = samples.iter().sum::<f32>() / samples.len() as f32;
        assert!(mean.abs() < 0.02, "DC removed: {mean}");
        let mut silence = vec![0.0f32; 10];
        enhance(&mut silence, 16_000);
        assert_eq!(silence, vec![0.0; 10]);
        enhance(&mut [], 16_000);
    }

    #[test]
    fn refuses_options_that_make_no_sense() {
        let base = AudioOptions::default();
        let cases = [
            AudioOptions { duration_s: f64::NAN, ..base.clone() },
            AudioOptions { duration_s: -1.0, ..base.clone() },
            AudioOptions { duration_s: 601.0, ..base.clone() },
            AudioOptions { channels: 0, ..base.clone() },
            AudioOptions { channels: 9, ..base.clone() },
            AudioOptions { sample_rate: 4_000, ..base.clone() },
            AudioOptions { phrase: " \n".to_owned(), ..base.clone() },
        ];
        for options in cases {
            let error = check(&options).unwrap_err();
            assert!(matches!(error, MediaError::Unsupported { .. }), "{options:?}: {error}");
        }
        assert_eq!(check(&base), Ok(()));
    }
}
