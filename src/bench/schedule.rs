//! When each request of an open-loop run is sent: `vllm bench serve`'s arrival process.
//!
//! Intervals are drawn from a gamma distribution with shape `burstiness` and scale
//! `1 / (rate · burstiness)`, so the mean interval is `1 / rate` whatever the burstiness:
//! `burstiness = 1` is a Poisson process, below 1 burstier, above 1 more regular, and infinite
//! burstiness a constant interval. The intervals are summed, then the whole schedule is scaled
//! so that the last arrival lands at `N / rate`: the raw sum is typically 1–2% off, and the
//! rescaling makes throughput comparable across seeds. The first arrival is one interval after
//! the start, not at zero, as in vLLM.
//!
//! The random stream is not numpy's (`np.random.gamma` after `np.random.seed`), so offsets
//! match vLLM's in distribution, not value by value.

use std::fmt;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Gamma};
use serde_json::Value;

/// A request rate: requests per second, or everything at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RequestRate {
    /// This many requests per second on average.
    Finite(f64),
    /// All requests at time zero (vLLM's default `--request-rate inf`).
    Infinite,
}

impl RequestRate {
    /// The rate for a number: infinity is [`RequestRate::Infinite`]; zero, negative and NaN rates
    /// are refused.
    pub fn from_per_second(per_second: f64) -> Result<RequestRate, String> {
        if per_second.is_nan() || per_second <= 0.0 {
            return Err(format!("a request rate must be positive, not {per_second}"));
        }
        Ok(if per_second.is_infinite() { RequestRate::Infinite } else { RequestRate::Finite(per_second) })
    }

    /// The rate for text as Python's `float()` reads it: `"0.5"`, `"inf"`, `"Infinity"`.
    pub fn parse(text: &str) -> Result<RequestRate, String> {
        let per_second: f64 =
            text.trim().parse().map_err(|_| format!("`{text}` is not a request rate (a number or \"inf\")"))?;
        RequestRate::from_per_second(per_second)
    }

    /// Whether every request is sent at once.
    pub fn is_infinite(self) -> bool {
        matches!(self, RequestRate::Infinite)
    }

    /// Requests per second; infinity for [`RequestRate::Infinite`].
    pub fn per_second(self) -> f64 {
        match self {
            RequestRate::Finite(rate) => rate,
            RequestRate::Infinite => f64::INFINITY,
        }
    }

    /// The value vLLM writes in a result file: the number, or the string `"inf"`.
    pub fn to_json(self) -> Value {
        match self {
            RequestRate::Finite(rate) => serde_json::json!(rate),
            RequestRate::Infinite => Value::String("inf".to_owned()),
        }
    }
}

impl fmt::Display for RequestRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestRate::Finite(rate) => write!(f, "{rate}"),
            RequestRate::Infinite => f.write_str("inf"),
        }
    }
}

/// Why no schedule can be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// The rate is zero, negative, NaN or an infinite `Finite`.
    #[error("the request rate must be a positive number, not {0}")]
    Rate(f64),
    /// The burstiness is zero, negative or NaN.
    #[error("the burstiness must be positive (1 for a Poisson process), not {0}")]
    Burstiness(f64),
}

/// The send time of each of `n` requests, in seconds from the start of the run, ascending.
///
/// The same seed gives the same schedule. With a finite rate the last offset is exactly
/// `n / rate`; with an infinite rate every offset is zero.
pub fn arrival_offsets(n: usize, rate: RequestRate, burstiness: f64, seed: u64) -> Result<Vec<f64>, ScheduleError> {
    if burstiness.is_nan() || burstiness <= 0.0 {
        return Err(ScheduleError::Burstiness(burstiness));
    }
    let rate = match rate {
        RequestRate::Infinite => return Ok(vec![0.0; n]),
        RequestRate::Finite(rate) if rate.is_finite() && rate > 0.0 => rate,
        RequestRate::Finite(rate) => return Err(ScheduleError::Rate(rate)),
    };
    let mut offsets = intervals(n, rate, burstiness, seed)?;
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    if let Some(&last) = offsets.last()
        && last != 0.0
    {
        let target = n as f64 / rate;
        let factor = target / last;
        for offset in &mut offsets {
            *offset *= factor;
        }
        // `last * (target / last)` can miss `target` by an ulp; the end of the run is a promise.
        if let Some(end) = offsets.last_mut() {
            *end = target;
        }
    }
    Ok(offsets)
}

/// `n` gaps between arrivals with mean `1 / rate`.
fn intervals(n: usize, rate: f64, burstiness: f64, seed: u64) -> Result<Vec<f64>, ScheduleError> {
    if burstiness.is_infinite() {
        return Ok(vec![1.0 / rate; n]);
    }
    let gamma = Gamma::new(burstiness, 1.0 / (rate * burstiness)).map_err(|_| ScheduleError::Rate(rate))?;
    let mut rng = StdRng::seed_from_u64(seed);
    Ok((0..n).map(|_| gamma.sample(&mut rng)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::stats;

    fn gaps(offsets: &[f64]) -> Vec<f64> {
        let mut previous = 0.0;
        offsets
            .iter()
            .map(|&t| {
                let gap = t - previous;
                previous = t;
                gap
            })
            .collect()
    }

    fn coefficient_of_variation(values: &[f64]) -> f64 {
        stats::std(values) / stats::mean(values)
    }

    #[test]
    fn offsets_rise_and_end_at_n_over_rate() {
        let offsets = arrival_offsets(500, RequestRate::Finite(4.0), 1.0, 7).unwrap();
        assert_eq!(offsets.len(), 500);
        assert!(offsets.windows(2).all(|w| w[0] <= w[1]));
        assert!(offsets[0] > 0.0, "the first request waits one interval");
        assert_eq!(*offsets.last().unwrap(), 125.0);
        let mean_gap = stats::mean(&gaps(&offsets));
        assert!((mean_gap - 0.25).abs() < 1e-12, "mean interval {mean_gap}");
    }

    #[test]
    fn burstiness_sets_the_spread_of_intervals() {
        let poisson = gaps(&arrival_offsets(20_000, RequestRate::Finite(10.0), 1.0, 1).unwrap());
        let regular = gaps(&arrival_offsets(20_000, RequestRate::Finite(10.0), 4.0, 1).unwrap());
        let bursty = gaps(&arrival_offsets(20_000, RequestRate::Finite(10.0), 0.25, 1).unwrap());
        // A gamma distribution with shape k has CV 1/√k: 1, 0.5 and 2.
        let (cv_poisson, cv_regular, cv_bursty) =
            (coefficient_of_variation(&poisson), coefficient_of_variation(&regular), coefficient_of_variation(&bursty));
        assert!((cv_poisson - 1.0).abs() < 0.05, "CV {cv_poisson}");
        assert!((cv_regular - 0.5).abs() < 0.05, "CV {cv_regular}");
        assert!((cv_bursty - 2.0).abs() < 0.15, "CV {cv_bursty}");
    }

    #[test]
    fn infinite_burstiness_is_a_constant_interval() {
        let offsets = arrival_offsets(4, RequestRate::Finite(2.0), f64::INFINITY, 0).unwrap();
        assert_eq!(offsets, vec![0.5, 1.0, 1.5, 2.0]);
    }

    #[test]
    fn infinite_rate_sends_everything_at_once() {
        assert_eq!(arrival_offsets(3, RequestRate::Infinite, 1.0, 0).unwrap(), vec![0.0; 3]);
    }

    #[test]
    fn same_seed_same_schedule() {
        let a = arrival_offsets(50, RequestRate::Finite(1.5), 1.0, 42).unwrap();
        let b = arrival_offsets(50, RequestRate::Finite(1.5), 1.0, 42).unwrap();
        let c = arrival_offsets(50, RequestRate::Finite(1.5), 1.0, 43).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert_eq!(arrival_offsets(3, RequestRate::Finite(1.0), 0.0, 0), Err(ScheduleError::Burstiness(0.0)));
        assert_eq!(arrival_offsets(3, RequestRate::Finite(-1.0), 1.0, 0), Err(ScheduleError::Rate(-1.0)));
        assert_eq!(arrival_offsets(0, RequestRate::Finite(1.0), 1.0, 0), Ok(vec![]));
    }

    #[test]
    fn rates_parse_as_python_floats() {
        assert_eq!(RequestRate::parse("0.5"), Ok(RequestRate::Finite(0.5)));
        assert_eq!(RequestRate::parse("inf"), Ok(RequestRate::Infinite));
        assert_eq!(RequestRate::parse("Infinity"), Ok(RequestRate::Infinite));
        assert!(RequestRate::parse("0").is_err());
        assert!(RequestRate::parse("fast").is_err());
        assert_eq!(RequestRate::Infinite.to_json(), serde_json::json!("inf"));
        assert_eq!(RequestRate::Finite(0.5).to_string(), "0.5");
    }
}
