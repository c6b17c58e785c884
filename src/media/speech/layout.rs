//! What the synthesiser and the recogniser must agree on: where the data bands lie in frequency
//! and when each symbol sounds.

/// Data bands, in two groups of four: a symbol emphasises one band of each group, so it carries
/// a nibble (high two bits pick the low-group band, low two bits the high-group band).
pub(super) const BANDS: usize = 8;
/// Bands per group.
pub(super) const GROUP: usize = 4;
/// Centre of the lowest data band. Everything the recogniser needs lies between 600 and
/// 3400 Hz, so it survives telephone-rate audio (8 kHz) and resampling without a filter.
const FIRST_BAND_CENTRE_HZ: f32 = 775.0;
/// Distance between band centres. A harmonic of any voice up to 240 Hz lies within 120 Hz of
/// each centre, well inside its band.
const BAND_SPACING_HZ: f32 = 350.0;
/// Half the width of a band as the recogniser measures it: bands tile 600–3400 Hz.
pub(super) const MEASURED_HALF_WIDTH_HZ: f32 = BAND_SPACING_HZ / 2.0;

/// Duration of a preamble or header symbol, and of a payload symbol at speed 1.0. Two symbols
/// per byte make 72 ms per ASCII character: an ordinary speaking rate.
pub(super) const BASE_SYMBOL_S: f64 = 0.036;
/// Each change of symbol is a raised-cosine glide over this fraction of the shorter of the two
/// symbols, as formants glide between vowels; the rest of the symbol is steady.
const GLIDE_FRACTION: f64 = 0.2;

/// The centre frequency of data band `band`.
pub(super) fn band_centre_hz(band: usize) -> f32 {
    FIRST_BAND_CENTRE_HZ + BAND_SPACING_HZ * band as f32
}

/// The two bands a nibble emphasises: one in the low group, one in the high group.
pub(super) fn nibble_bands(nibble: u8) -> [usize; 2] {
    let low = usize::from((nibble >> 2) & 3);
    let high = GROUP + usize::from(nibble & 3);
    [low, high]
}

/// One symbol in time, relative to the start of the preamble.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Symbol {
    /// When it starts, in seconds.
    pub start_s: f64,
    /// How long it lasts, in seconds.
    pub duration_s: f64,
    /// The nibble it carries.
    pub nibble: u8,
}

/// The symbols of one utterance in order, back to back.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Schedule {
    symbols: Vec<Symbol>,
}

impl Schedule {
    /// `fixed` symbols of [`BASE_SYMBOL_S`] (preamble and header) followed by `payload`
    /// symbols of `payload_symbol_s`.
    pub fn new(fixed: &[u8], payload: &[u8], payload_symbol_s: f64) -> Schedule {
        let durations = fixed
            .iter()
            .map(|&nibble| (nibble, BASE_SYMBOL_S))
            .chain(payload.iter().map(|&nibble| (nibble, payload_symbol_s)));
        let mut start_s = 0.0;
        let symbols = durations
            .map(|(nibble, duration_s)| {
                let symbol = Symbol { start_s, duration_s, nibble };
                start_s += duration_s;
                symbol
            })
            .collect();
        Schedule { symbols }
    }

    /// The symbols.
    #[cfg(test)]
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// When the last symbol ends.
    pub fn duration_s(&self) -> f64 {
        self.symbols.last().map_or(0.0, |last| last.start_s + last.duration_s)
    }

    /// The glide at the start of symbol `index` (its boundary with the previous symbol, or
    /// with nothing for the first).
    fn glide_before(&self, index: usize) -> f64 {
        let this = self.symbols.get(index).map_or(0.0, |s| s.duration_s);
        let previous = index.checked_sub(1).and_then(|i| self.symbols.get(i)).map_or(this, |s| s.duration_s);
        GLIDE_FRACTION * this.min(previous)
    }

    /// The glide at the end of symbol `index`.
    fn glide_after(&self, index: usize) -> f64 {
        if index + 1 < self.symbols.len() { self.glide_before(index + 1) } else { self.glide_before(index) }
    }

    /// The steady part of symbol `index`, between its glides: where the recogniser listens.
    pub fn steady_part(&self, index: usize) -> Option<(f64, f64)> {
        let symbol = self.symbols.get(index)?;
        let from = symbol.start_s + self.glide_before(index) / 2.0;
        let to = symbol.start_s + symbol.duration_s - self.glide_after(index) / 2.0;
        Some((from, to))
    }

    /// How strongly each band is emphasised at time `t_s`, walking `cursor` forward through the
    /// symbols (calls must come in increasing time). Within a glide the outgoing and incoming
    /// symbols cross-fade, and their weights always sum to one.
    pub fn emphasis(&self, cursor: &mut usize, t_s: f64) -> [f32; BANDS] {
        while *cursor + 1 < self.symbols.len() && self.symbols[*cursor + 1].start_s <= t_s {
            *cursor += 1;
        }
        let mut gains = [0.0; BANDS];
        let Some(symbol) = self.symbols.get(*cursor) else {
            return gains;
        };
        let end_s = symbol.start_s + symbol.duration_s;
        let glide_in = self.glide_before(*cursor);
        let glide_out = self.glide_after(*cursor);
        let mut add = |index: Option<usize>, weight: f64| {
            if let Some(neighbour) = index.and_then(|i| self.symbols.get(i)) {
                for band in nibble_bands(neighbour.nibble) {
                    gains[band] += weight as f32;
                }
            }
        };
        if t_s < symbol.start_s + glide_in / 2.0 {
            let rising = rise(t_s - (symbol.start_s - glide_in / 2.0), glide_in);
            add(Some(*cursor), rising);
            add(cursor.checked_sub(1), 1.0 - rising);
        } else if t_s > end_s - glide_out / 2.0 {
            let rising = rise(t_s - (end_s - glide_out / 2.0), glide_out);
            add(Some(*cursor), 1.0 - rising);
            let next = *cursor + 1;
            add((next < self.symbols.len()).then_some(next), rising);
        } else {
            add(Some(*cursor), 1.0);
        }
        gains
    }
}

/// A raised-cosine rise from 0 to 1 over `length`, clamped outside.
fn rise(elapsed: f64, length: f64) -> f64 {
    if length <= 0.0 {
        return 1.0;
    }
    let progress = (elapsed / length).clamp(0.0, 1.0);
    0.5 - 0.5 * (std::f64::consts::PI * progress).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_weights_sum_to_one_per_group_between_the_ends() {
        let schedule = Schedule::new(&[0, 5, 10], &[15, 3], 0.01);
        let mut cursor = 0;
        // The first symbol's emphasis rises from nothing and the last one's falls to nothing.
        let mut t = 0.004;
        while t < schedule.duration_s() - 0.001 {
            let gains = schedule.emphasis(&mut cursor, t);
            let low: f32 = gains[..GROUP].iter().sum();
            let high: f32 = gains[GROUP..].iter().sum();
            assert!((low - 1.0).abs() < 1e-5 && (high - 1.0).abs() < 1e-5, "at {t}");
            t += 0.0005;
        }
    }

    #[test]
    fn steady_parts_lie_inside_their_symbols() {
        let schedule = Schedule::new(&[1, 2], &[3, 4, 5], 0.009);
        for (index, symbol) in schedule.symbols().iter().enumerate() {
            let Some((from, to)) = schedule.steady_part(index) else {
                panic!("symbol {index} has no steady part");
            };
            assert!(symbol.start_s < from && from < to);
            assert!(to < symbol.start_s + symbol.duration_s);
        }
    }
}
