//! A run's result file: `vllm bench serve`'s keys (through [`Metrics`]), vLLM-Omni's speech
//! continuity and diffusion figures, and the generator's health and cost.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::api::Api;
use super::run::LoadRun;
use super::spec::StepSpec;
use crate::bench::metrics::Metrics;
use crate::bench::request::RequestOutcome;
use crate::bench::result_json::ResultMeta;
use crate::bench::stats;

/// A request whose longest audio stall is at most this is continuous (vLLM-Omni's default).
pub const CONTINUITY_THRESHOLD_S: f64 = 0.1;

/// What a result file says besides the run.
#[derive(Clone, Debug, Default)]
pub struct ResultInfo {
    /// The model requests named.
    pub model: String,
    /// The tokenizer file, when one set the prompts.
    pub tokenizer: Option<String>,
    /// Extra top-level keys (test name, hardware, step).
    pub extra: Vec<(String, Value)>,
}

/// The metrics and the result file of `run`.
pub fn result_json(run: &LoadRun, spec: &StepSpec, info: &ResultInfo) -> (Metrics, Value) {
    let outcomes: Vec<RequestOutcome> = run.records.iter().map(|r| r.outcome.clone()).collect();
    let metrics = Metrics::calculate(&outcomes, run.duration_s, &spec.metrics);
    let meta = ResultMeta {
        date: utc_stamp(run.started),
        backend: spec.api.name().to_owned(),
        label: spec.label.clone(),
        model_id: info.model.clone(),
        tokenizer_id: info.tokenizer.clone(),
        num_prompts: spec.num_prompts,
        burstiness: spec.burstiness,
        metadata: spec.metadata.clone(),
        save_detailed: spec.save_detailed,
        client_health: Some(run.health.clone()),
    };
    let mut json = metrics.to_result_json(&meta);
    let Some(object) = json.as_object_mut() else { return (metrics, json) };
    if spec.api == Api::Speech {
        let underruns: Vec<f64> =
            run.records.iter().filter(|r| r.outcome.success).filter_map(|r| r.audio_underrun_s).collect();
        for (key, value) in family("audio_underrun_s", &underruns, &spec.metrics.percentiles) {
            object.insert(key, value);
        }
        let continuous = underruns.iter().filter(|&&u| u <= CONTINUITY_THRESHOLD_S).count();
        let rate = if underruns.is_empty() { Value::Null } else { json!(continuous as f64 / underruns.len() as f64) };
        object.insert("audio_continuity_ok_rate".into(), rate);
    }
    if spec.api.is_diffusion() {
        let latencies: Vec<f64> =
            run.records.iter().filter(|r| r.outcome.success).map(|r| r.outcome.latency_s).collect();
        object.insert("throughput_qps".into(), finite(latencies.len() as f64 / run.duration_s));
        let samples = stats::or_zero(&latencies);
        object.insert("latency_mean".into(), finite(stats::mean(samples)));
        object.insert("latency_median".into(), finite(stats::median(samples)));
        object.insert("latency_p50".into(), finite(stats::percentile(samples, 50.0)));
        object.insert("latency_p99".into(), finite(stats::percentile(samples, 99.0)));
        let memory: Vec<f64> = run.records.iter().filter_map(|r| r.peak_memory_mb).collect();
        let (mean, max) = if memory.is_empty() {
            (Value::Null, Value::Null)
        } else {
            (finite(stats::mean(&memory)), finite(memory.iter().copied().fold(f64::MIN, f64::max)))
        };
        object.insert("peak_memory_mb_mean".into(), mean);
        object.insert("peak_memory_mb_max".into(), max);
    }
    if let Some(Value::Object(health)) = object.get_mut("client_health") {
        health.insert("events".into(), json!(run.events));
        health.insert("events_per_s".into(), finite(run.events as f64 / run.duration_s));
        health.insert("client_cpu_s".into(), finite(run.client_cpu_s));
        let per_event = (run.events > 0).then(|| run.client_cpu_s / run.events as f64 * 1e6);
        health.insert("client_cpu_us_per_event".into(), per_event.map_or(Value::Null, finite));
    }
    for (key, value) in &info.extra {
        object.insert(key.clone(), value.clone());
    }
    (metrics, json)
}

/// `mean_`, `median_`, `std_` and `p{P}_` keys of `name` over `samples` (null when empty).
fn family(name: &str, samples: &[f64], percentiles: &[f64]) -> Vec<(String, Value)> {
    let value = |v: f64| if samples.is_empty() { Value::Null } else { finite(v) };
    let data = stats::or_zero(samples);
    let mut keys = vec![
        (format!("mean_{name}"), value(stats::mean(data))),
        (format!("median_{name}"), value(stats::median(data))),
        (format!("std_{name}"), value(stats::std(data))),
    ];
    for &p in percentiles {
        let label = crate::bench::metric_names::percentile_label(p);
        keys.push((format!("p{label}_{name}"), value(stats::percentile(data, p))));
    }
    keys
}

fn finite(value: f64) -> Value {
    if value.is_finite() { json!(value) } else { Value::Null }
}

/// A time as vLLM's result files write it, `%Y%m%d-%H%M%S`, in UTC.
pub fn utc_stamp(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}{month:02}{day:02}-{:02}{:02}{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101-000000");
        // 2024-02-29 12:34:56 UTC, a leap day.
        assert_eq!(utc_stamp(UNIX_EPOCH + Duration::from_secs(1_709_210_096)), "20240229-123456");
    }

    #[test]
    fn families_are_null_without_samples() {
        let keys = family("audio_underrun_s", &[], &[99.0]);
        assert_eq!(keys[0], ("mean_audio_underrun_s".to_owned(), Value::Null));
        let keys = family("audio_underrun_s", &[0.5, 0.25], &[99.0]);
        assert_eq!(keys[0].1, json!(0.375));
        assert_eq!(keys[3].0, "p99_audio_underrun_s");
    }
}
