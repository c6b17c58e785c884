//! The stand-in for `espeak-ng`: a voiced sound shaped like vowels, one syllable per vowel group
//! of the phrase. It has speech's pitch, harmonics and rhythm, so that servers and measurements
//! treat it as a voice, but it says no words; audio made with it is marked as the fallback.

use std::f64::consts::{PI, TAU};

/// The pitch glides from this to [`END_PITCH_HZ`] over the utterance, as a statement's does,
/// so that its median is about 200 Hz.
const START_PITCH_HZ: f64 = 215.0;
const END_PITCH_HZ: f64 = 185.0;
/// A syllable's voiced part and the gap after it.
const SYLLABLE_S: f64 = 0.22;
const GAP_S: f64 = 0.05;
/// Long phrases are cut to this many syllables; the utterance is repeated to fill the clip.
const MAX_SYLLABLES: usize = 48;
/// Harmonics stop below this frequency, where a voice's energy has mostly gone.
const HIGHEST_HARMONIC_HZ: f64 = 4000.0;
/// The third formant, much the same for every vowel, and the formants' bandwidths.
const THIRD_FORMANT_HZ: f64 = 2500.0;
const BANDWIDTHS_HZ: [f64; 3] = [90.0, 110.0, 150.0];

/// An English vowel's first two formants.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Vowel {
    first_hz: f64,
    second_hz: f64,
}

/// The vowel each vowel letter most often stands for.
fn vowel_of(letter: char) -> Option<Vowel> {
    let (first_hz, second_hz) = match letter.to_ascii_lowercase() {
        'a' => (730.0, 1090.0),
        'e' => (530.0, 1840.0),
        'i' | 'y' => (270.0, 2290.0),
        'o' => (570.0, 840.0),
        'u' => (300.0, 870.0),
        _ => return None,
    };
    Some(Vowel { first_hz, second_hz })
}

/// The vowel of each syllable: one per run of vowel letters, and at least one ("uh") so that
/// a phrase without vowels is still heard.
fn syllables(phrase: &str) -> Vec<Vowel> {
    let mut vowels: Vec<Vowel> = Vec::new();
    let mut in_vowel_run = false;
    for letter in phrase.chars() {
        match vowel_of(letter) {
            Some(vowel) if !in_vowel_run => {
                vowels.push(vowel);
                in_vowel_run = true;
            }
            Some(_) => {}
            None => in_vowel_run = false,
        }
        if vowels.len() == MAX_SYLLABLES {
            break;
        }
    }
    if vowels.is_empty() {
        vowels.push(Vowel { first_hz: 640.0, second_hz: 1190.0 });
    }
    vowels
}

/// One utterance standing for `phrase`, mono at `sample_rate`, peaking at 1. The same phrase
/// and rate always give the same samples.
pub(super) fn utterance(phrase: &str, sample_rate: u32) -> Vec<f32> {
    let rate = f64::from(sample_rate.max(1));
    let vowels = syllables(phrase);
    let voiced = (SYLLABLE_S * rate) as usize;
    let gap = (GAP_S * rate) as usize;
    let total = vowels.len() * (voiced + gap) - gap;
    let mut samples = Vec::with_capacity(total);
    let mut phase = 0.0f64;
    for (index, vowel) in vowels.iter().enumerate() {
        for step in 0..voiced {
            let progress = samples.len() as f64 / total.max(1) as f64;
            let pitch = START_PITCH_HZ + (END_PITCH_HZ - START_PITCH_HZ) * progress;
            // Accumulating the phase keeps the wave continuous while the pitch glides.
            phase = (phase + TAU * pitch / rate) % TAU;
            let envelope = (PI * step as f64 / voiced as f64).sin().powf(0.7);
            samples.push((envelope * voiced_sample(phase, pitch, *vowel, rate)) as f32);
        }
        if index + 1 < vowels.len() {
            samples.extend(std::iter::repeat_n(0.0, gap));
        }
    }
    let peak = samples.iter().fold(0.0f32, |peak, sample| peak.max(sample.abs()));
    if peak > 0.0 {
        samples.iter_mut().for_each(|sample| *sample /= peak);
    }
    samples
}

/// A glottal source's harmonics (falling 6 dB an octave) shaped by the vowel's formants.
fn voiced_sample(phase: f64, pitch: f64, vowel: Vowel, rate: f64) -> f64 {
    let highest = HIGHEST_HARMONIC_HZ.min(rate / 2.0 - pitch);
    let formants = [vowel.first_hz, vowel.second_hz, THIRD_FORMANT_HZ];
    (1..)
        .map(f64::from)
        .take_while(|harmonic| harmonic * pitch <= highest)
        .map(|harmonic| {
            let frequency = harmonic * pitch;
            let resonance: f64 = formants
                .iter()
                .zip(BANDWIDTHS_HZ)
                .map(|(formant, bandwidth)| 1.0 / (1.0 + ((frequency - formant) / (bandwidth / 2.0)).powi(2)))
                .sum();
            (0.1 + resonance) / harmonic * (harmonic * phase).sin()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::Audio;
    use crate::media::analysis::median_f0_hz;

    #[test]
    fn one_syllable_per_vowel_group() {
        assert_eq!(syllables("test").len(), 1);
        assert_eq!(syllables("hello world").len(), 3);
        assert_eq!(syllables("rhythm").len(), 1, "y counts as a vowel");
        assert_eq!(syllables("tsk, psst").len(), 1, "no vowels still gives a syllable");
        assert_eq!(syllables(&"ta ".repeat(500)).len(), MAX_SYLLABLES);
    }

    #[test]
    fn the_utterance_is_voiced_at_about_200_hz() {
        let samples = utterance("hello there, this is a test", 16_000);
        let pitch = median_f0_hz(&Audio::mono(16_000, samples.clone())).unwrap();
        assert!((185.0..=215.0).contains(&pitch), "{pitch} Hz");
        let peak = samples.iter().fold(0.0f32, |peak, sample| peak.max(sample.abs()));
        assert!((peak - 1.0).abs() < 1e-6, "{peak}");
    }

    #[test]
    fn the_same_phrase_gives_the_same_samples() {
        assert_eq!(utterance("test", 48_000), utterance("test", 48_000));
        assert_ne!(utterance("test", 48_000), utterance("toast", 48_000));
        assert_eq!(utterance("test", 48_000).len(), (SYLLABLE_S * 48_000.0) as usize);
    }
}
