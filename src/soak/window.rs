//! The client's side of a sample: the requests that finished during one sample interval, their
//! latency percentiles and their errors by class. The per-request TTFT, TPOT and E2EL of each
//! window are kept for the drift test; inter-token gaps only as percentiles.

use std::collections::BTreeMap;

use crate::bench::load::RequestRecord;
use crate::bench::stats::percentile;

/// Requests that finished in one window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientWindow {
    /// Requests sent during the window.
    pub sent: u64,
    /// Requests that finished successfully.
    pub completed: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Failures by class ([`error_class`]).
    pub errors: BTreeMap<&'static str, u64>,
    /// The first failure's message.
    pub first_error: Option<String>,
    /// Time to first token of each successful request, in ms.
    pub ttft_ms: Vec<f64>,
    /// Time per output token after the first of each successful request of two tokens or
    /// more, in ms.
    pub tpot_ms: Vec<f64>,
    /// End-to-end latency of each successful request, in ms.
    pub e2el_ms: Vec<f64>,
    itl_ms: Vec<f64>,
    dispatch_lag_ms: Vec<f64>,
}

/// The percentiles of one latency in a window, in ms; `None` without requests.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    /// The median.
    pub p50: Option<f64>,
    /// The 95th percentile.
    pub p95: Option<f64>,
    /// The 99th percentile.
    pub p99: Option<f64>,
}

impl Percentiles {
    /// numpy's linear percentiles of `values`.
    pub fn of(values: &[f64]) -> Percentiles {
        let at = |p: f64| (!values.is_empty()).then(|| percentile(values, p));
        Percentiles { p50: at(50.0), p95: at(95.0), p99: at(99.0) }
    }
}

/// What a window's CSV row shows of the client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WindowSummary {
    /// Requests sent.
    pub sent: u64,
    /// Requests completed.
    pub completed: u64,
    /// Requests failed.
    pub failed: u64,
    /// Failures by class.
    pub errors: BTreeMap<&'static str, u64>,
    /// Time to first token.
    pub ttft: Percentiles,
    /// Time per output token.
    pub tpot: Percentiles,
    /// Inter-token latency (pooled gaps).
    pub itl: Percentiles,
    /// End-to-end latency.
    pub e2el: Percentiles,
    /// The 99th percentile of the client's own dispatch lag, in ms.
    pub dispatch_lag_p99_ms: Option<f64>,
}

impl ClientWindow {
    /// Counts a request that was sent.
    pub fn sent_one(&mut self) {
        self.sent += 1;
    }

    /// Counts a finished request.
    pub fn add(&mut self, record: &RequestRecord) {
        if let Some(lag) = record.dispatch_lag_s {
            self.dispatch_lag_ms.push(lag * 1000.0);
        }
        let outcome = &record.outcome;
        if !outcome.success {
            self.failed += 1;
            *self.errors.entry(error_class(&outcome.error)).or_default() += 1;
            self.first_error.get_or_insert_with(|| outcome.error.clone());
            return;
        }
        self.completed += 1;
        self.ttft_ms.push(outcome.ttft_s * 1000.0);
        self.tpot_ms.extend(outcome.tpot_s(outcome.counted_output_tokens()).map(|s| s * 1000.0));
        self.e2el_ms.push(outcome.latency_s * 1000.0);
        self.itl_ms.extend(outcome.itl_s.iter().map(|s| s * 1000.0));
    }

    /// The window's percentiles and counts; the inter-token gaps are let go, since only their
    /// percentiles are kept.
    pub fn summarize(&mut self) -> WindowSummary {
        let summary = WindowSummary {
            sent: self.sent,
            completed: self.completed,
            failed: self.failed,
            errors: self.errors.clone(),
            ttft: Percentiles::of(&self.ttft_ms),
            tpot: Percentiles::of(&self.tpot_ms),
            itl: Percentiles::of(&self.itl_ms),
            e2el: Percentiles::of(&self.e2el_ms),
            dispatch_lag_p99_ms: Percentiles::of(&self.dispatch_lag_ms).p99,
        };
        self.itl_ms = Vec::new();
        self.dispatch_lag_ms = Vec::new();
        summary
    }
}

/// The class of a failed request's error, for counting: the HTTP status class, a timeout, a
/// cancellation at the end of the run, an error inside a stream, a connection failure, or
/// another malformed answer.
pub fn error_class(error: &str) -> &'static str {
    let lower = error.to_ascii_lowercase();
    if let Some(status) = lower.strip_prefix("http ") {
        return match status.chars().next() {
            Some('5') => "http_5xx",
            Some('4') => "http_4xx",
            _ => "http_other",
        };
    }
    if lower.starts_with("cancelled") || lower.starts_with("dropped") {
        "cancelled"
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "timeout"
    } else if lower.contains("error inside the stream") {
        "stream_error"
    } else if lower.contains("connect") || lower.contains("connection") {
        "connection"
    } else {
        "malformed_answer"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::RequestOutcome;

    fn record(success: bool, ttft_s: f64, latency_s: f64, error: &str) -> RequestRecord {
        RequestRecord {
            outcome: RequestOutcome {
                success,
                ttft_s,
                latency_s,
                itl_s: vec![0.01, 0.02],
                output_tokens: Some(3),
                error: error.to_owned(),
                ..RequestOutcome::default()
            },
            dispatch_lag_s: Some(0.001),
            ..RequestRecord::default()
        }
    }

    #[test]
    fn a_window_counts_and_summarizes_its_requests() {
        let mut window = ClientWindow::default();
        for i in 0..4 {
            window.sent_one();
            window.add(&record(true, 0.1 * f64::from(i + 1), 1.0, ""));
        }
        window.add(&record(false, 0.0, 0.0, "HTTP 500 Internal Server Error: {}"));
        window.add(&record(false, 0.0, 0.0, "timed out: operation timed out"));
        let summary = window.summarize();
        assert_eq!((summary.sent, summary.completed, summary.failed), (4, 4, 2));
        assert_eq!(summary.errors, BTreeMap::from([("http_5xx", 1), ("timeout", 1)]));
        assert!(summary.ttft.p50.is_some_and(|p50| (p50 - 250.0).abs() < 1e-9), "{:?}", summary.ttft);
        assert_eq!(summary.e2el.p99, Some(1000.0));
        assert_eq!(summary.itl.p50, Some(15.0));
        // TPOT of a 3-token answer: (E2EL − TTFT) / 2, i.e. 450, 400, 350 and 300 ms.
        assert!(summary.tpot.p50.is_some_and(|p50| (p50 - 375.0).abs() < 1e-9), "{:?}", summary.tpot);
        assert_eq!(window.e2el_ms.len(), 4, "latencies stay for the drift test");
        assert_eq!(window.first_error.as_deref(), Some("HTTP 500 Internal Server Error: {}"));
        assert_eq!(ClientWindow::default().summarize().ttft, Percentiles::default());
    }

    #[test]
    fn errors_fall_into_classes() {
        assert_eq!(error_class("HTTP 404 Not Found: no such model"), "http_4xx");
        assert_eq!(error_class("cancelled: still running 60 s after the soak ended"), "cancelled");
        assert_eq!(error_class("error inside the stream: EngineCore encountered an issue"), "stream_error");
        assert_eq!(error_class("error sending request: client error (Connect): connection refused"), "connection");
        assert_eq!(error_class("the stream ended without a complete message"), "malformed_answer");
    }
}
