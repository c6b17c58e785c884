//! The two tests of the verdict: a least-squares slope with its confidence interval (a leak is
//! a slope whose whole interval lies above the threshold, so noise and a plateau are not
//! leaks), and the Mann-Whitney U test (are the last windows' latencies larger than the first
//! windows'?), which assumes no distribution, as latencies follow none.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// A least-squares line through points, with the confidence interval of its slope.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearFit {
    /// The slope, in y units per x unit.
    pub slope: f64,
    /// y at x = 0.
    pub intercept: f64,
    /// The lower end of the slope's confidence interval.
    pub slope_low: f64,
    /// The upper end of the slope's confidence interval.
    pub slope_high: f64,
    /// The points fitted.
    pub points: usize,
}

/// The least-squares fit of `points` (x, y, in x order) with the two-sided `confidence` interval
/// of its slope (Student's t); `None` with fewer than 3 points or a single x.
///
/// Memory samples are not independent: an allocator's sawtooth keeps neighbouring residuals on
/// the same side of the line, and the textbook interval, which assumes independence, is then far
/// too narrow (a flat sawtooth of a few seconds reads as a significant slope). With a positive
/// lag-1 autocorrelation r of the residuals the interval is widened as for AR(1) errors: the
/// standard error by √((1 + r) / (1 − r)), the degrees of freedom cut to n (1 − r) / (1 + r) − 2.
pub fn linear_fit(points: &[(f64, f64)], confidence: f64) -> Option<LinearFit> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx <= 0.0 || !sxx.is_finite() {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let residual: Vec<f64> = points.iter().map(|p| p.1 - intercept - slope * p.0).collect();
    let squares: f64 = residual.iter().map(|r| r * r).sum();
    let standard_error = (squares / (n - 2) as f64 / sxx).sqrt();
    let lag_one: f64 = residual.windows(2).map(|w| w[0] * w[1]).sum();
    let r = if squares > 0.0 { (lag_one / squares).clamp(0.0, 0.95) } else { 0.0 };
    let inflation = ((1.0 + r) / (1.0 - r)).sqrt();
    let freedom = (n as f64 * (1.0 - r) / (1.0 + r) - 2.0).max(1.0);
    let t = StudentsT::new(0.0, 1.0, freedom).ok()?.inverse_cdf(0.5 + confidence / 2.0);
    let margin = t * standard_error * inflation;
    Some(LinearFit { slope, intercept, slope_low: slope - margin, slope_high: slope + margin, points: n })
}

/// The Mann-Whitney U test of "`later` tends to be larger than `earlier`".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannWhitney {
    /// U of `later`: the pairs (earlier, later) where the later value is larger, ties counting half.
    pub u: f64,
    /// The standard score of U (normal approximation, tie and continuity corrected).
    pub z: f64,
    /// The one-sided p-value.
    pub p_value: f64,
}

/// The one-sided Mann-Whitney U test that `later` is stochastically larger than `earlier`, by
/// the normal approximation with tie correction and continuity correction (as scipy's
/// `mannwhitneyu(later, earlier, alternative="greater", method="asymptotic")`); `None` when a
/// sample is empty.
pub fn mann_whitney_greater(earlier: &[f64], later: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (earlier.len() as f64, later.len() as f64);
    if earlier.is_empty() || later.is_empty() {
        return None;
    }
    let mut pooled: Vec<(f64, bool)> =
        earlier.iter().map(|&v| (v, false)).chain(later.iter().map(|&v| (v, true))).collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pooled.len();
    let mut later_rank_sum = 0.0;
    let mut ties = 0.0;
    let mut start = 0;
    while start < n {
        let end = start + pooled[start..].iter().take_while(|p| p.0 == pooled[start].0).count();
        let size = (end - start) as f64;
        // Ranks start + 1 ..= end share their mean.
        let rank = (start + 1 + end) as f64 / 2.0;
        later_rank_sum += rank * pooled[start..end].iter().filter(|p| p.1).count() as f64;
        ties += size.powi(3) - size;
        start = end;
    }
    let u = later_rank_sum - n2 * (n2 + 1.0) / 2.0;
    let total = n1 + n2;
    let variance = n1 * n2 / 12.0 * ((total + 1.0) - ties / (total * (total - 1.0)));
    if variance <= 0.0 {
        // Every value equal: no evidence either way.
        return Some(MannWhitney { u, z: 0.0, p_value: 1.0 });
    }
    let z = (u - n1 * n2 / 2.0 - 0.5) / variance.sqrt();
    let p_value = 0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2);
    Some(MannWhitney { u, z, p_value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn a_line_with_noise_has_the_textbook_interval() {
        // x 1..5, y about 2x; by hand: Sxx = 10, Sxy = 18.5, slope 1.85, intercept 0.45,
        // SSE = 0.275, SE = √(0.275/3/10) = 0.0957427, t(0.975, 3) = 3.182446, so the 95%
        // interval is 1.85 ± 0.304696.
        let points = [(1.0, 2.0), (2.0, 4.5), (3.0, 6.0), (4.0, 8.0), (5.0, 9.5)];
        let fit = linear_fit(&points, 0.95).unwrap();
        assert!(close(fit.slope, 1.85, 1e-12) && close(fit.intercept, 0.45, 1e-12), "{fit:?}");
        assert!(close(fit.slope_low, 1.85 - 0.304_696, 1e-5), "{fit:?}");
        assert!(close(fit.slope_high, 1.85 + 0.304_696, 1e-5), "{fit:?}");
    }

    #[test]
    fn a_plateau_has_no_slope_and_a_perfect_line_no_margin() {
        let plateau: Vec<(f64, f64)> = (0..50).map(|i| (f64::from(i), 100.0 + f64::from(i % 3) * 0.01)).collect();
        let fit = linear_fit(&plateau, 0.95).unwrap();
        // Far below any leak threshold: the interval's lower end is about zero.
        assert!(fit.slope.abs() < 1e-3 && fit.slope_low < 1e-3, "{fit:?}");
        let line: Vec<(f64, f64)> = (0..10).map(|i| (f64::from(i), 3.0 * f64::from(i) + 1.0)).collect();
        let fit = linear_fit(&line, 0.95).unwrap();
        assert!(close(fit.slope_low, 3.0, 1e-9) && close(fit.slope_high, 3.0, 1e-9), "{fit:?}");
        assert_eq!(linear_fit(&line[..2], 0.95), None);
        assert_eq!(linear_fit(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)], 0.95), None);
    }

    #[test]
    fn a_flat_sawtooth_is_not_read_as_a_rising_line() {
        // An allocator's sawtooth with no trend, cut so that it ends high: the textbook interval
        // (independent errors) puts the whole slope above zero; neighbouring residuals are
        // correlated, and the widened interval includes zero.
        // By hand: slope 0.992, textbook 95% interval from +0.129; lag-1 autocorrelation 0.58.
        let saw: Vec<(f64, f64)> = (0..20).map(|i| (f64::from(i), 35.0 + 4.0 * f64::from(i % 10))).collect();
        let fit = linear_fit(&saw, 0.95).unwrap();
        assert!(close(fit.slope, 0.992, 1e-3) && fit.slope_low < -1.0, "{fit:?}");
        // A steady rise with the same sawtooth on it stays clearly above zero.
        let rising: Vec<(f64, f64)> = saw.iter().map(|&(x, y)| (x, y + 10.0 * x)).collect();
        let fit = linear_fit(&rising, 0.95).unwrap();
        assert!(fit.slope_low > 5.0, "{fit:?}");
    }

    #[test]
    fn mann_whitney_matches_a_hand_computation() {
        // earlier 1..=5, later 6..=10: every later value is larger, U = 25, mean 12.5,
        // variance 25·11/12, z = (25 − 12.5 − 0.5)/√22.9167 = 2.50672, p = 0.006093.
        let test = mann_whitney_greater(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert_eq!(test.u, 25.0);
        assert!(close(test.z, 2.506_72, 1e-5), "{test:?}");
        assert!(close(test.p_value, 0.006_093, 1e-6), "{test:?}");
        // Reversed, the later sample is smaller: no evidence of a rise.
        let reversed = mann_whitney_greater(&[6.0, 7.0, 8.0, 9.0, 10.0], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(reversed.u, 0.0);
        assert!(reversed.p_value > 0.99);
    }

    #[test]
    fn ties_share_ranks_and_all_equal_is_no_evidence() {
        // Ranks of [1, 2, 2, 3]: 1, 2.5, 2.5, 4; later = {2, 3} has rank sum 6.5, U = 3.5.
        let test = mann_whitney_greater(&[1.0, 2.0], &[2.0, 3.0]).unwrap();
        assert_eq!(test.u, 3.5);
        let flat = mann_whitney_greater(&[5.0; 4], &[5.0; 6]).unwrap();
        assert_eq!(flat.p_value, 1.0);
        assert_eq!(mann_whitney_greater(&[], &[1.0]), None);
    }
}
