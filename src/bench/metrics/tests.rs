use super::*;
use crate::bench::request::AudioOutcome;

fn completed(start: f64, ttft: f64, itl: &[f64], latency: f64, tokens: u64, prompt: u64, queue: f64) -> RequestOutcome {
    RequestOutcome {
        success: true,
        prompt_len: prompt,
        output_tokens: Some(tokens),
        ttft_s: ttft,
        itl_s: itl.to_vec(),
        latency_s: latency,
        start_time_s: start,
        client_queue_s: queue,
        ..RequestOutcome::default()
    }
}

/// Three completed requests and one failure over a 2 s run:
///
/// | req | start | ttft  | itl                 | latency | tokens | prompt | queue |
/// |-----|-------|-------|---------------------|---------|--------|--------|-------|
/// | A   | 0     | 0.25  | 0.125, 0.125, 0.25  | 0.75    | 4      | 10     | 0     |
/// | B   | 0.5   | 0.5   | 0.25                | 1.0     | 3      | 20     | 0.125 |
/// | C   | 0.625 | 0.125 | –                   | 0.125   | 1      | 30     | 0.25  |
/// | D   | 1.5   | failed with "Internal Server Error"                 | 40     |       |
fn run() -> Vec<RequestOutcome> {
    vec![
        completed(0.0, 0.25, &[0.125, 0.125, 0.25], 0.75, 4, 10, 0.0),
        completed(0.5, 0.5, &[0.25], 1.0, 3, 20, 0.125),
        completed(0.625, 0.125, &[], 0.125, 1, 30, 0.25),
        RequestOutcome::failed(1.5, 40, "Internal Server Error"),
    ]
}

fn options(metrics: &str, percentiles: &[f64]) -> MetricsOptions {
    MetricsOptions {
        percentile_metrics: PercentileMetric::parse_list(metrics).unwrap(),
        percentiles: percentiles.to_vec(),
        ..MetricsOptions::default()
    }
}

#[test]
fn counts_and_throughputs() {
    let metrics = Metrics::calculate(&run(), 2.0, &MetricsOptions::default());
    assert_eq!((metrics.completed, metrics.failed), (3, 1));
    // Only successful requests count: 10 + 20 + 30 prompt tokens, 4 + 3 + 1 generated.
    assert_eq!((metrics.total_input_tokens, metrics.total_output_tokens), (60, 8));
    assert_eq!(metrics.request_throughput, 1.5);
    assert_eq!(metrics.output_throughput, 4.0);
    assert_eq!(metrics.total_token_throughput, 34.0);
    assert_eq!(metrics.request_goodput, None);
    assert_eq!(metrics.per_request.output_lens, vec![4, 3, 1, 0]);
    assert_eq!(metrics.per_request.errors[3], "Internal Server Error");
}

#[test]
fn percentile_families_match_numpy() {
    let metrics = Metrics::calculate(&run(), 2.0, &options("ttft,tpot,itl,e2el", &[50.0, 99.0]));
    let family = |m| metrics.family(m).unwrap().clone();
    // Expected values are numpy 2.4's, e.g. np.std([0.25, 0.5, 0.125]) * 1000.
    let ttft = family(PercentileMetric::Ttft);
    assert_eq!((ttft.mean, ttft.median, ttft.std), (291.6666666666667, 250.0, 155.90239111558088));
    assert_eq!(ttft.percentiles, vec![(50.0, 250.0), (99.0, 495.0)]);
    // TPOT per request with more than one token: A (0.75 − 0.25) / 3, B (1.0 − 0.5) / 2.
    let tpot = family(PercentileMetric::Tpot);
    assert_eq!((tpot.mean, tpot.median, tpot.std), (208.33333333333331, 208.33333333333331, 41.66666666666667));
    assert_eq!(tpot.percentiles[1], (99.0, 249.16666666666669));
    // ITL pooled over requests: 0.125, 0.125, 0.25 and 0.25.
    let itl = family(PercentileMetric::Itl);
    assert_eq!((itl.mean, itl.median, itl.std), (187.5, 187.5, 62.5));
    let e2el = family(PercentileMetric::E2el);
    assert_eq!((e2el.mean, e2el.median, e2el.std), (625.0, 750.0, 367.9900360969936));
    assert_eq!(e2el.percentiles[1], (99.0, 995.0));
}

#[test]
fn peaks_of_tokens_and_concurrency() {
    let metrics = Metrics::calculate(&run(), 2.0, &MetricsOptions::default());
    // Token times start + ttft + cumsum(itl): A 0.25, 0.375, 0.5, 0.75; B 1.0, 1.25; C 0.75.
    // Second 0 holds five, second 1 two.
    assert_eq!(metrics.max_output_tokens_per_s, 5.0);
    // A [0, 0.75), B [0.5, 1.5) and C [0.625, 0.75) overlap at 0.625.
    assert_eq!(metrics.max_concurrent_requests, 3);
}

#[test]
fn a_request_ending_as_another_starts_does_not_overlap_it() {
    let back_to_back = [completed(0.0, 0.1, &[], 0.5, 1, 1, 0.0), completed(0.5, 0.1, &[], 0.5, 1, 1, 0.0)];
    assert_eq!(Metrics::calculate(&back_to_back, 1.0, &MetricsOptions::default()).max_concurrent_requests, 1);
}

#[test]
fn goodput_counts_requests_within_every_slo() {
    let mut opts =
        MetricsOptions { goodput: Slo::parse_list("ttft:300 e2el:800").unwrap(), ..MetricsOptions::default() };
    // A (0.25 s, 0.75 s) and C (0.125 s, 0.125 s) qualify; B's TTFT is 0.5 s.
    assert_eq!(Metrics::calculate(&run(), 2.0, &opts).request_goodput, Some(1.0));
    // A's TPOT is 0.1667 s, C's counts as 0 (one token), B's is 0.25 s.
    opts.goodput = Slo::parse_list("tpot:200").unwrap();
    assert_eq!(Metrics::calculate(&run(), 2.0, &opts).request_goodput, Some(1.0));
}

#[test]
fn client_queue_metrics_need_a_concurrency_cap() {
    let mut opts = options("e2el,client_queue_time,e2el_including_client_queue", &[99.0]);
    let names = |m: &Metrics| m.families.iter().map(|f| f.metric.name()).collect::<Vec<_>>();
    assert_eq!(names(&Metrics::calculate(&run(), 2.0, &opts)), ["e2el"]);
    opts.max_concurrency = Some(2);
    assert_eq!(names(&Metrics::calculate(&run(), 2.0, &opts)), ["e2el", "client_queue_time"]);
    opts.request_rate = RequestRate::Finite(1.0);
    let metrics = Metrics::calculate(&run(), 2.0, &opts);
    assert_eq!(names(&metrics), ["e2el", "client_queue_time", "e2el_including_client_queue"]);
    // numpy 2.4: np.mean/np.std/np.percentile(…, 99) of [0, 0.125, 0.25] and of
    // [0.75, 1.125, 0.375], times 1000.
    let queue = metrics.family(PercentileMetric::ClientQueueTime).unwrap();
    assert_eq!((queue.mean, queue.std, queue.percentiles[0].1), (125.0, 102.06207261596576, 247.5));
    let with_queue = metrics.family(PercentileMetric::E2elIncludingClientQueue).unwrap();
    assert_eq!((with_queue.mean, with_queue.std, with_queue.percentiles[0].1), (750.0, 306.18621784789724, 1117.5));
}

#[test]
fn empty_samples_count_as_zero() {
    // Every request failed: vLLM reports zeros, not NaN.
    let failures = [RequestOutcome::failed(0.0, 5, "timeout")];
    let metrics = Metrics::calculate(&failures, 1.0, &options("ttft,tpot,itl,e2el", &[99.0]));
    assert!(metrics.families.iter().all(|f| f.mean == 0.0 && f.std == 0.0 && f.percentiles[0].1 == 0.0));
    assert_eq!((metrics.max_output_tokens_per_s, metrics.max_concurrent_requests), (0.0, 0));
}

#[test]
fn audio_metrics_follow_vllm_omni() {
    let mut outcomes = run();
    outcomes[0].audio = Some(AudioOutcome { ttfp_s: 0.5, duration_s: 3.0, frames: 72_000, rtf: 0.25 });
    outcomes[1].audio = Some(AudioOutcome { ttfp_s: 0.75, duration_s: 1.0, frames: 24_000, rtf: 0.5 });
    let metrics = Metrics::calculate(&outcomes, 2.0, &options("audio_ttfp,audio_rtf,audio_duration", &[99.0]));
    // C produced no audio and counts as zeros, as vLLM-Omni's getattr defaults do.
    let ttfp = metrics.family(PercentileMetric::AudioTtfp).unwrap();
    assert_eq!(ttfp.mean, 1.25 / 3.0 * 1000.0);
    let rtf = metrics.family(PercentileMetric::AudioRtf).unwrap();
    assert_eq!(rtf.median, 0.25, "RTF has no unit");
    let duration = metrics.family(PercentileMetric::AudioDuration).unwrap();
    assert_eq!(duration.mean, 4.0 / 3.0, "durations stay in seconds");
    assert_eq!(metrics.audio, Some(AudioTotals { total_duration_s: 4.0, total_frames: 96_000, throughput: 2.0 }));
}
