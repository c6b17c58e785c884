//! A step's result checked against its baselines, and the table that reports it.

use std::fmt::Write as _;

use serde_json::Value;

use super::{Bound, StepBaseline};

/// One metric of one step, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The result key.
    pub metric: String,
    /// The baseline value.
    pub baseline: f64,
    /// The measured value; `None` when the result has no number for the metric.
    pub measured: Option<f64>,
    /// The direction of the bound.
    pub bound: Bound,
    /// Headroom relative to the baseline, in percent: positive is better than the baseline,
    /// negative worse. `None` without a measurement or with a zero baseline.
    pub margin_pct: Option<f64>,
    /// Whether the bound holds.
    pub passed: bool,
    /// Why the check failed without a comparison.
    pub problem: Option<String>,
}

/// Checks a result file's top-level values against a step's baselines. A metric the result
/// lacks, or holds as something other than a finite number, fails.
pub fn evaluate(baselines: &[StepBaseline], result: &Value) -> Vec<Check> {
    baselines
        .iter()
        .map(|baseline| {
            let found = result.get(&baseline.metric);
            let measured = found.and_then(Value::as_f64).filter(|v| v.is_finite());
            let problem = match (found, measured) {
                (_, Some(_)) => None,
                (None, _) => Some("missing from the results".to_owned()),
                (Some(Value::Null), _) => Some("null in the results".to_owned()),
                (Some(other), _) => Some(format!("not a number in the results: {other}")),
            };
            let passed = measured.is_some_and(|m| match baseline.bound {
                Bound::Lower => m >= baseline.value,
                Bound::Upper => m <= baseline.value,
            });
            let margin_pct = measured.filter(|_| baseline.value != 0.0).map(|m| {
                let better_by = match baseline.bound {
                    Bound::Lower => m - baseline.value,
                    Bound::Upper => baseline.value - m,
                };
                better_by / baseline.value.abs() * 100.0
            });
            Check {
                metric: baseline.metric.clone(),
                baseline: baseline.value,
                measured,
                bound: baseline.bound,
                margin_pct,
                passed,
                problem,
            }
        })
        .collect()
}

/// A Markdown table of checks: metric | baseline | measured | margin | verdict.
pub fn render_markdown(checks: &[Check]) -> String {
    let mut table = String::from("| metric | baseline | measured | margin | verdict |\n|---|---:|---:|---:|---|\n");
    for check in checks {
        let relation = match check.bound {
            Bound::Lower => "≥",
            Bound::Upper => "≤",
        };
        let measured = check.measured.map_or_else(|| "–".to_owned(), number);
        let margin = check.margin_pct.map_or_else(|| "–".to_owned(), |m| format!("{m:+.1}%"));
        let verdict = match (&check.problem, check.passed) {
            (Some(problem), _) => format!("FAIL: {problem}"),
            (None, true) => "pass".to_owned(),
            (None, false) => "FAIL".to_owned(),
        };
        let _ = writeln!(
            table,
            "| {} | {relation} {} | {measured} | {margin} | {verdict} |",
            check.metric,
            number(check.baseline)
        );
    }
    table
}

/// A number with at most four decimals and no trailing zeros.
fn number(value: f64) -> String {
    let fixed = format!("{value:.4}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" { "0".to_owned() } else { trimmed.to_owned() }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn baseline(metric: &str, value: f64) -> StepBaseline {
        StepBaseline { metric: metric.into(), value, bound: Bound::for_metric(metric) }
    }

    #[test]
    fn upper_and_lower_bounds_pass_at_equality() {
        let result = json!({"mean_ttft_ms": 500.0, "audio_throughput": 2.0, "request_goodput": 1.5});
        let checks = evaluate(
            &[baseline("mean_ttft_ms", 500.0), baseline("audio_throughput", 2.0), baseline("request_goodput", 1.6)],
            &result,
        );
        assert_eq!(checks.iter().map(|c| c.passed).collect::<Vec<_>>(), [true, true, false]);
        assert_eq!(checks[1].bound, Bound::Lower);
        let margin = checks[2].margin_pct.unwrap();
        assert!((margin + 6.25).abs() < 1e-9, "1.5 is 6.25% short of 1.6: {margin}");
    }

    #[test]
    fn missing_or_null_metrics_fail_with_a_reason() {
        let checks = evaluate(
            &[baseline("mean_audio_rtf", 0.25), baseline("request_goodput", 1.0)],
            &json!({"request_goodput": null}),
        );
        assert!(checks.iter().all(|c| !c.passed && c.measured.is_none()));
        assert_eq!(checks[0].problem.as_deref(), Some("missing from the results"));
        assert_eq!(checks[1].problem.as_deref(), Some("null in the results"));
    }

    #[test]
    fn the_table_shows_direction_margin_and_verdict() {
        let checks = evaluate(
            &[baseline("mean_ttft_ms", 500.0), baseline("mean_e2el_ms", 18507.4582), baseline("audio_throughput", 2.0)],
            &json!({"mean_ttft_ms": 432.125, "mean_e2el_ms": 19_000.0}),
        );
        assert_eq!(
            render_markdown(&checks),
            "| metric | baseline | measured | margin | verdict |\n\
             |---|---:|---:|---:|---|\n\
             | mean_ttft_ms | ≤ 500 | 432.125 | +13.6% | pass |\n\
             | mean_e2el_ms | ≤ 18507.4582 | 19000 | -2.7% | FAIL |\n\
             | audio_throughput | ≥ 2 | – | – | FAIL: missing from the results |\n"
        );
    }
}
