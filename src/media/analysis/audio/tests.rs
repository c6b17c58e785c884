use super::*;

const RATE: u32 = 24_000;

/// `seconds` of a tone at `f0_hz` with harmonics falling off as 1/k up to 4 kHz.
fn harmonic_tone(f0_hz: f64, seconds: f64) -> Vec<f32> {
    let rate = f64::from(RATE);
    (0..(seconds * rate) as usize)
        .map(|i| {
            let t = i as f64 / rate;
            let sum: f64 = (1..)
                .take_while(|&k| f64::from(k) * f0_hz < 4_000.0)
                .map(|k| (std::f64::consts::TAU * f64::from(k) * f0_hz * t + f64::from(k)).sin() / f64::from(k))
                .sum();
            (0.3 * sum) as f32
        })
        .collect()
}

fn white_noise(length: usize) -> Vec<f32> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            0.5 * ((state >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
        })
        .collect()
}

fn pcm(samples: &[f32]) -> Vec<i16> {
    samples.iter().map(|&s| to_pcm16(s)).collect()
}

/// The reference algorithm written out directly, as vLLM-Omni's helper computes it.
fn reference_hnr(samples: &[i16], rate: u32) -> f64 {
    let frame_len = (0.03 * f64::from(rate)) as usize;
    let (min_lag, max_lag) = ((f64::from(rate) / 400.0) as usize, (f64::from(rate) / 80.0) as usize);
    let mut values = Vec::new();
    for start in (0..samples.len() - frame_len).step_by(frame_len / 2) {
        let frame: Vec<f64> = samples[start..start + frame_len].iter().map(|&s| f64::from(s) / 32768.0).collect();
        let mean = frame.iter().sum::<f64>() / frame_len as f64;
        let frame: Vec<f64> = frame.iter().map(|v| v - mean).collect();
        if frame.iter().fold(0.0f64, |m, v| m.max(v.abs())) < 0.01 {
            continue;
        }
        let ac = |lag: usize| (0..frame_len - lag).map(|n| frame[n] * frame[n + lag]).sum::<f64>();
        let zero = ac(0) + 1e-10;
        let peak = (min_lag..max_lag).map(|lag| ac(lag) / zero).fold(f64::MIN, f64::max);
        if 0.0 < peak && peak < 1.0 {
            values.push(10.0 * (peak / (1.0 - peak + 1e-10)).log10());
        }
    }
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn hnr_is_the_reference_algorithm() {
    let mut mixed = harmonic_tone(150.0, 0.5);
    mixed.extend(white_noise(RATE as usize / 2));
    mixed.extend(vec![0.0; 2_000]);
    let samples = pcm(&mixed);
    let Some(hnr) = pcm_hnr_db(&samples, RATE) else {
        panic!("no HNR");
    };
    assert!((hnr - reference_hnr(&samples, RATE)).abs() < 1e-9, "{hnr}");
}

#[test]
fn hnr_is_high_for_a_harmonic_sound_and_low_for_noise() {
    // The reference's biased estimate caps a perfectly periodic 30 ms frame at
    // 10·log10((720 − P) / P) dB for a period of P samples: 9.0 dB at 300 Hz (P = 80).
    let Some(harmonic) = pcm_hnr_db(&pcm(&harmonic_tone(300.0, 1.0)), RATE) else {
        panic!("no HNR");
    };
    assert!(harmonic > 8.5, "harmonic: {harmonic:.2} dB");
    let Some(noise) = pcm_hnr_db(&pcm(&white_noise(RATE as usize)), RATE) else {
        panic!("no HNR");
    };
    assert!(noise < 3.0 && noise < harmonic - 10.0, "noise: {noise:.2} dB");
}

#[test]
fn hnr_skips_silence_and_needs_a_frame() {
    assert_eq!(pcm_hnr_db(&vec![0; RATE as usize], RATE), None);
    // Quieter than 0.01 of full scale counts as silence.
    assert_eq!(pcm_hnr_db(&vec![300; RATE as usize], RATE), None);
    assert_eq!(pcm_hnr_db(&[1_000; 100], RATE), None);
    assert_eq!(pcm_hnr_db(&[1_000; 1_000], 0), None);
}

#[test]
fn median_f0_finds_the_pitch_of_a_harmonic_tone() {
    for f0 in [90.0, 120.0, 200.0, 310.0] {
        let audio = Audio::mono(RATE, harmonic_tone(f0, 1.0));
        let Some(found) = median_f0_hz(&audio) else {
            panic!("no pitch at {f0}");
        };
        assert!((f64::from(found) / f0 - 1.0).abs() < 0.02, "{f0} Hz measured {found:.1}");
    }
    assert_eq!(median_f0_hz(&Audio::mono(RATE, white_noise(RATE as usize))), None);
    assert_eq!(median_f0_hz(&Audio::mono(RATE, vec![0.0; RATE as usize])), None);
}

#[test]
fn measures_a_voiced_stereo_sound() {
    let tone = harmonic_tone(200.0, 2.0);
    let samples: Vec<f32> = tone.iter().flat_map(|&s| [s, s]).collect();
    let measurement = measure_audio(&Audio { sample_rate: RATE, channels: 2, samples });
    assert!((measurement.duration_s - 2.0).abs() < 1e-9);
    assert!(measurement.voiced_fraction > 0.9, "{measurement:?}");
    assert!(measurement.median_f0_hz.is_some_and(|f0| (f0 - 200.0).abs() < 4.0));
    assert!(measurement.hnr_db.is_some_and(|hnr| hnr > 5.0));
    assert!(measurement.rms_dbfs < -3.0 && measurement.rms_dbfs > -30.0);
    assert_eq!(
        measurement.sentence(),
        "The audio is 2.0 s of voiced sound at 24 kHz in stereo with a median pitch of 200 Hz."
    );
}

#[test]
fn measures_silence_and_noise() {
    let silence = measure_audio(&Audio::mono(16_000, vec![0.0; 32_000]));
    assert_eq!(silence.rms_dbfs, -120.0);
    assert_eq!((silence.peak, silence.voiced_fraction, silence.median_f0_hz, silence.hnr_db), (0.0, 0.0, None, None));
    assert_eq!(silence.sentence(), "The audio is 2.0 s of silence at 16 kHz.");
    let noise = measure_audio(&Audio::mono(22_050, white_noise(22_050)));
    assert!(noise.voiced_fraction < 0.1, "{noise:?}");
    assert_eq!(noise.sentence(), "The audio is 1.0 s of unvoiced sound (noise-like) at 22.05 kHz.");
    let empty = measure_audio(&Audio::mono(44_100, Vec::new()));
    assert_eq!(empty.sentence(), "The audio is 0.0 s of silence at 44.1 kHz.");
}
