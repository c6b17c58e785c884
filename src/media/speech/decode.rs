//! Reading the mock's voice back: find the preamble, calibrate the bands on it, read the header
//! and then the payload, symbol by symbol, from band energies.
//!
//! Only frequencies and relative loudness matter, so the decoding survives gain, clipping,
//! quantisation and resampling; times are in seconds, so it does not care about the rate.

use super::code::{DURATION_UNIT_S, HEADER_NIBBLES, Header, PREAMBLE, parse_payload, payload_nibble_count};
use super::decimate::decimated;
use super::layout::{BANDS, BASE_SYMBOL_S, GROUP, MEASURED_HALF_WIDTH_HZ, Schedule, band_centre_hz, nibble_bands};
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// Below this rate the upper bands do not exist.
const MIN_SAMPLE_RATE: u32 = 7_000;
/// The search for the preamble looks at band energies in windows this long, this far apart.
const SEARCH_WINDOW_S: f64 = 0.012;
const SEARCH_HOP_S: f64 = 0.002;
/// Each preamble symbol is sampled by search windows at its centre and this far either side:
/// all three lie in its steady part.
const SEARCH_SPREAD_S: f64 = 0.006;
/// A place is a preamble candidate when, on average over its symbols and groups, the expected
/// band holds at least this share of its group's energy. The mock scores above 0.9; chance is
/// 0.25.
const CANDIDATE_SCORE: f32 = 0.6;
/// Candidates tried, best first, before concluding that the audio is not the mock's voice.
const MAX_CANDIDATES: usize = 6;
/// The preamble's start is refined on a grid of this step within this distance of the
/// search's guess, with band shares measured in windows this long.
const REFINE_STEP_S: f64 = 0.000_25;
const REFINE_RANGE_S: f64 = 0.008;
const REFINE_WINDOW_S: f64 = 0.006;

/// The text carried by `samples` (mono, at `sample_rate`), if they carry the mock's voice.
pub(super) fn recognize(samples: &[f32], sample_rate: u32) -> Option<String> {
    if sample_rate < MIN_SAMPLE_RATE {
        return None;
    }
    let (samples, rate) = decimated(samples, sample_rate);
    let mut reader = Reader { samples: &samples, rate, meter: BandMeter::new(rate) };
    reader.candidates().into_iter().find_map(|start_s| reader.read_at(start_s))
}

/// The audio being read and the tools to read it.
struct Reader<'a> {
    samples: &'a [f32],
    rate: f64,
    meter: BandMeter,
}

impl Reader<'_> {
    /// Likely preamble starts, best first.
    fn candidates(&mut self) -> Vec<f64> {
        let window = (SEARCH_WINDOW_S * self.rate).round() as usize;
        let hop = ((SEARCH_HOP_S * self.rate).round() as usize).max(1);
        if self.samples.len() < window {
            return Vec::new();
        }
        let frames: Vec<[f32; BANDS]> = (0..=(self.samples.len() - window) / hop)
            .map(|frame| {
                let start = frame * hop;
                self.meter.energies(&self.samples[start..start + window])
            })
            .collect();
        let hop_s = hop as f64 / self.rate;
        let centre_s = window as f64 / self.rate / 2.0;
        // The search window centred nearest to `t_s`.
        let frame_at = |t_s: f64| -> Option<&[f32; BANDS]> {
            let index = ((t_s - centre_s) / hop_s).round();
            (index >= 0.0).then(|| frames.get(index as usize)).flatten()
        };
        let preamble_s = PREAMBLE.len() as f64 * BASE_SYMBOL_S;
        let last_start = frames.len() as f64 * hop_s - preamble_s;
        let scores: Vec<f32> = (0..frames.len())
            .map(|frame| {
                let start_s = frame as f64 * hop_s;
                if start_s > last_start {
                    return 0.0;
                }
                let symbols = PREAMBLE.iter().enumerate().map(|(index, &nibble)| {
                    let middle_s = start_s + (index as f64 + 0.5) * BASE_SYMBOL_S;
                    let mut sum = [0.0f32; BANDS];
                    for offset in [-SEARCH_SPREAD_S, 0.0, SEARCH_SPREAD_S] {
                        if let Some(energies) = frame_at(middle_s + offset) {
                            sum.iter_mut().zip(energies).for_each(|(s, e)| *s += e);
                        }
                    }
                    (sum, nibble)
                });
                preamble_score(symbols)
            })
            .collect();
        let neighbourhood = (BASE_SYMBOL_S / 4.0 / hop_s).ceil() as usize;
        let mut peaks: Vec<(f32, f64)> = scores
            .iter()
            .enumerate()
            .filter(|&(frame, &score)| {
                let from = frame.saturating_sub(neighbourhood);
                let to = (frame + neighbourhood + 1).min(scores.len());
                score >= CANDIDATE_SCORE && scores[from..to].iter().all(|&other| other <= score)
            })
            .map(|(frame, &score)| (score, frame as f64 * hop_s))
            .collect();
        peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
        peaks.into_iter().take(MAX_CANDIDATES).map(|(_, start_s)| start_s).collect()
    }

    /// The text whose preamble starts near `guess_s`, if header and payload check out.
    fn read_at(&mut self, guess_s: f64) -> Option<String> {
        // The last header symbol's steady part depends on the payload's symbol duration, which
        // is not known yet; assuming the base duration gives the shortest, a safe choice.
        let header_probe = [PREAMBLE.as_slice(), &[0; HEADER_NIBBLES]].concat();
        let probe = Schedule::new(&header_probe, &[0], BASE_SYMBOL_S);
        let origin_s = self.refine(guess_s, &probe);
        let preamble: Vec<[f32; BANDS]> =
            (0..PREAMBLE.len()).map(|index| self.symbol_energies(&probe, origin_s, index)).collect::<Option<_>>()?;
        let calibration = calibrate(&preamble)?;
        let header_nibbles: Vec<u8> = (PREAMBLE.len()..header_probe.len())
            .map(|index| Some(decide(&self.symbol_energies(&probe, origin_s, index)?, &calibration)))
            .collect::<Option<_>>()?;
        let header = Header::parse(&header_nibbles)?;
        let payload_symbol_s = f64::from(header.duration_code) * DURATION_UNIT_S;
        let payload_count = payload_nibble_count(header.length);
        let schedule =
            Schedule::new(&[PREAMBLE.as_slice(), &header_nibbles].concat(), &vec![0; payload_count], payload_symbol_s);
        let first = header_probe.len();
        let payload: Vec<u8> = (first..first + payload_count)
            .map(|index| Some(decide(&self.symbol_energies(&schedule, origin_s, index)?, &calibration)))
            .collect::<Option<_>>()?;
        String::from_utf8(parse_payload(&payload)?).ok()
    }

    /// The preamble start near `guess_s`, to a fraction of a millisecond: the offset at which
    /// band shares measured on a fine grid best match the preamble's expected emphases, glides
    /// included. Every one of its transitions then helps, which a payload symbol as short as
    /// 9 ms needs.
    fn refine(&mut self, guess_s: f64, probe: &Schedule) -> f64 {
        let window = (REFINE_WINDOW_S * self.rate).round() as usize;
        let offsets = (2.0 * REFINE_RANGE_S / REFINE_STEP_S).round() as usize + 1;
        // Up to the end of the last preamble symbol's steady part: beyond, the header begins.
        let Some((_, preamble_end_s)) = probe.steady_part(PREAMBLE.len() - 1) else {
            return guess_s;
        };
        let points = (preamble_end_s / REFINE_STEP_S).floor() as usize;
        let first_s = guess_s - REFINE_RANGE_S;
        // Measured band shares at grid point j, centred at first_s + j·step.
        let shares: Vec<[f32; BANDS]> = (0..offsets + points)
            .map(|j| {
                let centre = (first_s + j as f64 * REFINE_STEP_S) * self.rate;
                let start = (centre - window as f64 / 2.0).round();
                if start < 0.0 {
                    return [0.0; BANDS];
                }
                let start = start as usize;
                self.samples
                    .get(start..start + window)
                    .map_or([0.0; BANDS], |segment| group_shares(self.meter.energies(segment)))
            })
            .collect();
        let mut cursor = 0;
        let expected: Vec<[f32; BANDS]> =
            (0..points).map(|j| probe.emphasis(&mut cursor, j as f64 * REFINE_STEP_S)).collect();
        let scores: Vec<f32> = (0..offsets)
            .map(|offset| {
                expected
                    .iter()
                    .zip(&shares[offset..])
                    .map(|(e, s)| e.iter().zip(s).map(|(a, b)| a * b).sum::<f32>())
                    .sum()
            })
            .collect();
        let Some((best, _)) = scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else {
            return guess_s;
        };
        let shift = match (best.checked_sub(1).map(|i| scores[i]), scores.get(best + 1)) {
            (Some(left), Some(&right)) => {
                let curvature = left - 2.0 * scores[best] + right;
                if curvature < 0.0 { (0.5 * (left - right) / curvature).clamp(-0.5, 0.5) } else { 0.0 }
            }
            _ => 0.0,
        };
        first_s + (best as f64 + f64::from(shift)) * REFINE_STEP_S
    }

    /// Band energies over the steady part of symbol `index` of `schedule` placed at `origin_s`,
    /// or `None` where the audio ends first.
    fn symbol_energies(&mut self, schedule: &Schedule, origin_s: f64, index: usize) -> Option<[f32; BANDS]> {
        let (from_s, to_s) = schedule.steady_part(index)?;
        let from = ((origin_s + from_s) * self.rate).round();
        let to = ((origin_s + to_s) * self.rate).round();
        if from < 0.0 || to <= from {
            return None;
        }
        let segment = self.samples.get(from as usize..to as usize)?;
        Some(self.meter.energies(segment))
    }
}

/// How well band energies match the preamble: the mean share of its group's energy that the
/// expected band holds.
fn preamble_score(symbols: impl Iterator<Item = ([f32; BANDS], u8)>) -> f32 {
    let (mut total, mut count) = (0.0f32, 0usize);
    for (energies, nibble) in symbols {
        for band in nibble_bands(nibble) {
            let group = band / GROUP * GROUP;
            let group_energy: f32 = energies[group..group + GROUP].iter().sum();
            if group_energy > 0.0 {
                total += energies[band] / group_energy;
            }
            count += 1;
        }
    }
    if count == 0 { 0.0 } else { total / count as f32 }
}

/// Each band's share of its group's energy.
fn group_shares(energies: [f32; BANDS]) -> [f32; BANDS] {
    let mut shares = energies;
    for group in shares.chunks_exact_mut(GROUP) {
        let total: f32 = group.iter().sum();
        if total > 0.0 {
            group.iter_mut().for_each(|share| *share /= total);
        }
    }
    shares
}

/// Each band's energy when emphasised in the preamble, which absorbs any tilt that the
/// channel (resampling, filtering) puts on the spectrum.
fn calibrate(preamble: &[[f32; BANDS]]) -> Option<[f32; BANDS]> {
    let mut sums = [0.0f32; BANDS];
    let mut counts = [0u32; BANDS];
    for (energies, &nibble) in preamble.iter().zip(PREAMBLE.iter()) {
        for band in nibble_bands(nibble) {
            sums[band] += energies[band];
            counts[band] += 1;
        }
    }
    let mut calibration = [0.0f32; BANDS];
    for band in 0..BANDS {
        if counts[band] == 0 || sums[band] <= 0.0 {
            return None;
        }
        calibration[band] = sums[band] / counts[band] as f32;
    }
    Some(calibration)
}

/// The nibble whose bands stand out most, relative to the calibration, in each group.
fn decide(energies: &[f32; BANDS], calibration: &[f32; BANDS]) -> u8 {
    let loudest = |group: usize| -> u8 {
        (0..GROUP)
            .max_by(|&a, &b| {
                let level = |i: usize| energies[group + i] / calibration[group + i];
                level(a).total_cmp(&level(b))
            })
            .unwrap_or(0) as u8
    };
    loudest(0) << 2 | loudest(GROUP)
}

/// Band energies of a stretch of audio, through a Hann-windowed FFT.
struct BandMeter {
    sample_rate: f64,
    planner: FftPlanner<f32>,
    buffer: Vec<Complex<f32>>,
    window: Vec<f32>,
}

impl BandMeter {
    fn new(sample_rate: f64) -> BandMeter {
        BandMeter { sample_rate, planner: FftPlanner::new(), buffer: Vec::new(), window: Vec::new() }
    }

    fn energies(&mut self, segment: &[f32]) -> [f32; BANDS] {
        let mut energies = [0.0f32; BANDS];
        let length = segment.len();
        if length < 8 {
            return energies;
        }
        if self.window.len() != length {
            let span = (length - 1) as f32;
            self.window = (0..length).map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / span).cos()).collect();
        }
        let size = length.next_power_of_two();
        self.buffer.clear();
        self.buffer.extend(segment.iter().zip(&self.window).map(|(&s, &w)| Complex::new(s * w, 0.0)));
        self.buffer.resize(size, Complex::new(0.0, 0.0));
        self.planner.plan_fft_forward(size).process(&mut self.buffer);
        let bin_of = |hz: f32| ((f64::from(hz) * size as f64 / self.sample_rate).ceil() as usize).min(size / 2);
        for (band, energy) in energies.iter_mut().enumerate() {
            let centre = band_centre_hz(band);
            let bins = bin_of(centre - MEASURED_HALF_WIDTH_HZ)..bin_of(centre + MEASURED_HALF_WIDTH_HZ);
            *energy = self.buffer[bins].iter().map(|c| c.norm_sqr()).sum();
        }
        energies
    }
}
