//! The server's `/metrics` in Prometheus' text format, reduced to the numbers a soak follows:
//! vLLM's engine gauges and counters and the sums and counts of its latency histograms, and
//! every `vllm_omni:` family, each summed over its label sets (engines, finish reasons).

use std::collections::BTreeMap;

/// vLLM's families a soak records, by column name, with the sample names that feed each, first
/// found wins (`_total` for counters; older names after newer ones).
pub const VLLM_COLUMNS: [(&str, &[&str]); 16] = [
    ("vllm:num_requests_running", &["vllm:num_requests_running"]),
    ("vllm:num_requests_waiting", &["vllm:num_requests_waiting"]),
    ("vllm:kv_cache_usage_perc", &["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"]),
    ("vllm:num_preemptions", &["vllm:num_preemptions_total", "vllm:num_preemptions"]),
    ("vllm:request_success", &["vllm:request_success_total", "vllm:request_success"]),
    ("vllm:prompt_tokens", &["vllm:prompt_tokens_total", "vllm:prompt_tokens"]),
    ("vllm:generation_tokens", &["vllm:generation_tokens_total", "vllm:generation_tokens"]),
    ("vllm:time_to_first_token_seconds_sum", &["vllm:time_to_first_token_seconds_sum"]),
    ("vllm:time_to_first_token_seconds_count", &["vllm:time_to_first_token_seconds_count"]),
    (
        "vllm:inter_token_latency_seconds_sum",
        &["vllm:inter_token_latency_seconds_sum", "vllm:time_per_output_token_seconds_sum"],
    ),
    (
        "vllm:inter_token_latency_seconds_count",
        &["vllm:inter_token_latency_seconds_count", "vllm:time_per_output_token_seconds_count"],
    ),
    ("vllm:e2e_request_latency_seconds_sum", &["vllm:e2e_request_latency_seconds_sum"]),
    ("vllm:e2e_request_latency_seconds_count", &["vllm:e2e_request_latency_seconds_count"]),
    ("vllm:request_queue_time_seconds_sum", &["vllm:request_queue_time_seconds_sum"]),
    ("vllm:request_queue_time_seconds_count", &["vllm:request_queue_time_seconds_count"]),
    ("vllm:request_num_preemptions_sum", &["vllm:request_num_preemptions_sum"]),
];

/// The preemption counter's column.
pub const PREEMPTIONS: &str = "vllm:num_preemptions";

/// Each sample name of `text` with its value summed over label sets. Histogram buckets and
/// `_created` timestamps are left out; lines that do not parse are skipped, since one odd
/// family must not hide the rest.
pub fn totals(text: &str) -> BTreeMap<String, f64> {
    let mut totals = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = sample(line) else { continue };
        if name.ends_with("_bucket") || name.ends_with("_created") || !value.is_finite() {
            continue;
        }
        *totals.entry(name.to_owned()).or_insert(0.0) += value;
    }
    totals
}

/// The name and value of one sample line: `name{labels} value [timestamp]`.
fn sample(line: &str) -> Option<(&str, f64)> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let name = &line[..name_end];
    let mut rest = &line[name_end..];
    if rest.starts_with('{') {
        rest = &rest[labels_end(rest)?..];
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some((name, value))
}

/// The index just past the `}` closing the label set at the start of `text`; quoted label values
/// may hold braces and escaped quotes.
fn labels_end(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match (quoted, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => quoted = !quoted,
            (false, _, '}') => return Some(index + 1),
            _ => {}
        }
    }
    None
}

/// The columns a soak records from the first scrape's `totals`: vLLM's, then each `vllm_omni:`
/// sample name present.
pub fn columns(first: &BTreeMap<String, f64>) -> Vec<String> {
    let omni = first.keys().filter(|name| name.starts_with("vllm_omni:")).cloned();
    VLLM_COLUMNS.iter().map(|(column, _)| (*column).to_owned()).chain(omni).collect()
}

/// The value of `column` in `totals`.
pub fn value(totals: &BTreeMap<String, f64>, column: &str) -> Option<f64> {
    match VLLM_COLUMNS.iter().find(|(name, _)| *name == column) {
        Some((_, sources)) => sources.iter().find_map(|source| totals.get(*source).copied()),
        None => totals.get(column).copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP vllm:num_requests_running Number of requests.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="m",engine="0"} 3
vllm:num_requests_running{model_name="m",engine="1"} 2
vllm:num_preemptions_total{model_name="m {odd} \"name\"",engine="0"} 7.0
vllm:request_success_total{finished_reason="stop"} 10
vllm:request_success_total{finished_reason="length"} 5
vllm:e2e_request_latency_seconds_bucket{le="0.3"} 4
vllm:e2e_request_latency_seconds_sum 12.5
vllm:gpu_cache_usage_perc 0.25 1700000000000
vllm_omni:audio_rtf_count{model_name="m"} 8
not a sample line
"#;

    #[test]
    fn families_are_summed_over_labels() {
        let totals = totals(TEXT);
        assert_eq!(totals["vllm:num_requests_running"], 5.0);
        assert_eq!(totals["vllm:num_preemptions_total"], 7.0);
        assert_eq!(totals["vllm:request_success_total"], 15.0);
        assert!(!totals.contains_key("vllm:e2e_request_latency_seconds_bucket"));
        assert_eq!(value(&totals, "vllm:num_preemptions"), Some(7.0));
        assert_eq!(value(&totals, "vllm:kv_cache_usage_perc"), Some(0.25), "the older name stands in");
        assert_eq!(value(&totals, "vllm:request_queue_time_seconds_sum"), None);
        let columns = columns(&totals);
        assert_eq!(columns.len(), VLLM_COLUMNS.len() + 1);
        assert_eq!(columns.last().map(String::as_str), Some("vllm_omni:audio_rtf_count"));
    }
}
