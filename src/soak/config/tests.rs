use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::*;

fn config(entry: Value) -> Result<StabilityConfig, PerfConfigError> {
    let case =
        json!([{"test_name": "t", "mark": ["cpu"], "server_params": {"model": "m"}, "benchmark_params": [entry]}]);
    StabilityConfig::parse(&case.to_string(), Path::new("stability.json"))
}

fn problem(entry: Value) -> String {
    config(entry).unwrap_err().to_string()
}

#[test]
fn the_seed_example_reads_with_its_ranges() {
    let config = config(json!({
        "dataset_name": "random", "backend": "openai-chat-omni", "endpoint": "/v1/chat/completions",
        "duration_sec": 43200, "request_rate": 0.5, "num_prompts_per_batch": 20,
        "random_input_len": {"min": 500, "max": 2500}, "random_output_len": "100-900", "ignore_eos": true,
        "percentile-metrics": "ttft,tpot,itl,e2el,audio_rtf,audio_ttfp,audio_duration",
        "leak_threshold_mb_per_hour": 20, "warmup_sec": 0
    }))
    .unwrap();
    let entry = &config.cases[0].entries[0];
    assert_eq!(entry.duration, Duration::from_secs(43200));
    assert_eq!(entry.load, Load::Rate(RequestRate::Finite(0.5)));
    assert_eq!(entry.batch_size, 20);
    assert_eq!(entry.ranges.len(), 2);
    assert_eq!(entry.ranges[1].range, IntRange { min: 100, max: 900 });
    assert_eq!(entry.tuning.leak_threshold_mb_per_hour, Some(20.0));
    assert_eq!(entry.tuning.warmup, Some(Duration::ZERO));
    assert!(!entry.options.contains_key("duration_sec") && entry.options.contains_key("ignore_eos"));
}

#[test]
fn each_batch_draws_its_options_and_seed() {
    let config = config(json!({
        "backend": "openai-chat", "dataset_name": "random-mm", "duration_sec": 60, "max_concurrency": 2,
        "num_prompts_per_batch": 4, "random_input_len": [16, 64], "seed": 7,
        "random_mm_limit_mm_per_prompt": {"image": 1, "video": 1},
        "random_mm_bucket_config": {"(64-128, 64-128, 1)": 0.5, "(33-65, 32-64, 4)": 0.5}
    }))
    .unwrap();
    let case = &config.cases[0];
    let entry = &case.entries[0];
    let mut rng = StdRng::seed_from_u64(1);
    let mut lengths = std::collections::BTreeSet::new();
    for batch in 0..20 {
        let step = entry.step(&config.file, &case.case, batch, entry.draw_options(&mut rng));
        assert_eq!(step.options.get("seed"), Some(&json!(7 + batch)));
        let length = step.options.get("random_input_len").and_then(Value::as_u64).unwrap();
        assert!((16..=64).contains(&length));
        lengths.insert(length);
        let spec = StepSpec::from_step(&step, &case.case).unwrap();
        assert_eq!((spec.num_prompts, spec.load), (4, Load::Concurrency(2)));
        let buckets = step.options.get("random_mm_bucket_config").and_then(Value::as_object).unwrap();
        for key in buckets.keys() {
            let sides: Vec<u64> = key.trim_matches(['(', ')']).split(", ").map(|n| n.parse().unwrap()).collect();
            if sides[2] > 1 {
                assert!(
                    sides[0].is_multiple_of(2) && sides[1].is_multiple_of(2),
                    "a video bucket with odd sides: {key}"
                );
            }
        }
    }
    assert!(lengths.len() > 5, "batches draw different lengths: {lengths:?}");
}

#[test]
fn diffusion_sizes_are_drawn_in_steps_of_16() {
    let config = config(json!({
        "task": "t2v", "duration_sec": 60, "max_concurrency": 1, "num_prompts_per_batch": 2,
        "width": "480-832", "height": [480, 832]
    }))
    .unwrap();
    let case = &config.cases[0];
    let mut rng = StdRng::seed_from_u64(2);
    for _ in 0..50 {
        let options = case.entries[0].draw_options(&mut rng);
        for key in ["width", "height"] {
            let side = options[key].as_u64().unwrap();
            assert!(side.is_multiple_of(16) && (480..=832).contains(&side), "{key} {side}");
        }
    }
    let problem = problem(json!({"task": "t2v", "duration_sec": 60, "max_concurrency": 1, "num_prompts_per_batch": 2,
                                 "width": "481-495"}));
    assert!(
        problem.ends_with(
            "[0].benchmark_params[0].width: 481-495 holds no multiple of 16 (image and video sizes are drawn in \
             steps of 16)"
        ),
        "{problem}"
    );
}

#[test]
fn errors_name_the_file_the_path_and_the_problem() {
    let base = json!({"duration_sec": 60, "max_concurrency": 1, "num_prompts_per_batch": 5});
    let with = |key: &str, value: Value| {
        let mut entry = base.clone();
        entry[key] = value;
        problem(entry)
    };
    assert_eq!(
        with("random_input_len", json!("lots")),
        "stability.json: [0].benchmark_params[0].random_input_len: expected a whole number or a range \
         ({\"min\": a, \"max\": b}, [a, b] or \"a-b\"), found the string \"lots\""
    );
    assert_eq!(
        with("request_rate", json!(1)),
        "stability.json: [0].benchmark_params[0]: gives both request_rate and max_concurrency; give exactly one"
    );
    assert!(with("max_concurrency", json!([1, 2])).contains("max_concurrency: a soak runs at one load"));
    assert!(with("num_prompts", json!(10)).contains("num_prompts: is not a stability option"));
    assert!(with("duration_sec", json!(0)).contains("duration_sec: expected a positive number of seconds"));
    assert!(with("drift_p_value", json!(2)).contains("drift_p_value: expected a number between 0 and 1"));
    assert!(
        with("random_mm_bucket_config", json!({"(9, 9)": 1})).contains(r#"random_mm_bucket_config: bucket `(9, 9)`"#)
    );
    // Options the load generator does not know are refused with the perf configs' message.
    assert!(with("frobnicate", json!(1)).contains("frobnicate: option `frobnicate` is not supported"));
    let mut infinite = base.clone();
    infinite.as_object_mut().unwrap().remove("max_concurrency");
    infinite["request_rate"] = json!("inf");
    assert!(problem(infinite).contains("request_rate: an infinite rate would send without bound"));
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("duration_sec");
    assert_eq!(
        problem(missing),
        "stability.json: [0].benchmark_params[0]: missing `duration_sec` (how long the soak sends requests)"
    );
}

#[test]
fn both_ends_of_a_range_are_checked_before_a_run() {
    // 8 pixels is below the load generator's smallest side; only the range's low end shows it.
    let problem = problem(json!({"task": "t2i", "duration_sec": 60, "max_concurrency": 1,
                                 "num_prompts_per_batch": 1, "width": "0-1024"}));
    assert!(problem.contains("width: 0 pixels is outside 16..=8192"), "{problem}");
}

#[test]
fn disabled_entries_are_skipped() {
    let config = config(json!({"enabled": false})).unwrap();
    assert!(config.cases[0].entries.is_empty());
    assert_eq!(config.cases[0].case.disabled_entries, [0]);
}

#[test]
fn the_repository_configs_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("baselines/stability");
    let configs = StabilityConfig::load_dir(&dir).unwrap();
    let names: Vec<&str> = configs.iter().flat_map(|c| &c.cases).map(|c| c.case.test_name.as_str()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for case in configs.iter().flat_map(|c| &c.cases) {
        assert!(!case.case.marks.hardware.is_empty(), "{} names its hardware", case.case.test_name);
        assert!(case.entries.iter().all(|e| e.duration >= Duration::from_secs(3600)));
    }
}
