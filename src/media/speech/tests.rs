use super::*;
use crate::media::analysis::{median_f0_hz, pcm_hnr_db};

const SENTENCE: &str = "The quick brown fox jumps over the lazy dog near the river bank.";
const PRESET_NAMES: [&str; 10] =
    ["vivian", "serena", "chelsie", "clone", "ethan", "uncle_fu", "ryan", "aiden", "dylan", "eric"];

/// Resamples by linear interpolation between neighbouring samples, as numpy's `interp` over a
/// `linspace` of positions does (the validators' and many clients' resampler).
fn resample_linear(audio: &Audio, to_rate: u32) -> Audio {
    let from = &audio.samples;
    let length = ((from.len() as f64) * f64::from(to_rate) / f64::from(audio.sample_rate)).round() as usize;
    let step = if length > 1 { (from.len() - 1) as f64 / (length - 1) as f64 } else { 0.0 };
    let samples = (0..length)
        .map(|i| {
            let position = i as f64 * step;
            let left = position.floor() as usize;
            let right = (left + 1).min(from.len() - 1);
            let fraction = (position - left as f64) as f32;
            from[left] * (1.0 - fraction) + from[right] * fraction
        })
        .collect();
    Audio::mono(to_rate, samples)
}

/// Through 16-bit PCM and back.
fn quantised(audio: &Audio) -> Audio {
    let samples = audio
        .samples
        .iter()
        .map(|&s| f32::from((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16) / 32768.0)
        .collect();
    Audio { samples, ..audio.clone() }
}

/// Gain in dB, clipped to [-1, 1].
fn with_gain(audio: &Audio, gain_db: f32) -> Audio {
    let factor = 10f32.powf(gain_db / 20.0);
    let samples = audio.samples.iter().map(|&s| (s * factor).clamp(-1.0, 1.0)).collect();
    Audio { samples, ..audio.clone() }
}

fn padded(audio: &Audio, before_s: f32, after_s: f32) -> Audio {
    let frames = |s: f32| (s * audio.sample_rate as f32) as usize;
    let mut samples = vec![0.0; frames(before_s)];
    samples.extend_from_slice(&audio.samples);
    samples.extend(std::iter::repeat_n(0.0, frames(after_s)));
    Audio { samples, ..audio.clone() }
}

/// Two channels: the voice in the left, a quieter copy in the right.
fn stereo(audio: &Audio) -> Audio {
    let samples = audio.samples.iter().flat_map(|&s| [s, 0.5 * s]).collect();
    Audio { channels: 2, samples, ..audio.clone() }
}

/// Deterministic uniform noise in [-1, 1).
fn noise(length: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.max(1);
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn pcm16(audio: &Audio) -> Vec<i16> {
    audio.samples.iter().map(|&s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16).collect()
}

#[test]
fn presets_have_their_pitch_and_gender_and_other_names_a_stable_pitch() {
    for name in ["vivian", "serena", "chelsie", "clone"] {
        let voice = voice(name);
        assert!((200.0..=230.0).contains(&voice.f0_hz) && voice.is_female(), "{name}");
    }
    for name in ["ethan", "uncle_fu", "ryan", "aiden", "dylan", "eric"] {
        let voice = voice(name);
        assert!((105.0..=130.0).contains(&voice.f0_hz) && !voice.is_female(), "{name}");
    }
    assert_eq!(voice("Vivian"), voice("vivian"));
    assert_eq!(voice("Narrator").f0_hz, voice("NARRATOR").f0_hz);
    let pitches: Vec<f32> = ["narrator", "alloy", "nova", "zh-speaker-3", ""].iter().map(|n| voice(n).f0_hz).collect();
    assert!(pitches.iter().all(|f0| (100.0..=240.0).contains(f0)), "{pitches:?}");
    assert!(pitches.windows(2).any(|pair| pair[0] != pair[1]), "{pitches:?}");
}

#[test]
fn every_preset_sounds_voiced_at_its_pitch() {
    for name in PRESET_NAMES {
        let voice = voice(name);
        let audio = synthesize("Good morning, how are you?", &voice, 24_000, 1.0);
        let Some(hnr) = pcm_hnr_db(&pcm16(&audio), 24_000) else {
            panic!("{name}: no HNR");
        };
        // The reference HNR is biased: a perfectly periodic 30 ms frame scores
        // 10·log10((N − P) / P) for a period of P samples. The voice must stay close to that.
        let period = 24_000.0 / f64::from(voice.f0_hz);
        let ceiling = 10.0 * ((720.0 - period) / period).log10();
        // Twice the validators' 1 dB threshold even for the lowest voice.
        assert!(hnr >= 2.0 && hnr >= ceiling - 1.0, "{name}: HNR {hnr:.2} dB, ceiling {ceiling:.2}");
        let Some(f0) = median_f0_hz(&audio) else {
            panic!("{name}: no pitch");
        };
        assert!((f0 / voice.f0_hz - 1.0).abs() <= 0.1, "{name}: median F0 {f0:.1} Hz for {}", voice.f0_hz);
    }
}

#[test]
fn speaks_at_a_natural_rate_that_speed_scales() {
    let sixty = &SENTENCE[..60];
    let normal = synthesize(sixty, &voice("ryan"), 16_000, 1.0).duration_s();
    assert!((4.0..=6.0).contains(&normal), "{normal:.2} s for 60 characters");
    let fast = synthesize(sixty, &voice("ryan"), 16_000, 2.0).duration_s();
    let slow = synthesize(sixty, &voice("ryan"), 16_000, 0.5).duration_s();
    assert!(fast < 0.6 * normal && slow > 1.7 * normal, "{fast:.2} {normal:.2} {slow:.2}");
    let clamped = synthesize(sixty, &voice("ryan"), 16_000, 100.0).duration_s();
    assert_eq!(clamped, synthesize(sixty, &voice("ryan"), 16_000, 4.0).duration_s());
    let audio = synthesize(sixty, &voice("ryan"), 16_000, 1.0);
    let leading = audio.samples.iter().take_while(|s| **s == 0.0).count();
    let trailing = audio.samples.iter().rev().take_while(|s| **s == 0.0).count();
    assert!(leading >= 1_600 && trailing >= 1_600, "{leading} {trailing}");
}

#[test]
fn is_deterministic_and_streams_the_same_audio() {
    let voice = voice("serena");
    let whole = synthesize(SENTENCE, &voice, 24_000, 1.0);
    assert_eq!(whole, synthesize(SENTENCE, &voice, 24_000, 1.0));
    let chunks = synthesize_chunks(SENTENCE, &voice, 24_000, 1.0, 0.25);
    assert!(chunks.len() > 10);
    assert!(chunks.iter().all(|c| c.sample_rate == 24_000 && c.channels == 1));
    let joined: Vec<f32> = chunks.iter().flat_map(|c| c.samples.iter().copied()).collect();
    assert_eq!(joined, whole.samples);
    assert_eq!(synthesize_chunks(SENTENCE, &voice, 24_000, 1.0, 0.0), vec![whole]);
}

#[test]
fn round_trips_text_in_any_language() {
    let texts = [
        SENTENCE,
        "你好，世界！今天天气很好，我们去公园散步吧。",
        "0123456789 +-*/=()[]{}<>!?.,;:'\"@#$%^&_~`|\\",
        "Ünïcödé, emoji 🎉 and tabs\tand\nnewlines.",
        "",
    ];
    for (index, text) in texts.iter().enumerate() {
        let name = PRESET_NAMES[index * 2 % PRESET_NAMES.len()];
        let audio = synthesize(text, &voice(name), 24_000, 1.0);
        assert_eq!(recognize(&audio).as_deref(), Some(*text), "{name}");
    }
}

#[test]
fn round_trips_every_voice_rate_and_speed() {
    let settings = [(8_000, 4.0), (16_000, 0.25), (22_050, 1.5), (44_100, 1.0), (48_000, 3.0), (24_000, 2.0)];
    let voices = PRESET_NAMES.iter().copied().chain(["narrator", "alloy"]);
    // Every voice meets two settings and every setting two voices, with varied text.
    for (index, name) in voices.enumerate() {
        for (rate, speed) in [settings[index % settings.len()], settings[(index + 3) % settings.len()]] {
            let text = &SENTENCE[index % 7..];
            let audio = synthesize(text, &voice(name), rate, speed);
            assert_eq!(recognize(&audio).as_deref(), Some(text), "{name} at {rate} Hz, speed {speed}");
        }
    }
}

#[test]
fn survives_resampling_quantisation_stereo_gain_silence_and_chunks() {
    // The hardest case (the lowest voice at the highest speed) and an ordinary one.
    for (name, speed) in [("uncle_fu", 4.0), ("chelsie", 1.0)] {
        {
            let voice = voice(name);
            let original = synthesize(SENTENCE, &voice, 24_000, speed);
            let mut cases: Vec<(String, Audio)> = vec![
                ("16-bit".into(), quantised(&original)),
                ("stereo".into(), stereo(&original)),
                ("silence".into(), padded(&original, 1.0, 1.0)),
            ];
            for rate in [8_000, 11_025, 16_000, 44_100, 48_000] {
                cases.push((format!("to {rate} Hz"), quantised(&resample_linear(&original, rate))));
            }
            let from_8k = synthesize(SENTENCE, &voice, 8_000, speed);
            cases.push(("8 kHz to 48 kHz".into(), resample_linear(&from_8k, 48_000)));
            for gain in [-20.0, -6.0, 3.0, 6.0] {
                cases.push((format!("{gain} dB"), quantised(&with_gain(&original, gain))));
            }
            let chunks = synthesize_chunks(SENTENCE, &voice, 24_000, speed, 0.137);
            let joined: Vec<f32> = chunks.iter().flat_map(|c| c.samples.iter().copied()).collect();
            cases.push(("chunks".into(), Audio::mono(24_000, joined)));
            // Each chunk resampled on its own, as a client converting a stream might.
            let joined: Vec<f32> = chunks.iter().flat_map(|c| resample_linear(c, 16_000).samples).collect();
            cases.push(("chunks resampled".into(), Audio::mono(16_000, joined)));
            for (what, audio) in cases {
                assert_eq!(recognize(&audio).as_deref(), Some(SENTENCE), "{name}, speed {speed}: {what}");
            }
        }
    }
}

#[test]
fn recognises_nothing_else() {
    let rate = 16_000;
    let length = 3 * rate as usize;
    let time = |i: usize| i as f64 / f64::from(rate);
    let sine: Vec<f32> = (0..length).map(|i| (0.5 * (std::f64::consts::TAU * 440.0 * time(i)).sin()) as f32).collect();
    let chirp: Vec<f32> = (0..length)
        .map(|i| {
            // 100 Hz to 4 kHz over three seconds.
            let t = time(i);
            (0.5 * (std::f64::consts::TAU * (100.0 * t + 650.0 * t * t)).sin()) as f32
        })
        .collect();
    let noise = noise(length, 7).into_iter().map(|s| 0.3 * s).collect();
    let signals = [("noise", noise), ("sine", sine), ("chirp", chirp), ("silence", vec![0.0; length])];
    for (what, samples) in signals {
        assert_eq!(recognize(&Audio::mono(rate, samples)), None, "{what}");
    }
    assert_eq!(recognize(&Audio::mono(rate, Vec::new())), None);
    assert_eq!(recognize(&Audio::mono(0, vec![0.1; 100])), None);
}

#[test]
fn rejects_its_own_voice_cut_short_or_played_backwards() {
    let audio = synthesize(SENTENCE, &voice("dylan"), 16_000, 1.0);
    let cut = Audio::mono(16_000, audio.samples[..audio.samples.len() * 3 / 4].to_vec());
    assert_eq!(recognize(&cut), None);
    // Backwards it has the spectrum of the voice but none of its order: speech-like, not ours.
    let backwards = Audio::mono(16_000, audio.samples.iter().rev().copied().collect());
    assert_eq!(recognize(&backwards), None);
}

#[test]
fn truncates_text_beyond_the_limit_at_a_character() {
    let text = "é".repeat(MAX_TEXT_BYTES);
    let kept = truncated(&text);
    assert!(kept.len() <= MAX_TEXT_BYTES && kept.len() >= MAX_TEXT_BYTES - 1);
    assert!(kept.chars().all(|c| c == 'é'));
}
