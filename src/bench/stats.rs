//! numpy's `mean`, `median`, `std` and `percentile`, reproduced to the bit.
//!
//! `vllm bench serve` reports `np.mean`, `np.median`, `np.std` (population) and
//! `np.percentile` (default "linear" method) of plain Python lists of floats. Matching its
//! numbers exactly needs more than the textbook formulas: numpy sums a contiguous float64
//! array with *pairwise* summation (8 accumulators, blocks of 128), and its linear
//! interpolation switches formula at `gamma = 0.5`. Both are reproduced here; the results
//! were checked bit for bit against numpy 2.4 on random inputs of every block shape.
//!
//! Empty input gives NaN, as numpy's `mean`/`median`/`std` do (numpy's `percentile` raises
//! instead). vLLM never passes an empty list: it writes `np.mean(values or 0)`, which
//! [`or_zero`] reproduces.

/// The sum of `values` in numpy's pairwise order (`add.reduce` on a contiguous float64 array).
pub fn pairwise_sum(values: &[f64]) -> f64 {
    const UNROLL: usize = 8;
    const BLOCK: usize = 128;
    let n = values.len();
    if n < UNROLL {
        // numpy starts from −0.0 so that a sum of negative zeros stays −0.0.
        return values.iter().fold(-0.0, |sum, v| sum + v);
    }
    if n <= BLOCK {
        let mut lanes = [0.0; UNROLL];
        lanes.copy_from_slice(&values[..UNROLL]);
        let whole = n - n % UNROLL;
        for chunk in values[UNROLL..whole].chunks_exact(UNROLL) {
            for (lane, v) in lanes.iter_mut().zip(chunk) {
                *lane += v;
            }
        }
        let mut sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for v in &values[whole..] {
            sum += v;
        }
        return sum;
    }
    // Halve, keeping the first half a multiple of the unroll factor, as numpy does.
    let mut half = n / 2;
    half -= half % UNROLL;
    pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
}

/// `np.mean`: NaN for empty input.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    pairwise_sum(values) / values.len() as f64
}

/// `np.std` with `ddof=0` (the population standard deviation): NaN for empty input.
pub fn std(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mean = mean(values);
    let squared_deviations: Vec<f64> = values.iter().map(|v| (v - mean) * (v - mean)).collect();
    (pairwise_sum(&squared_deviations) / values.len() as f64).sqrt()
}

/// `np.median`: the middle value, or the mean of the two middle values; NaN for empty input
/// or when any value is NaN.
pub fn median(values: &[f64]) -> f64 {
    let Some(sorted) = sorted_without_nan(values) else { return f64::NAN };
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { mean(&sorted[n / 2 - 1..=n / 2]) }
}

/// `np.percentile(values, p)` with the default "linear" method, `p` in [0, 100]; NaN for empty
/// input, when any value is NaN, or when `p` is outside [0, 100] (where numpy raises).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if !(0.0..=100.0).contains(&p) {
        return f64::NAN;
    }
    let Some(sorted) = sorted_without_nan(values) else { return f64::NAN };
    let last = sorted.len() - 1;
    let virtual_index = last as f64 * (p / 100.0);
    if virtual_index >= last as f64 {
        return sorted[last];
    }
    let below = virtual_index.floor();
    let gamma = virtual_index - below;
    let (a, b) = (sorted[below as usize], sorted[below as usize + 1]);
    lerp(a, b, gamma)
}

/// numpy's `_lerp`: interpolates from the nearer end, so that `gamma = 1` gives `b` exactly.
fn lerp(a: f64, b: f64, gamma: f64) -> f64 {
    let diff = b - a;
    if gamma >= 0.5 { b - diff * (1.0 - gamma) } else { a + diff * gamma }
}

/// The values sorted ascending; `None` when empty or when any is NaN.
fn sorted_without_nan(values: &[f64]) -> Option<Vec<f64>> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted)
}

/// vLLM's `values or 0`: an empty list stands for `[0]`.
pub fn or_zero(values: &[f64]) -> &[f64] {
    if values.is_empty() { &[0.0] } else { values }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic inputs with awkward decimal values, so that summation order matters.
    fn awkward(n: usize) -> Vec<f64> {
        (0..n).map(|i| ((i * 7919 % 1000) as f64) * 0.001 + 0.1 / (i as f64 + 3.0)).collect()
    }

    #[test]
    fn pairwise_sum_matches_numpy_in_every_block_shape() {
        // Expected values printed by numpy 2.4: `repr(np.add.reduce(np.array(v)))` for the
        // same `awkward(n)` sequences.
        let expected = [
            (5, 3.2992857142857144),
            (8, 4.874896825396825),
            (13, 5.8638228993229),
            (128, 64.0268591338266),
            (129, 64.65962249260522),
            (1000, 500.09874678655416),
        ];
        for (n, sum) in expected {
            assert_eq!(pairwise_sum(&awkward(n)), sum, "n = {n}");
        }
    }

    #[test]
    fn mean_and_std_match_numpy() {
        let values = awkward(300);
        // numpy 2.4: np.mean(v), np.std(v)
        assert_eq!(mean(&values), 0.5020964324659046);
        assert_eq!(std(&values), 0.29028266306224265);
    }

    #[test]
    fn median_takes_the_mean_of_the_middle_pair() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert!(median(&[1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn percentile_interpolates_linearly_as_numpy_does() {
        let values = [0.1, 0.4, 0.2, 0.3];
        // Virtual index (n − 1)·p/100: p50 → 1.5 → between 0.2 and 0.3.
        assert_eq!(percentile(&values, 50.0), 0.25);
        assert_eq!(percentile(&values, 0.0), 0.1);
        assert_eq!(percentile(&values, 100.0), 0.4);
        // numpy 2.4: np.percentile([0.1, 0.4, 0.2, 0.3], 99) == 0.397; 99.9 → 0.39970000000000006
        assert_eq!(percentile(&values, 99.0), 0.397);
        assert_eq!(percentile(&values, 99.9), 0.39970000000000006);
        let many = awkward(257);
        // numpy 2.4: np.percentile(v, 99), np.percentile(v, 12.5)
        assert_eq!(percentile(&many, 99.0), 0.9859728776978417);
        assert_eq!(percentile(&many, 12.5), 0.12450251256281407);
    }

    #[test]
    fn out_of_range_or_empty_input_gives_nan() {
        assert!(percentile(&[1.0], 101.0).is_nan());
        assert!(percentile(&[], 50.0).is_nan());
        assert!(mean(&[]).is_nan());
        assert!(std(&[]).is_nan());
        assert_eq!(mean(or_zero(&[])), 0.0);
    }
}
