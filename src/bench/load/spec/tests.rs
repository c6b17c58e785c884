use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::bench::config::PerfConfig;

fn config(case: Value) -> PerfConfig {
    PerfConfig::parse(&json!([case]).to_string(), Path::new("perf/test_x.json")).unwrap()
}

fn text_case(entry: Value) -> Value {
    json!({"test_name": "t", "mark": ["cpu"], "server_params": {"model": "m"}, "benchmark_params": [entry]})
}

fn spec_of(case: Value) -> Result<StepSpec, SpecError> {
    let config = config(case);
    let step = &config.steps().unwrap()[0];
    StepSpec::from_step(step, &config.cases[0])
}

#[test]
fn defaults_follow_vllm_and_the_perf_runner() {
    let spec =
        spec_of(text_case(json!({"num_prompts": 4, "max_concurrency": 2, "backend": "openai-chat-omni"}))).unwrap();
    assert_eq!(spec.api, Api::ChatOmni);
    assert_eq!(spec.endpoint, "/v1/chat/completions");
    assert!(spec.ignore_eos, "the random dataset forces ignore_eos");
    assert_eq!(spec.num_warmups, 2, "the perf runner passes --num-warmups 2");
    assert_eq!(spec.request_timeout, Duration::from_secs(900));
    assert_eq!((spec.burstiness, spec.seed), (1.0, 0));
    let plain = spec_of(text_case(json!({"num_prompts": 4, "request_rate": 2}))).unwrap();
    assert_eq!((plain.api, plain.endpoint.as_str()), (Api::Completions, "/v1/completions"));
}

#[test]
fn unknown_options_are_errors_naming_file_path_and_option() {
    let error = spec_of(text_case(json!({"num_prompts": 4, "max_concurrency": 2, "sharegpt_output_len": 5})))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(
            "perf/test_x.json: [0].benchmark_params[0].sharegpt_output_len: option `sharegpt_output_len` is not \
             supported by omnitest's load generator (it understands: backend, endpoint,"
        ),
        "{error}"
    );
    let error = spec_of(text_case(json!({"num_prompts": 4, "max_concurrency": 2, "backend": "tgi"}))).unwrap_err();
    assert_eq!(error.path.to_string(), "[0].benchmark_params[0].backend");
    assert!(error.problem.starts_with("unknown backend `tgi`"), "{}", error.problem);
    let error =
        spec_of(text_case(json!({"num_prompts": 4, "max_concurrency": 2, "dataset_name": "seed-tts"}))).unwrap_err();
    assert!(error.problem.starts_with("dataset `seed-tts` is not supported"), "{}", error.problem);
    let error = spec_of(text_case(json!({"num_prompts": 4, "max_concurrency": 2, "percentile-metrics": "ttft,vibes"})))
        .unwrap_err();
    assert!(error.problem.contains("vibes"), "{}", error.problem);
}

#[test]
fn sampling_options_and_extra_body_go_into_the_body() {
    let spec = spec_of(text_case(json!({
        "num_prompts": 4, "max_concurrency": 2, "backend": "openai-chat", "temperature": 0.5,
        "extra_body": {"modalities": ["text"]}, "metadata": "commit=abc run=7", "disable_tqdm": true,
    })))
    .unwrap();
    assert_eq!(spec.extra_body, json!({"modalities": ["text"], "temperature": 0.5}).as_object().cloned().unwrap());
    assert_eq!(spec.metadata, [("commit".to_owned(), "abc".to_owned()), ("run".to_owned(), "7".to_owned())]);
    assert!(!spec.progress);
}

#[test]
fn diffusion_tasks_pick_their_api() {
    let diffusion = |task: &str, endpoint: Option<&str>| {
        let mut case = json!({
            "test_name": "d", "mark": ["cpu", "diffusion"], "server_params": {"model": "Qwen/Qwen-Image", "server_type": "vllm-omni"},
            "benchmark_params": [{"num_prompts": 2, "max_concurrency": 1, "task": task, "width": 512, "height": 512,
                                  "num-inference-steps": 4, "guidance_scale": 4.0}],
        });
        if let Some(endpoint) = endpoint {
            case["benchmark_endpoint"] = json!(endpoint);
        }
        spec_of(case)
    };
    let chat = diffusion("t2i", None).unwrap();
    assert_eq!((chat.api, chat.endpoint.as_str(), chat.num_warmups), (Api::ImageChat, "/v1/chat/completions", 1));
    let params = chat.diffusion.unwrap();
    assert_eq!((params.width, params.height, params.num_inference_steps), (512, 512, Some(4)));
    assert_eq!(params.fields.get("guidance_scale"), Some(&json!(4.0)));
    assert_eq!(chat.metrics.percentile_metrics, vec![PercentileMetric::E2el]);
    assert_eq!(diffusion("t2i", Some("/v1/images/generations")).unwrap().api, Api::ImageGenerations);
    let video = diffusion("i2v", None).unwrap();
    assert_eq!((video.api, video.endpoint.as_str()), (Api::Video, "/v1/videos"));
    assert!(diffusion("v2v", None).unwrap_err().problem.starts_with("unknown diffusion task `v2v`"));
}

#[test]
fn random_mm_needs_a_chat_backend() {
    let error =
        spec_of(text_case(json!({"num_prompts": 4, "max_concurrency": 2, "dataset_name": "random-mm"}))).unwrap_err();
    assert_eq!(error.problem, "random-mm needs a chat backend, not openai-completions");
}
