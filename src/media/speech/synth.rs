//! The waveform: a sum of harmonics of the voice's pitch whose loudness follows a spectral
//! envelope, like a vowel. A steady low region carries the pitch; each symbol lifts one band
//! in each data group, as formants do, and glides to the next.
//!
//! A band is lifted through the one harmonic nearest its centre. A single harmonic has a
//! steady envelope, so its band's energy can be read from a window shorter than a pitch period
//! (a symbol at speed 4 lasts 9 ms, one period of a low male voice); two or more harmonics in
//! a band would beat at the pitch and could vanish from such a window. For the same reason the
//! pitch is steady (a monotone): a gliding pitch would move the lifted harmonic across bands.

use super::layout::{BANDS, Schedule, band_centre_hz};
use std::f64::consts::TAU;

/// Silence before the voice starts and after it ends.
const EDGE_SILENCE_S: f64 = 0.15;
/// The voice swells in before the preamble and fades out after the last symbol over this long,
/// so it starts and stops like speech rather than with a click.
const ONSET_S: f64 = 0.02;
/// The loudest sample: natural for speech, and leaves room for a +3 dB gain before clipping.
const PEAK: f32 = 0.7;
/// Loudness of a harmonic in the pitch region (below 450 Hz), relative to the rest.
const PITCH_REGION_LEVEL: f32 = 1.0;
/// Where the pitch region starts fading, and where it has faded to the floor.
const PITCH_REGION_HZ: (f32, f32) = (450.0, 600.0);
/// Loudness of a harmonic in a band that is not emphasised. Emphasis is 22 dB louder, which
/// the recogniser needs and a vowel's formants resemble.
const FLOOR_LEVEL: f32 = 0.05;
/// Loudness added to a harmonic in an emphasised band.
const EMPHASIS_LEVEL: f32 = 0.6;
/// No harmonic above this: it keeps all the energy below the Nyquist frequency of 8 kHz audio,
/// so resampling without a filter cannot fold anything onto the bands.
const TOP_HZ: f32 = 3500.0;

/// The pitches rendered; a voice outside is clamped. Below, harmonics would be too many to
/// compute quickly; above, one band could hold no harmonic near its centre.
const PITCH_LIMITS_HZ: (f32, f32) = (50.0, 340.0);

/// Renders `schedule` in a voice of pitch `f0_hz`, with silence around it.
pub(super) fn render(schedule: &Schedule, f0_hz: f32, sample_rate: u32) -> Vec<f32> {
    if sample_rate == 0 {
        return Vec::new();
    }
    let rate = f64::from(sample_rate);
    let origin_s = EDGE_SILENCE_S + ONSET_S;
    let voiced_s = schedule.duration_s() + 2.0 * ONSET_S;
    let total_s = voiced_s + 2.0 * EDGE_SILENCE_S;
    let mut samples = vec![0.0f32; (total_s * rate).ceil() as usize];
    // Harmonics are also kept below 45% of the sample rate, so nothing aliases at low rates.
    let top_hz = TOP_HZ.min(0.45 * sample_rate as f32);
    let f0_hz = if f0_hz.is_finite() { f0_hz.clamp(PITCH_LIMITS_HZ.0, PITCH_LIMITS_HZ.1) } else { PITCH_LIMITS_HZ.0 };
    let partials = Partials::new(f0_hz, top_hz);
    let step = TAU * f64::from(f0_hz) / rate;
    let mut cursor = 0;
    let mut phase = 0.0f64;
    for (index, sample) in samples.iter_mut().enumerate() {
        let t_s = index as f64 / rate - origin_s;
        let voicing = voicing(t_s, schedule.duration_s());
        if voicing <= 0.0 {
            continue;
        }
        phase = (phase + step) % TAU;
        let gains = schedule.emphasis(&mut cursor, t_s);
        *sample = voicing * partials.sample(phase, &gains);
    }
    let peak = samples.iter().fold(0.0f32, |peak, s| peak.max(s.abs()));
    if peak > 0.0 {
        let scale = PEAK / peak;
        samples.iter_mut().for_each(|s| *s *= scale);
    }
    samples
}

/// The voice's loudness at `t_s`: raised-cosine swells over [`ONSET_S`] either side of the
/// schedule, 1 in between, 0 outside.
fn voicing(t_s: f64, duration_s: f64) -> f32 {
    let from_edge = (t_s + ONSET_S).min(duration_s + ONSET_S - t_s);
    if from_edge <= 0.0 {
        0.0
    } else if from_edge >= ONSET_S {
        1.0
    } else {
        (0.5 - 0.5 * (std::f64::consts::PI * from_edge / ONSET_S).cos()) as f32
    }
}

/// The harmonics of one voice below the top frequency: their base loudness, fixed phase
/// offsets and the band each one lifts, if any.
struct Partials {
    harmonics: Vec<Harmonic>,
}

struct Harmonic {
    level: f32,
    /// cos θ and sin θ of the phase offset θ.
    offset: (f64, f64),
    lifts: Option<usize>,
}

impl Partials {
    fn new(f0_hz: f32, top_hz: f32) -> Partials {
        let count = (1..).take_while(|&k| f0_hz * k as f32 <= top_hz).count().max(1);
        let lifted: [usize; BANDS] =
            std::array::from_fn(|band| (band_centre_hz(band) / f0_hz).round().max(1.0) as usize);
        let harmonics = (1..=count)
            .map(|k| {
                // Schroeder's phases: the harmonics never all peak together, so the crest
                // factor is voice-like and the level leaves room below full scale.
                let theta = std::f64::consts::PI * (k * (k - 1)) as f64 / count as f64;
                Harmonic {
                    level: base_level(f0_hz * k as f32),
                    offset: (theta.cos(), theta.sin()),
                    lifts: lifted.iter().position(|&harmonic| harmonic == k),
                }
            })
            .collect();
        Partials { harmonics }
    }

    /// One sample at fundamental phase `phase` with band emphases `gains`.
    fn sample(&self, phase: f64, gains: &[f32; BANDS]) -> f32 {
        let step = (phase.cos(), phase.sin());
        // The rotor holds cos kφ and sin kφ for harmonic k.
        let mut rotor = step;
        let mut sum = 0.0f64;
        for harmonic in &self.harmonics {
            let lift = harmonic.lifts.map_or(0.0, |band| gains[band]);
            let level = f64::from(harmonic.level + EMPHASIS_LEVEL * lift);
            let (cos_offset, sin_offset) = harmonic.offset;
            sum += level * (rotor.1 * cos_offset + rotor.0 * sin_offset);
            rotor = (rotor.0 * step.0 - rotor.1 * step.1, rotor.0 * step.1 + rotor.1 * step.0);
        }
        sum as f32
    }
}

/// The loudness of a harmonic at `frequency_hz` when no band is lifted.
fn base_level(frequency_hz: f32) -> f32 {
    let (fade_from, fade_to) = PITCH_REGION_HZ;
    if frequency_hz <= fade_from {
        PITCH_REGION_LEVEL
    } else if frequency_hz >= fade_to {
        FLOOR_LEVEL
    } else {
        let progress = (frequency_hz - fade_from) / (fade_to - fade_from);
        let fade = 0.5 + 0.5 * (std::f32::consts::PI * progress).cos();
        FLOOR_LEVEL + (PITCH_REGION_LEVEL - FLOOR_LEVEL) * fade
    }
}
