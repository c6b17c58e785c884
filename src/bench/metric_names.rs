//! The names `vllm bench serve` and vLLM-Omni use for metrics: `--percentile-metrics`,
//! `--metric-percentiles`, `--goodput`, and the result keys built from them.

use std::fmt;

/// A per-request metric whose mean, median, std and percentiles are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PercentileMetric {
    /// Time to first token.
    Ttft,
    /// Time per output token after the first, per request.
    Tpot,
    /// Inter-token latency, pooled over all requests.
    Itl,
    /// End-to-end latency.
    E2el,
    /// Time waiting for a concurrency slot (reported only with a concurrency cap).
    ClientQueueTime,
    /// E2EL plus the client queue time (only with a cap and a finite rate).
    E2elIncludingClientQueue,
    /// vLLM-Omni: time to first audio packet.
    AudioTtfp,
    /// vLLM-Omni: audio real-time factor (no unit).
    AudioRtf,
    /// vLLM-Omni: seconds of audio per request.
    AudioDuration,
}

impl PercentileMetric {
    /// Every metric, in the order vLLM and vLLM-Omni report them.
    pub const ALL: [PercentileMetric; 9] = [
        PercentileMetric::Ttft,
        PercentileMetric::Tpot,
        PercentileMetric::Itl,
        PercentileMetric::E2el,
        PercentileMetric::ClientQueueTime,
        PercentileMetric::E2elIncludingClientQueue,
        PercentileMetric::AudioTtfp,
        PercentileMetric::AudioRtf,
        PercentileMetric::AudioDuration,
    ];

    /// The name in `--percentile-metrics`.
    pub const fn name(self) -> &'static str {
        match self {
            PercentileMetric::Ttft => "ttft",
            PercentileMetric::Tpot => "tpot",
            PercentileMetric::Itl => "itl",
            PercentileMetric::E2el => "e2el",
            PercentileMetric::ClientQueueTime => "client_queue_time",
            PercentileMetric::E2elIncludingClientQueue => "e2el_including_client_queue",
            PercentileMetric::AudioTtfp => "audio_ttfp",
            PercentileMetric::AudioRtf => "audio_rtf",
            PercentileMetric::AudioDuration => "audio_duration",
        }
    }

    /// The unit suffix of its result keys: `_ms`, `_s` for audio durations, none for RTF.
    pub const fn key_suffix(self) -> &'static str {
        match self {
            PercentileMetric::AudioRtf => "",
            PercentileMetric::AudioDuration => "_s",
            _ => "_ms",
        }
    }

    /// What a value in seconds (or, for RTF, a ratio) is multiplied by for its result keys.
    pub const fn scale(self) -> f64 {
        match self {
            PercentileMetric::AudioRtf | PercentileMetric::AudioDuration => 1.0,
            _ => 1000.0,
        }
    }

    /// The metric named `name`.
    pub fn from_name(name: &str) -> Option<PercentileMetric> {
        PercentileMetric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// A `--percentile-metrics` value such as `"ttft,tpot,itl,e2el,audio_rtf"`.
    pub fn parse_list(list: &str) -> Result<Vec<PercentileMetric>, MetricNameError> {
        let mut metrics = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let metric = PercentileMetric::from_name(name).ok_or_else(|| MetricNameError::UnknownMetric {
                name: name.to_owned(),
                valid: PercentileMetric::ALL.map(PercentileMetric::name).join(", "),
            })?;
            if !metrics.contains(&metric) {
                metrics.push(metric);
            }
        }
        Ok(metrics)
    }
}

impl fmt::Display for PercentileMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--metric-percentiles` value such as `"50,90,99,99.9"`: each in [0, 100].
pub fn parse_percentiles(list: &str) -> Result<Vec<f64>, MetricNameError> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.parse::<f64>() {
            Ok(value) if (0.0..=100.0).contains(&value) => Ok(value),
            _ => Err(MetricNameError::Percentile(p.to_owned())),
        })
        .collect()
}

/// The `P` of a `p<P>_<metric>` key: `99` for 99.0, `99.9` for 99.9, as Python's
/// `str(int(p)) if int(p) == p else str(p)` writes it.
pub fn percentile_label(p: f64) -> String {
    if p.fract() == 0.0 && p.abs() < 1e16 {
        return format!("{}", p as i64);
    }
    // Python switches to exponent notation below 1e-4, with at least two exponent digits.
    if p.abs() < 1e-4 {
        let formatted = format!("{p:e}");
        if let Some((mantissa, exponent)) = formatted.split_once('e') {
            let (sign, digits) = exponent.strip_prefix('-').map_or(("+", exponent), |d| ("-", d));
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
    }
    format!("{p}")
}

/// A service-level objective of `--goodput`: a request is good when its metric is at most the
/// limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slo {
    /// What is limited.
    pub metric: SloMetric,
    /// The limit in milliseconds.
    pub limit_ms: f64,
}

/// The metrics `--goodput` may limit (DistServe's definition).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SloMetric {
    /// Time to first token.
    Ttft,
    /// Time per output token; 0 for requests of one token.
    Tpot,
    /// End-to-end latency.
    E2el,
}

impl Slo {
    /// A `--goodput` value: `KEY:VALUE` pairs separated by spaces, e.g. `"ttft:200 tpot:50"`.
    /// A key given twice keeps its last value, as vLLM's dictionary does.
    pub fn parse_list(list: &str) -> Result<Vec<Slo>, MetricNameError> {
        let mut slos: Vec<Slo> = Vec::new();
        for pair in list.split_whitespace() {
            let bad = |problem: &str| MetricNameError::Goodput { pair: pair.to_owned(), problem: problem.to_owned() };
            let (name, value) = pair.split_once(':').ok_or_else(|| bad("expected KEY:VALUE in milliseconds"))?;
            let metric = match name {
                "ttft" => SloMetric::Ttft,
                "tpot" => SloMetric::Tpot,
                "e2el" => SloMetric::E2el,
                _ => return Err(bad("the key must be one of ttft, tpot, e2el")),
            };
            let limit_ms: f64 = value.parse().map_err(|_| bad("the value must be a number of milliseconds"))?;
            if limit_ms.is_nan() || limit_ms < 0.0 {
                return Err(bad("the value must not be negative"));
            }
            slos.retain(|slo| slo.metric != metric);
            slos.push(Slo { metric, limit_ms });
        }
        Ok(slos)
    }
}

/// A metric name, percentile or SLO that `vllm bench serve` would not accept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetricNameError {
    /// Not a percentile metric.
    #[error("unknown percentile metric `{name}` (valid: {valid})")]
    UnknownMetric {
        /// What was given.
        name: String,
        /// The valid names.
        valid: String,
    },
    /// Not a number in [0, 100].
    #[error("percentile `{0}` is not a number between 0 and 100")]
    Percentile(String),
    /// A benchmark option holding the wrong kind of value.
    #[error("option `{option}`: {problem}")]
    OptionValue {
        /// The option.
        option: String,
        /// What is wrong.
        problem: String,
    },
    /// A malformed goodput pair.
    #[error("goodput `{pair}`: {problem}")]
    Goodput {
        /// The pair.
        pair: String,
        /// What is wrong.
        problem: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_labels_follow_python() {
        assert_eq!(percentile_label(99.0), "99");
        assert_eq!(percentile_label(99.9), "99.9");
        assert_eq!(percentile_label(0.0), "0");
        assert_eq!(percentile_label(12.5), "12.5");
        assert_eq!(percentile_label(0.00001), "1e-05");
    }

    #[test]
    fn lists_parse_and_reject_unknown_names() {
        let metrics = PercentileMetric::parse_list("ttft,tpot,itl,e2el,audio_rtf,audio_ttfp,audio_duration").unwrap();
        assert_eq!(metrics.len(), 7);
        let err = PercentileMetric::parse_list("ttft,tpop").unwrap_err();
        assert!(err.to_string().starts_with("unknown percentile metric `tpop` (valid: ttft, tpot"), "{err}");
        assert_eq!(parse_percentiles("50, 99,99.9").unwrap(), vec![50.0, 99.0, 99.9]);
        assert_eq!(parse_percentiles("101"), Err(MetricNameError::Percentile("101".into())));
    }

    #[test]
    fn goodput_pairs_parse() {
        let slos = Slo::parse_list("ttft:200 tpot:50 ttft:300").unwrap();
        assert_eq!(
            slos,
            vec![Slo { metric: SloMetric::Tpot, limit_ms: 50.0 }, Slo { metric: SloMetric::Ttft, limit_ms: 300.0 }]
        );
        let err = Slo::parse_list("itl:5").unwrap_err();
        assert_eq!(err.to_string(), "goodput `itl:5`: the key must be one of ttft, tpot, e2el");
    }
}
