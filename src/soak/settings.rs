//! How a soak runs and is judged: its duration, the sampling interval, the warm-up left out of
//! the verdict, the drain bound, and the thresholds. An entry's own settings win over the
//! defaults; a duration given on the command line (or by `OMNITEST_SOAK_DURATION`) wins over
//! the entry's, and the defaults that scale with the duration follow it.

use std::time::Duration;

use super::config::SoakEntry;
use crate::bench::load::MockScale;

/// The settings of one soak.
#[derive(Clone, Debug, PartialEq)]
pub struct SoakSettings {
    /// How long requests are sent.
    pub duration: Duration,
    /// How often the samplers run; each interval is also one window of the client's latencies.
    pub sample_interval: Duration,
    /// The start of the run left out of the leak and drift checks (caches filling, pools
    /// growing to their size).
    pub warmup: Duration,
    /// How long requests still running at the end may take to finish; `None`: the request
    /// timeout. Requests still running after it are cancelled and count as failed.
    pub drain: Option<Duration>,
    /// Memory may grow at most this fast, in MB per hour: a leak is a slope whose 95% confidence
    /// interval lies wholly above it.
    pub leak_threshold_mb_per_hour: f64,
    /// Windows at each end compared for drift; `None`: a tenth of the measured windows, at least 3.
    pub drift_windows: Option<usize>,
    /// The smallest rise of the p99 latency that counts as drift, as a fraction (0.2: +20%).
    pub drift_min_increase: f64,
    /// The significance level of the drift test.
    pub drift_p_value: f64,
    /// Whether drift fails the soak; off on the embedded mock, whose latencies measure the
    /// machine it shares with the client and other tests more than its own code.
    pub drift_asserted: bool,
    /// Requests shrunk so because the embedded mock serves them.
    pub mock_scale: Option<MockScale>,
}

/// How long a soak lasts on the embedded mock unless a duration is given: long enough to run
/// every part of the soak, since the mock's figures over hours would say nothing of a server.
pub const MOCK_DURATION: Duration = Duration::from_secs(15);

/// The leak threshold on the embedded mock, in MB per hour: a fresh mock's heap still grows
/// toward its working size in a soak of seconds (a text mock by tens of MB/h; a mock that
/// synthesises speech for two streams by tens of MB over its first ten seconds, which reads as
/// thousands of MB/h), while the mock's leak fault adds about 20,000 MB/h.
pub const MOCK_LEAK_THRESHOLD_MB_PER_HOUR: f64 = 5000.0;

/// Defaults: a leak of 50 MB/h, a rise of 20% at p < 0.01, at most 10 minutes of warm-up.
const LEAK_THRESHOLD_MB_PER_HOUR: f64 = 50.0;
const DRIFT_MIN_INCREASE: f64 = 0.2;
const DRIFT_P_VALUE: f64 = 0.01;
const MAX_DEFAULT_WARMUP: Duration = Duration::from_secs(600);

impl SoakSettings {
    /// The settings of `entry`, run for `duration` when given instead of its `duration_sec`.
    pub fn for_entry(entry: &SoakEntry, duration: Option<Duration>) -> SoakSettings {
        let tuning = &entry.tuning;
        let duration = duration.unwrap_or(entry.duration);
        // Forty samples at least, every 0.5 to 5 seconds.
        let sample_interval = tuning
            .sample_interval
            .unwrap_or_else(|| (duration / 40).clamp(Duration::from_millis(500), Duration::from_secs(5)));
        // A fifth of the run, at most ten minutes; never more than half the run, whatever the
        // config says, so that something is left to judge when the duration is shortened.
        let warmup = tuning.warmup.unwrap_or_else(|| (duration / 5).min(MAX_DEFAULT_WARMUP)).min(duration / 2);
        SoakSettings {
            duration,
            sample_interval,
            warmup,
            drain: tuning.drain,
            leak_threshold_mb_per_hour: tuning.leak_threshold_mb_per_hour.unwrap_or(LEAK_THRESHOLD_MB_PER_HOUR),
            drift_windows: tuning.drift_windows,
            drift_min_increase: tuning.drift_min_increase.unwrap_or(DRIFT_MIN_INCREASE),
            drift_p_value: tuning.drift_p_value.unwrap_or(DRIFT_P_VALUE),
            drift_asserted: true,
            mock_scale: None,
        }
    }

    /// For the embedded mock: requests shrunk (smaller prompts, answers, pictures and videos,
    /// but every batch as large and the load as high as the config says, since the load must not
    /// stop), a leak threshold of at least [`MOCK_LEAK_THRESHOLD_MB_PER_HOUR`] after a warm-up of
    /// half the run, and drift
    /// reported without failing: the mock makes its pictures, videos and speech on the CPUs the
    /// client and the other tests use, so its latency rises whenever they get busy.
    #[must_use]
    pub fn on_mock(mut self) -> SoakSettings {
        self.leak_threshold_mb_per_hour = self.leak_threshold_mb_per_hour.max(MOCK_LEAK_THRESHOLD_MB_PER_HOUR);
        // The heap's growth to its working size is warm-up, not a leak: on a run of seconds it
        // takes a good part of the run.
        self.warmup = self.warmup.max(self.duration / 2);
        self.drift_asserted = false;
        self.mock_scale = Some(MockScale {
            min_prompts: u64::MAX,
            rate_prompts: u64::MAX,
            max_schedule_s: f64::INFINITY,
            ..MockScale::default()
        });
        self
    }
}

/// A duration that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration: {problem}\n(hint: write it as 90s, 10m, 12h or 1h30m)")]
pub struct DurationError {
    /// The text.
    pub text: String,
    /// What is wrong.
    pub problem: String,
}

/// A positive duration such as `30s`, `10m`, `12h`, `1h30m` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let error = |problem: String| DurationError { text: text.to_owned(), problem };
    let trimmed = text.trim();
    let duration = match trimmed.parse::<f64>() {
        Ok(seconds) => Duration::try_from_secs_f64(seconds).map_err(|e| error(e.to_string()))?,
        Err(_) => humantime::parse_duration(trimmed).map_err(|e| error(e.to_string()))?,
    };
    if duration.is_zero() {
        return Err(error("a soak must last longer than zero".to_owned()));
    }
    Ok(duration)
}

/// A duration as people say it: `2.5 s`, `10 min`, `12 h`.
pub fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    let (value, unit) = match seconds {
        s if s >= 7200.0 => (s / 3600.0, "h"),
        s if s >= 120.0 => (s / 60.0, "min"),
        s => (s, "s"),
    };
    let text = format!("{value:.1}");
    format!("{} {unit}", text.strip_suffix(".0").unwrap_or(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_described_in_their_unit() {
        assert_eq!(describe_duration(Duration::from_secs(5)), "5 s");
        assert_eq!(describe_duration(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(describe_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(describe_duration(Duration::from_secs(12 * 3600)), "12 h");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration(" 500ms "), Ok(Duration::from_millis(500)));
        let error = parse_duration("12 hours and a bit").unwrap_err();
        assert!(error.to_string().starts_with("`12 hours and a bit` is not a duration: "), "{error}");
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-3").is_err());
        assert!(parse_duration("").is_err());
    }
}
