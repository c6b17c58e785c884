//! The mock server's voice: speech-like audio that carries its text and decodes back.
//!
//! The mock stands in for TTS and ASR models on machines without GPUs. What it says must look
//! like voiced speech to the measurements validators make (a clear pitch in the voice's range,
//! energy that is all harmonic), and its own ASR must turn it back into the exact text, so that
//! text-versus-transcript checks run end to end on a CPU. It recognises nothing else.
//!
//! The voice is a sum of harmonics of its pitch under a vowel-like spectral envelope. The text's
//! UTF-8 bytes ride on *which* bands between 600 and 3400 Hz are lifted, as formants are: each
//! symbol lifts one band in each of two groups of four, four bits per symbol, with smooth glides
//! between symbols. A fixed preamble and a checked header let [`recognize`] find the start, the
//! symbol duration (which `speed` sets) and reject anything else. Frequencies survive gain,
//! clipping, quantisation and resampling, which is why this decodes robustly.

mod code;
mod decimate;
mod decode;
mod layout;
mod synth;

use super::Audio;
use super::analysis::mixed_down;

/// A voice: a name and the pitch it speaks at (rendered within 50–340 Hz).
#[derive(Clone, Debug, PartialEq)]
pub struct Voice {
    /// The name, lower-cased.
    pub name: String,
    /// The fundamental frequency (pitch), in Hz.
    pub f0_hz: f32,
}

impl Voice {
    /// Whether the voice is pitched like a woman's: above 165 Hz, the line the validators'
    /// pitch heuristic uses between male and female voices.
    pub fn is_female(&self) -> bool {
        self.f0_hz > 165.0
    }
}

/// The preset voices and their pitches: female voices around 200–230 Hz, male around 105–130.
const PRESETS: [(&str, f32); 10] = [
    ("vivian", 220.0),
    ("serena", 210.0),
    ("chelsie", 225.0),
    ("clone", 205.0),
    ("ethan", 120.0),
    ("uncle_fu", 105.0),
    ("ryan", 125.0),
    ("aiden", 130.0),
    ("dylan", 115.0),
    ("eric", 110.0),
];
/// The pitch range of voices that are not presets.
const OTHER_VOICES_HZ: (f32, f32) = (100.0, 240.0);

/// The voice called `name` (case-insensitive): a preset's pitch, or for any other name a pitch
/// in 100–240 Hz derived from a stable hash of the name, the same on every run and machine.
pub fn voice(name: &str) -> Voice {
    let name = name.to_lowercase();
    let f0_hz =
        PRESETS.iter().find(|(preset, _)| *preset == name).map_or_else(|| pitch_from_hash(&name), |&(_, f0)| f0);
    Voice { name, f0_hz }
}

/// A pitch in [`OTHER_VOICES_HZ`] from the FNV-1a hash of `name`, in steps of 0.1 Hz.
fn pitch_from_hash(name: &str) -> f32 {
    let hash = name
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    let (low, high) = OTHER_VOICES_HZ;
    let steps = ((high - low) * 10.0) as u64 + 1;
    low + (hash % steps) as f32 / 10.0
}

/// The longest text carried, in bytes (about 80 minutes of speech); longer text is cut at the
/// last whole character that fits.
pub const MAX_TEXT_BYTES: usize = u16::MAX as usize;

/// `text` spoken by `voice`: mono audio at `sample_rate` that carries the text's exact UTF-8
/// bytes, with 0.15 s of silence either side. Deterministic.
///
/// At speed 1.0 an ASCII character takes 72 ms (a 60-character sentence lasts about 5.5 s
/// with the fixed preamble and header); `speed` divides the duration of the text part and is
/// clamped to 0.25–4.0 (not a number means 1.0). Audio below 8 kHz sounds the same but
/// cannot hold the upper bands, so it does not decode.
pub fn synthesize(text: &str, voice: &Voice, sample_rate: u32, speed: f32) -> Audio {
    let bytes = truncated(text).as_bytes();
    let speed = if speed.is_finite() { speed.clamp(0.25, 4.0) } else { 1.0 };
    let duration_code = (layout::BASE_SYMBOL_S / f64::from(speed) / code::DURATION_UNIT_S).round() as u16;
    let header = code::Header { duration_code, length: u16::try_from(bytes.len()).unwrap_or(u16::MAX) };
    let fixed = [code::PREAMBLE.as_slice(), &header.nibbles()].concat();
    let payload_symbol_s = f64::from(duration_code) * code::DURATION_UNIT_S;
    let schedule = layout::Schedule::new(&fixed, &code::payload_nibbles(bytes), payload_symbol_s);
    Audio::mono(sample_rate, synth::render(&schedule, voice.f0_hz, sample_rate))
}

/// [`synthesize`]'s audio cut into consecutive pieces of `chunk_s` seconds (the last may be
/// shorter), as a streaming server sends it; concatenated, they are exactly [`synthesize`]'s.
/// A `chunk_s` that is not positive gives one piece.
pub fn synthesize_chunks(text: &str, voice: &Voice, sample_rate: u32, speed: f32, chunk_s: f32) -> Vec<Audio> {
    let whole = synthesize(text, voice, sample_rate, speed);
    let chunk_frames = (f64::from(chunk_s) * f64::from(sample_rate)).round();
    if chunk_frames.is_nan() || chunk_frames < 1.0 || whole.samples.is_empty() {
        return vec![whole];
    }
    whole.samples.chunks(chunk_frames as usize).map(|piece| Audio::mono(sample_rate, piece.to_vec())).collect()
}

/// The text that `audio` carries, if it is the mock's voice; `None` for anything else (noise,
/// silence, music, real speech). Stereo is mixed down; any rate from 8 to 48 kHz works, as do
/// resampling, 16-bit quantisation, gain from −20 to +6 dB with clipping, silence around the
/// voice, and chunks concatenated back together.
pub fn recognize(audio: &Audio) -> Option<String> {
    decode::recognize(&mixed_down(audio), audio.sample_rate)
}

/// The longest prefix of `text` within [`MAX_TEXT_BYTES`] that ends on a character boundary.
fn truncated(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let end = (0..=MAX_TEXT_BYTES).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    &text[..end]
}

#[cfg(test)]
mod tests;
