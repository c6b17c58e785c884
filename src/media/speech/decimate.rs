//! Bringing audio down to about 8 kHz before decoding: everything the recogniser reads lies
//! below 3.4 kHz, and fewer samples make every later step cheaper (six times at 48 kHz).

/// The recogniser works at the input rate divided by the largest whole factor that keeps it
/// at or above this.
const WORKING_RATE: u32 = 8_000;
/// The low-pass filter before dropping samples: −6 dB at its cutoff, a transition this wide
/// (Hann-windowed sinc), so that 3.4 kHz passes and nothing above 4.6 kHz folds back into the
/// bands at an 8 kHz working rate.
const CUTOFF_HZ: f64 = 4_000.0;
const TRANSITION_HZ: f64 = 1_200.0;

/// `samples` at `sample_rate` brought down to about 8 kHz, with the rate they are now at.
pub(super) fn decimated(samples: &[f32], sample_rate: u32) -> (Vec<f32>, f64) {
    let factor = (sample_rate / WORKING_RATE).max(1) as usize;
    let rate = f64::from(sample_rate);
    if factor == 1 {
        return (samples.to_vec(), rate);
    }
    let kernel = low_pass(rate);
    let half = kernel.len() / 2;
    let output = (0..samples.len().div_ceil(factor))
        .map(|index| {
            let centre = index * factor;
            // Kernel tap t meets sample centre + t − half; taps outside the audio meet zeros.
            let first_tap = half.saturating_sub(centre);
            let last_tap = kernel.len().min(samples.len() + half - centre);
            (first_tap..last_tap).map(|tap| kernel[tap] * samples[centre + tap - half]).sum()
        })
        .collect();
    (output, rate / factor as f64)
}

/// A Hann-windowed sinc low-pass at [`CUTOFF_HZ`] for `rate`, of odd length, unit gain at 0 Hz.
fn low_pass(rate: f64) -> Vec<f32> {
    let half = (1.55 * rate / TRANSITION_HZ).ceil() as usize;
    let length = 2 * half + 1;
    let cutoff = CUTOFF_HZ / rate;
    let taps: Vec<f64> = (0..length)
        .map(|i| {
            let n = i as f64 - half as f64;
            let sinc = if n == 0.0 {
                2.0 * cutoff
            } else {
                (std::f64::consts::TAU * cutoff * n).sin() / (std::f64::consts::PI * n)
            };
            let window = 0.5 + 0.5 * (std::f64::consts::PI * n / (half + 1) as f64).cos();
            sinc * window
        })
        .collect();
    let sum: f64 = taps.iter().sum();
    taps.iter().map(|&tap| (tap / sum) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(frequency: f64, rate: u32, seconds: f64) -> Vec<f32> {
        (0..(seconds * f64::from(rate)) as usize)
            .map(|i| (std::f64::consts::TAU * frequency * i as f64 / f64::from(rate)).sin() as f32)
            .collect()
    }

    fn rms(samples: &[f32]) -> f32 {
        // The middle half, away from the filter's edges.
        let middle = &samples[samples.len() / 4..samples.len() * 3 / 4];
        (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt()
    }

    #[test]
    fn keeps_the_bands_and_removes_what_would_fold_onto_them() {
        for rate in [16_000, 24_000, 44_100, 48_000] {
            let (kept, working) = decimated(&tone(3_400.0, rate, 0.5), rate);
            assert!((8_000.0..16_000.0).contains(&working), "{rate}: {working}");
            assert!(rms(&kept) > 0.6, "{rate}: 3.4 kHz at {}", rms(&kept));
            let (removed, _) = decimated(&tone(5_500.0, rate, 0.5), rate);
            assert!(rms(&removed) < 0.01, "{rate}: 5.5 kHz at {}", rms(&removed));
        }
    }

    #[test]
    fn leaves_low_rates_alone() {
        let samples = tone(1_000.0, 11_025, 0.1);
        assert_eq!(decimated(&samples, 11_025), (samples, 11_025.0));
    }
}
