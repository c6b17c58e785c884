//! Whether the load generator kept up: a run whose client fell behind its schedule measured the
//! client, not the server, and must not be compared with a baseline.
//!
//! `vllm bench serve` reports none of this; its single Python process is a known bottleneck at
//! high rates. omnitest's load generator records what it saw and [`ClientHealth::verdict`]
//! decides whether the run is valid.

use serde_json::{Value, json};

use super::stats;

/// What the load generator observed about itself during one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientHealth {
    /// Per sent request: actual send time − scheduled arrival time, in seconds.
    pub dispatch_lags_s: Vec<f64>,
    /// Requests sent later than the generator's own lateness tolerance.
    pub late_arrivals: u64,
    /// Scheduled arrivals never sent (the generator gave up on them).
    pub dropped_arrivals: u64,
    /// The generator's CPU use over the run, in percent of one core; `None` when not measured.
    pub cpu_percent: Option<f64>,
}

/// Limits past which a run is invalid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HealthBounds {
    /// The largest acceptable p99 dispatch lag, in milliseconds.
    pub max_dispatch_lag_p99_ms: f64,
    /// The largest acceptable share of late arrivals, in [0, 1].
    pub max_late_fraction: f64,
    /// How many dropped arrivals are acceptable.
    pub max_dropped_arrivals: u64,
    /// The largest acceptable client CPU use, in percent of one core.
    pub max_cpu_percent: f64,
}

impl Default for HealthBounds {
    /// 10 ms p99 lag, 1% late, nothing dropped, 90% of a core: a client past these numbers is
    /// the bottleneck, or close enough to bend the latencies it measures.
    fn default() -> Self {
        HealthBounds {
            max_dispatch_lag_p99_ms: 10.0,
            max_late_fraction: 0.01,
            max_dropped_arrivals: 0,
            max_cpu_percent: 90.0,
        }
    }
}

impl ClientHealth {
    /// The p50 dispatch lag in milliseconds; `None` without samples.
    pub fn dispatch_lag_p50_ms(&self) -> Option<f64> {
        self.lag_percentile_ms(50.0)
    }

    /// The p99 dispatch lag in milliseconds; `None` without samples.
    pub fn dispatch_lag_p99_ms(&self) -> Option<f64> {
        self.lag_percentile_ms(99.0)
    }

    fn lag_percentile_ms(&self, p: f64) -> Option<f64> {
        (!self.dispatch_lags_s.is_empty()).then(|| stats::percentile(&self.dispatch_lags_s, p) * 1000.0)
    }

    /// `Ok` when the run is valid; otherwise every bound it broke, in one message.
    pub fn verdict(&self, bounds: &HealthBounds) -> Result<(), String> {
        let mut problems = Vec::new();
        if let Some(p99) = self.dispatch_lag_p99_ms()
            && (p99.is_nan() || p99 > bounds.max_dispatch_lag_p99_ms)
        {
            problems.push(format!(
                "p99 dispatch lag {p99:.2} ms exceeds {} ms: the client fell behind its schedule",
                bounds.max_dispatch_lag_p99_ms
            ));
        }
        let sent = self.dispatch_lags_s.len() as u64 + self.dropped_arrivals;
        if sent > 0 {
            let late_fraction = self.late_arrivals as f64 / sent as f64;
            if late_fraction > bounds.max_late_fraction {
                problems.push(format!(
                    "{} of {sent} arrivals were late ({:.1}%, at most {:.1}% allowed)",
                    self.late_arrivals,
                    late_fraction * 100.0,
                    bounds.max_late_fraction * 100.0
                ));
            }
        }
        if self.dropped_arrivals > bounds.max_dropped_arrivals {
            problems.push(format!(
                "{} arrivals were dropped (at most {} allowed)",
                self.dropped_arrivals, bounds.max_dropped_arrivals
            ));
        }
        if let Some(cpu) = self.cpu_percent
            && cpu > bounds.max_cpu_percent
        {
            problems.push(format!("client CPU use {cpu:.0}% exceeds {}%", bounds.max_cpu_percent));
        }
        if problems.is_empty() { Ok(()) } else { Err(format!("invalid run: {}", problems.join("; "))) }
    }

    /// The `client_health` object of a result file. Keys: `dispatch_lag_p50_ms`,
    /// `dispatch_lag_p99_ms`, `dispatch_lag_max_ms`, `late_arrivals`, `dropped_arrivals`,
    /// `client_cpu_percent`, and the client queue time's `client_queue_p50_ms` and
    /// `client_queue_p99_ms` over `queue_times_s`; null where there is nothing to report.
    pub fn to_json(&self, queue_times_s: &[f64]) -> Value {
        let max_lag = self.dispatch_lags_s.iter().copied().reduce(f64::max).map(|lag| lag * 1000.0);
        let queue_ms = |p| (!queue_times_s.is_empty()).then(|| stats::percentile(queue_times_s, p) * 1000.0);
        json!({
            "dispatch_lag_p50_ms": self.dispatch_lag_p50_ms(),
            "dispatch_lag_p99_ms": self.dispatch_lag_p99_ms(),
            "dispatch_lag_max_ms": max_lag,
            "late_arrivals": self.late_arrivals,
            "dropped_arrivals": self.dropped_arrivals,
            "client_cpu_percent": self.cpu_percent,
            "client_queue_p50_ms": queue_ms(50.0),
            "client_queue_p99_ms": queue_ms(99.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthy() -> ClientHealth {
        ClientHealth {
            dispatch_lags_s: (0..100).map(|i| f64::from(i) * 0.00002).collect(),
            late_arrivals: 0,
            dropped_arrivals: 0,
            cpu_percent: Some(35.0),
        }
    }

    #[test]
    fn a_client_within_bounds_is_valid() {
        assert_eq!(healthy().verdict(&HealthBounds::default()), Ok(()));
        let p99 = healthy().dispatch_lag_p99_ms().unwrap();
        // Lags 0, 0.02, …, 1.98 ms: p99 sits at virtual index 98.01.
        assert!((p99 - 1.9602).abs() < 1e-9, "{p99}");
    }

    #[test]
    fn every_broken_bound_is_named() {
        let mut health = healthy();
        health.dispatch_lags_s.extend([0.05; 10]);
        health.late_arrivals = 10;
        health.dropped_arrivals = 2;
        health.cpu_percent = Some(99.0);
        let err = health.verdict(&HealthBounds::default()).unwrap_err();
        assert!(err.starts_with("invalid run: p99 dispatch lag 50.00 ms exceeds 10 ms"), "{err}");
        assert!(err.contains("10 of 112 arrivals were late (8.9%, at most 1.0% allowed)"), "{err}");
        assert!(err.contains("2 arrivals were dropped (at most 0 allowed)"), "{err}");
        assert!(err.contains("client CPU use 99% exceeds 90%"), "{err}");
    }

    #[test]
    fn the_json_reports_lags_in_milliseconds() {
        let value = healthy().to_json(&[0.0, 0.5]);
        assert_eq!(value["dispatch_lag_max_ms"], json!(1.98));
        assert_eq!(value["client_queue_p50_ms"], json!(250.0));
        assert_eq!(value["client_cpu_percent"], json!(35.0));
        assert_eq!(ClientHealth::default().to_json(&[])["dispatch_lag_p99_ms"], Value::Null);
    }
}
