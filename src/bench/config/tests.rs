use serde_json::json;

use super::*;
use crate::bench::baseline::BaselineForm;
use crate::bench::schedule::RequestRate;
use crate::bench::testdata::{ASYNC_CHUNK, SEED_EXAMPLE};
use crate::registry::{Level, Marker, Platform, PlatformRequirement, Resource};

fn parse(text: &str) -> Result<PerfConfig, PerfConfigError> {
    PerfConfig::parse(text, Path::new("perf/test.json"))
}

/// The error message for a one-case config whose case is `case`.
fn error_of(case: serde_json::Value) -> String {
    parse(&json!([case]).to_string()).unwrap_err().to_string()
}

fn minimal_case() -> serde_json::Value {
    json!({
        "test_name": "t",
        "mark": [{"hardware_marks": {"res": {"cuda": "H100"}}}, "full_model"],
        "server_params": {"model": "m"},
        "benchmark_params": [{"num_prompts": 4, "max_concurrency": 1}],
    })
}

#[test]
fn the_seed_example_parses() {
    let config = parse(SEED_EXAMPLE).unwrap();
    let case = &config.cases[0];
    assert_eq!(case.test_name, "test_qwen3_omni");
    assert_eq!(case.server.model, "Qwen/Qwen3-Omni-30B-A3B-Instruct");
    assert_eq!(case.server.stage_config_name.as_deref(), Some("qwen3_omni.yaml"));
    assert!(case.server.use_omni, "use_omni defaults to true");
    let entry = &case.benchmarks[0];
    assert_eq!(entry.num_prompts, vec![10, 20]);
    assert_eq!(entry.max_concurrency, Some(vec![1, 4]));
    assert_eq!(entry.request_rate, None);
    assert_eq!(entry.options.get_str("dataset_name"), Some("random"));
    assert_eq!(entry.options.get("random_output_len"), Some(&json!(900)));
    assert_eq!(entry.options.get("ignore_eos"), Some(&json!(true)));
    assert!(entry.options.get("baseline").is_none(), "reserved keys are not options");
    let Some(BaselineForm::Metrics(metrics)) = entry.baseline.as_ref().map(|b| &b.form) else {
        panic!("the seed's baseline is keyed by metric")
    };
    assert_eq!(
        metrics.iter().map(|m| m.metric.as_str()).collect::<Vec<_>>(),
        ["mean_audio_rtf", "mean_audio_ttfp_ms", "mean_ttft_ms"]
    );
}

#[test]
fn marks_become_levels_markers_and_hardware() {
    let config = parse(ASYNC_CHUNK).unwrap();
    let chunk = &config.cases[0];
    assert_eq!(chunk.marks.levels, [Level::FullModel]);
    assert_eq!(chunk.marks.markers, [Marker::Omni]);
    assert_eq!(
        chunk.marks.hardware,
        [PlatformRequirement { platform: Platform::Cuda, resource: Resource::H100, cards: 2 }]
    );
    assert_eq!(chunk.marks.marker_set().to_string(), "full_model, omni, gpu, cuda, H100, distributed_cuda");
    assert_eq!(chunk.server.cli_args(), ["--async-chunk"]);

    let qps = &config.cases[1];
    assert_eq!(
        qps.marks.hardware,
        [
            PlatformRequirement { platform: Platform::Cuda, resource: Resource::H100, cards: 2 },
            PlatformRequirement { platform: Platform::Npu, resource: Resource::A3, cards: 1 },
        ]
    );
    assert_eq!(
        qps.benchmarks[0].request_rate,
        Some(vec![RequestRate::Finite(0.1), RequestRate::Finite(0.5), RequestRate::Infinite])
    );
    assert_eq!(qps.disabled_entries, [1]);
    assert_eq!(qps.benchmarks.len(), 1);
    assert_eq!(qps.server.cli_args(), ["--enforce-eager", "--max-model-len", "32768", "--async-chunk"]);
    assert_eq!(qps.server.stage_overrides, Some(json!({"1": {"devices": "1"}})));
    assert_eq!(qps.benchmarks[0].baseline.as_ref().map(|b| b.hardware_labels()), Some(vec!["A3", "H100"]));
}

#[test]
fn python_infinity_is_a_request_rate() {
    let text = r#"[{"test_name": "t", "mark": ["cpu"], "server_params": {"model": "m"},
        "benchmark_params": [{"num_prompts": 1, "request_rate": [1, Infinity], "note": "Infinity stays text"}]}]"#;
    let entry = &parse(text).unwrap().cases[0].benchmarks[0];
    assert_eq!(entry.request_rate, Some(vec![RequestRate::Finite(1.0), RequestRate::Infinite]));
    assert_eq!(entry.options.get_str("note"), Some("Infinity stays text"));
}

#[test]
fn errors_name_file_path_and_problem() {
    let mut case = minimal_case();
    case["mark"][1] = json!("fast_model");
    let err = error_of(case);
    assert!(err.starts_with("perf/test.json: [0].mark[1]: unknown marker `fast_model` (valid: core_model,"), "{err}");

    let mut case = minimal_case();
    case["mark"][0]["hardware_marks"]["res"]["cuda"] = json!("B200");
    assert_eq!(
        error_of(case),
        "perf/test.json: [0].mark[0].hardware_marks.res.cuda: unknown cuda resource `B200` (supported: L4, H100)"
    );

    let mut case = minimal_case();
    case["benchmark_params"][0]["num_prompts"] = json!([10, 0]);
    assert_eq!(
        error_of(case),
        "perf/test.json: [0].benchmark_params[0].num_prompts[1]: expected a positive whole number, found the number 0"
    );

    let mut case = minimal_case();
    case["benchmark_params"][0]["request_rate"] = json!("fast");
    case["benchmark_params"][0].as_object_mut().map(|e| e.remove("max_concurrency"));
    assert_eq!(
        error_of(case),
        "perf/test.json: [0].benchmark_params[0].request_rate: `fast` is not a request rate (a number or \"inf\")"
    );

    let mut case = minimal_case();
    case["server_params"]["stage_config"] = json!("qwen3_omni.yaml");
    let err = error_of(case);
    assert!(err.starts_with("perf/test.json: [0].server_params.stage_config: unknown field `stage_config`"), "{err}");

    let mut case = minimal_case();
    case["server_params"] = json!({"stage_config_name": "x.yaml"});
    assert_eq!(error_of(case), "perf/test.json: [0].server_params: missing field `model`");
}

#[test]
fn marks_are_checked() {
    let mut case = minimal_case();
    case["mark"] = json!(["full_model", "omni"]);
    assert_eq!(error_of(case), "perf/test.json: [0].mark: needs a {\"hardware_marks\": …} entry, or the `cpu` marker");

    let mut case = minimal_case();
    case["mark"][0]["hardware_marks"]["num_cards"] = json!({"rocm": 2});
    assert_eq!(
        error_of(case),
        "perf/test.json: [0].mark[0].hardware_marks.num_cards.rocm: names `rocm`, which `res` does not"
    );

    let mut case = minimal_case();
    case["mark"][0]["hardware_marks"]["res"] = json!({"tpu": "v5"});
    let err = error_of(case);
    assert!(err.ends_with("res.tpu: unknown platform `tpu` (valid: cuda, rocm, xpu, npu, musa)"), "{err}");

    let mut case = minimal_case();
    case["mark"] = json!([{"hardware_marks": {"res": {"cuda": ["H100", "L4"]}, "num_cards": 2}}]);
    let marks = parse(&json!([case]).to_string()).unwrap().cases[0].marks.clone();
    assert_eq!(
        marks.hardware.iter().map(|r| (r.resource, r.cards)).collect::<Vec<_>>(),
        [(Resource::H100, 2), (Resource::L4, 2)]
    );
}

#[test]
fn structure_is_checked() {
    assert_eq!(
        parse(r#"{"test_name": "t"}"#).unwrap_err().to_string(),
        "perf/test.json: (top level): expected a list of test cases, found an object"
    );
    let err = parse("[{\"test_name\": \"t\",\n \"server_params\": }]").unwrap_err().to_string();
    assert_eq!(err, "perf/test.json:2:19: not valid JSON: expected value");
    let twice = json!([minimal_case(), minimal_case()]).to_string();
    assert_eq!(
        parse(&twice).unwrap_err().to_string(),
        "perf/test.json: [1].test_name: `t` is also the test_name of [0]"
    );

    let mut case = minimal_case();
    case["benchmark_params"][0]["percentile_metrics"] = json!("ttft");
    case["benchmark_params"][0]["percentile-metrics"] = json!("e2el");
    let err = error_of(case);
    assert!(err.contains("the same option as `percentile-metrics`; keep one spelling"), "{err}");

    let mut case = minimal_case();
    case["benchmark_params"] = json!([{"max_concurrency": 2}]);
    assert_eq!(error_of(case), "perf/test.json: [0].benchmark_params[0]: missing `num_prompts`");

    let mut case = minimal_case();
    case["description"] = json!("x");
    assert!(error_of(case).starts_with("perf/test.json: [0].description: unknown key `description`"));
}

#[test]
fn baselines_are_checked_when_read() {
    let mut case = minimal_case();
    case["benchmark_params"][0]["baseline"] = json!({"mean_ttft_ms": "fast"});
    assert_eq!(
        error_of(case),
        "perf/test.json: [0].benchmark_params[0].baseline.mean_ttft_ms: expected a number, a list, an object keyed by \
         concurrency or rate, or null; found the string \"fast\""
    );
}

#[test]
fn files_load_from_disk() {
    let dir = std::env::temp_dir().join(format!("omnitest-perf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("b.json"), ASYNC_CHUNK).unwrap();
    std::fs::write(dir.join("a.json"), SEED_EXAMPLE).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a config").unwrap();
    let configs = PerfConfig::load_dir(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(configs.iter().map(|c| c.cases.len()).collect::<Vec<_>>(), [1, 2]);
    let missing = PerfConfig::load(Path::new("/nonexistent/perf.json")).unwrap_err().to_string();
    assert!(missing.starts_with("cannot read /nonexistent/perf.json:"), "{missing}");
}
