//! What a sound contains: level, voicing, pitch and harmonicity.

use crate::media::Audio;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::fmt::Write as _;
use std::sync::Arc;

/// Measurements of a sound, from its samples.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioMeasurement {
    /// Duration in seconds.
    pub duration_s: f64,
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Root-mean-square level over all samples, in dB relative to full scale (−120 for
    /// digital silence).
    pub rms_dbfs: f32,
    /// The largest absolute sample.
    pub peak: f32,
    /// The share of 40 ms frames (20 ms apart) that are voiced: loud enough and periodic with a
    /// pitch between 70 and 400 Hz.
    pub voiced_fraction: f32,
    /// The median pitch of the voiced frames ([`median_f0_hz`]).
    pub median_f0_hz: Option<f32>,
    /// The harmonics-to-noise ratio of the mixed-down 16-bit samples ([`pcm_hnr_db`]).
    pub hnr_db: Option<f64>,
}

impl AudioMeasurement {
    /// One sentence saying what the audio is, e.g. "The audio is 5.0 s of voiced sound at
    /// 48 kHz with a median pitch of 212 Hz."
    pub fn sentence(&self) -> String {
        let mut sentence = format!("The audio is {:.1} s of ", self.duration_s);
        let silent = self.peak < SILENCE_PEAK || self.rms_dbfs < SILENCE_RMS_DBFS;
        let kind = if silent {
            "silence"
        } else if self.voiced_fraction >= MOSTLY_VOICED {
            "voiced sound"
        } else if self.voiced_fraction >= PARTLY_VOICED {
            "partly voiced sound"
        } else {
            "unvoiced sound (noise-like)"
        };
        let _ = write!(sentence, "{kind} at {}", rate_in_khz(self.sample_rate));
        match self.channels {
            1 => {}
            2 => sentence.push_str(" in stereo"),
            n => {
                let _ = write!(sentence, " in {n} channels");
            }
        }
        if let (false, Some(f0)) = (silent || self.voiced_fraction < PARTLY_VOICED, self.median_f0_hz) {
            let _ = write!(sentence, " with a median pitch of {f0:.0} Hz");
        }
        sentence.push('.');
        sentence
    }
}

/// Below this peak, or this RMS level, a sound is called silence.
const SILENCE_PEAK: f32 = 1e-4;
const SILENCE_RMS_DBFS: f32 = -70.0;
/// Voiced fractions from which a sound is called voiced, or partly voiced. Speech with its
/// pauses is voiced 40–80% of the time.
const MOSTLY_VOICED: f32 = 0.4;
const PARTLY_VOICED: f32 = 0.1;

/// "48 kHz", "22.05 kHz".
fn rate_in_khz(sample_rate: u32) -> String {
    let khz = format!("{:.3}", f64::from(sample_rate) / 1000.0);
    format!("{} kHz", khz.trim_end_matches('0').trim_end_matches('.'))
}

/// Measures `audio`: level, peak, voicing, pitch and harmonicity of its channels mixed down.
pub fn measure_audio(audio: &Audio) -> AudioMeasurement {
    let peak = audio.samples.iter().fold(0.0f32, |peak, s| peak.max(s.abs()));
    let mean_square = if audio.samples.is_empty() {
        0.0
    } else {
        audio.samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / audio.samples.len() as f64
    };
    let rms_dbfs = if mean_square > 0.0 { (10.0 * mean_square.log10()).max(-120.0) as f32 } else { -120.0 };
    let mono = mixed_down(audio);
    let pitches = frame_pitches(&mono, audio.sample_rate);
    let voiced = pitches.iter().filter(|p| p.is_some()).count();
    let voiced_fraction = if pitches.is_empty() { 0.0 } else { voiced as f32 / pitches.len() as f32 };
    let pcm: Vec<i16> = mono.iter().map(|&s| to_pcm16(s)).collect();
    AudioMeasurement {
        duration_s: audio.duration_s(),
        sample_rate: audio.sample_rate,
        channels: audio.channels,
        rms_dbfs,
        peak,
        voiced_fraction,
        median_f0_hz: median(pitches.into_iter().flatten().collect()),
        hnr_db: pcm_hnr_db(&pcm, audio.sample_rate),
    }
}

/// A sample in [-1, 1] as 16-bit PCM, clipped, as a WAV writer stores it.
fn to_pcm16(sample: f32) -> i16 {
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// The channels of `audio` averaged into one.
pub(crate) fn mixed_down(audio: &Audio) -> Vec<f32> {
    let channels = usize::from(audio.channels.max(1));
    if channels == 1 {
        return audio.samples.clone();
    }
    audio.samples.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect()
}

/// The mean harmonics-to-noise ratio, in dB, of 16-bit PCM: the algorithm of vLLM-Omni's test
/// helper `_compute_pcm_hnr_db`, which the speech validators' thresholds (≥ 1 dB) are set for.
///
/// - Frames of 30 ms start every 15 ms (half a frame); a last partial frame, or a last frame
///   that ends exactly at the end of the samples, is not used.
/// - Each frame is scaled to [-1, 1] (÷ 32768) and its mean removed. A frame whose largest
///   absolute sample is below 0.01 (−40 dBFS) is silent and skipped.
/// - Its autocorrelation is normalised by the zero-lag value (the biased estimate), and `r` is
///   the peak over lags `⌊rate/400⌋ ..< ⌊rate/80⌋` (pitches of 80–400 Hz).
/// - A frame with `0 < r < 1` contributes `10·log10(r / (1 − r))`; others are skipped.
///
/// `None` when no frame contributes. Because the estimate is biased, a perfectly periodic
/// frame of period `P` scores about `(N − P) / N` (N the frame length): about 7 dB for a
/// 220 Hz voice and 4 dB for a 110 Hz one, while aperiodic noise scores well below 0 dB.
pub fn pcm_hnr_db(samples: &[i16], sample_rate: u32) -> Option<f64> {
    let frame_len = (0.03 * f64::from(sample_rate)) as usize;
    let hop = frame_len / 2;
    let min_lag = (f64::from(sample_rate) / 400.0) as usize;
    let max_lag = ((f64::from(sample_rate) / 80.0) as usize).min(frame_len);
    if hop == 0 || min_lag >= max_lag || samples.len() <= frame_len {
        return None;
    }
    let mut frame = vec![0.0f64; frame_len];
    let mut autocorrelation = Autocorrelation::new(frame_len, max_lag);
    let (mut sum, mut count) = (0.0f64, 0usize);
    for start in (0..samples.len() - frame_len).step_by(hop) {
        for (value, &sample) in frame.iter_mut().zip(&samples[start..start + frame_len]) {
            *value = f64::from(sample) / 32768.0;
        }
        let mean = frame.iter().sum::<f64>() / frame_len as f64;
        frame.iter_mut().for_each(|v| *v -= mean);
        if frame.iter().all(|v| v.abs() < 0.01) {
            continue;
        }
        let correlations = autocorrelation.of(&frame);
        let zero_lag = correlations[0];
        let peak = correlations[min_lag..max_lag].iter().map(|c| c / (zero_lag + 1e-10)).fold(f64::MIN, f64::max);
        if peak > 0.0 && peak < 1.0 {
            sum += 10.0 * (peak / (1.0 - peak + 1e-10)).log10();
            count += 1;
        }
    }
    (count > 0).then(|| sum / count as f64)
}

/// The median pitch, in Hz, of the voiced frames of `audio` (channels mixed down).
///
/// Frames of 40 ms start every 20 ms; each is Hamming-windowed and its mean removed, and its
/// pitch is the lag of the autocorrelation peak between 70 and 400 Hz, refined between lags
/// by a parabola. A frame is voiced when its RMS is at least 1e-4 and that peak, normalised by
/// the zero-lag value, reaches 0.3 (noise stays near 0.1; a periodic sound reaches 0.5 or
/// more through the window). `None` for fewer than four voiced frames.
pub fn median_f0_hz(audio: &Audio) -> Option<f32> {
    median(frame_pitches(&mixed_down(audio), audio.sample_rate).into_iter().flatten().collect())
}

/// Frame length, step, pitch range and voicing threshold of [`median_f0_hz`].
const PITCH_FRAME_S: f64 = 0.04;
const PITCH_RANGE_HZ: (f64, f64) = (70.0, 400.0);
const VOICED_PEAK: f64 = 0.3;
const AUDIBLE_RMS: f64 = 1e-4;

/// The pitch of each 40 ms frame, `None` for unvoiced frames.
fn frame_pitches(mono: &[f32], sample_rate: u32) -> Vec<Option<f32>> {
    let rate = f64::from(sample_rate);
    let frame_len = (PITCH_FRAME_S * rate) as usize;
    let hop = frame_len / 2;
    let min_lag = ((rate / PITCH_RANGE_HZ.1) as usize).max(1);
    let max_lag = ((rate / PITCH_RANGE_HZ.0) as usize).min(frame_len.saturating_sub(2));
    if hop == 0 || min_lag + 2 > max_lag || mono.len() <= frame_len {
        return Vec::new();
    }
    let window: Vec<f64> = (0..frame_len)
        .map(|i| 0.54 - 0.46 * (std::f64::consts::TAU * i as f64 / (frame_len - 1) as f64).cos())
        .collect();
    let mut frame = vec![0.0f64; frame_len];
    let mut autocorrelation = Autocorrelation::new(frame_len, max_lag + 1);
    (0..mono.len() - frame_len)
        .step_by(hop)
        .map(|start| {
            for ((value, &sample), &w) in frame.iter_mut().zip(&mono[start..start + frame_len]).zip(&window) {
                *value = f64::from(sample) * w;
            }
            let mean = frame.iter().sum::<f64>() / frame_len as f64;
            frame.iter_mut().for_each(|v| *v -= mean);
            let all_lags = autocorrelation.of(&frame);
            let zero_lag = all_lags[0];
            if (zero_lag / frame_len as f64).sqrt() < AUDIBLE_RMS {
                return None;
            }
            let correlations: Vec<f64> = all_lags[min_lag - 1..=max_lag + 1].iter().map(|c| c / zero_lag).collect();
            // Index 0 and the last are the neighbours just outside the range, for the parabola.
            let (best, &peak) =
                correlations[1..correlations.len() - 1].iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
            if peak < VOICED_PEAK {
                return None;
            }
            let (left, right) = (correlations[best], correlations[best + 2]);
            let curvature = left - 2.0 * peak + right;
            let shift = if curvature < 0.0 { (0.5 * (left - right) / curvature).clamp(-0.5, 0.5) } else { 0.0 };
            let lag = (min_lag + best) as f64 + shift;
            Some((rate / lag) as f32)
        })
        .collect()
}

/// The autocorrelation Σ x[n]·x[n + lag] of frames of one length, for every lag, through an
/// FFT: the same values as the direct sum to rounding, at a fraction of its cost.
struct Autocorrelation {
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
    buffer: Vec<Complex<f64>>,
    lags: usize,
}

impl Autocorrelation {
    /// For frames of `frame_len` samples and lags up to `max_lag`.
    fn new(frame_len: usize, max_lag: usize) -> Autocorrelation {
        // Long enough that the circular correlation does not wrap onto the lags wanted.
        let size = (frame_len + max_lag + 1).next_power_of_two();
        let mut planner = FftPlanner::new();
        Autocorrelation {
            forward: planner.plan_fft_forward(size),
            inverse: planner.plan_fft_inverse(size),
            buffer: Vec::with_capacity(size),
            lags: max_lag + 1,
        }
    }

    /// Lags 0 to `max_lag`.
    fn of(&mut self, frame: &[f64]) -> Vec<f64> {
        let size = self.forward.len();
        self.buffer.clear();
        self.buffer.extend(frame.iter().map(|&v| Complex::new(v, 0.0)));
        self.buffer.resize(size, Complex::new(0.0, 0.0));
        self.forward.process(&mut self.buffer);
        self.buffer.iter_mut().for_each(|c| *c = Complex::new(c.norm_sqr(), 0.0));
        self.inverse.process(&mut self.buffer);
        let scale = 1.0 / size as f64;
        self.buffer[..self.lags].iter().map(|c| c.re * scale).collect()
    }
}

/// The median, `None` for fewer than four values (too little to call a pitch).
fn median(mut values: Vec<f32>) -> Option<f32> {
    if values.len() < 4 {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] })
}

#[cfg(test)]
mod tests;
