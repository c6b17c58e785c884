//! The mock records what it was started with, so a test can see that a scenario's settings
//! arrived; a malformed deploy file stops it with the file, line and column.

use std::process::Command;

use omnitest::fixtures::{LaunchEnv, ScenarioSlot};
use omnitest::prelude::*;
use omnitest::selection::Backend;
use serde_json::json;

const THREE_STAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/suites/mock/fixtures/three_stage.yaml");
const MALFORMED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/suites/mock/fixtures/malformed.yaml");

static EDITED: Scenario = Scenario::mock("Qwen/Qwen3-Omni-30B-A3B-Instruct", "qwen3-omni")
    .id("edited")
    .stage_configs(THREE_STAGE)
    .updates(&[("stages.1.engine_args.enforce_eager", "true"), ("async_chunk", "true")])
    .deletes(&["stages.2.gpu_memory_utilization"])
    .args(&["--async-chunk", "--usp", "2", "--served-model-name", "omni"]);

static MALFORMED_CONFIG: Scenario =
    Scenario::mock("Qwen/Qwen3-Omni-30B-A3B-Instruct", "qwen3-omni").id("malformed").stage_configs(MALFORMED);
static UNKNOWN_FLAG: Scenario =
    Scenario::mock("Qwen/Qwen3-Omni-30B-A3B-Instruct", "qwen3-omni").id("unknown_flag").args(&["--ulysses-degre", "2"]);
/// A typo in a diffusion feature flag's value: vLLM-Omni knows `tea_cache`, not `teacache`.
static UNKNOWN_CACHE_BACKEND: Scenario =
    Scenario::mock("Qwen/Qwen-Image", "qwen-image").id("unknown_cache_backend").args(&["--cache-backend", "teacache"]);

fn start(ctx: &TestContext, scenario: &'static Scenario) -> Result<TestError, TestError> {
    let mut env = LaunchEnv::new(Backend::Mock, Level::CoreModel, ctx.output_dir()?.to_path_buf(), "/".into());
    env.mock_binary = Some(env!("CARGO_BIN_EXE_omnitest").into());
    let slot = ScenarioSlot::new(std::sync::Arc::new(env), scenario, scenario.id.into());
    match slot.server() {
        Err(err) => Ok(err),
        Ok(_) => Err(TestError::failure(format!("scenario {} started a server", scenario.id))),
    }
}

omni_test! {
    /// A scenario's serve flags, deploy edits and the core_model rewrite (`load_format: dummy`
    /// in every stage) all reach the server, which shows them at `/omnitest/config`; requests
    /// use the served name.
    #[levels(core_model, advanced_model)]
    #[markers(cpu)]
    #[scenarios(EDITED)]
    fn test_scenario_settings_arrive(ctx: &TestContext, server: &Server, client: &Client) -> TestResult {
        check_eq!(server.model(), "omni");
        let config = client.get("/omnitest/config")?.json.unwrap_or_default();
        check_eq!(config["served_model_names"], json!(["omni"]));
        check_eq!((config["serve_flags"]["async-chunk"].clone(), config["serve_flags"]["usp"].clone()), (json!(true), json!("2")));
        let deploy = &config["deploy"];
        check_eq!((deploy["flag"].clone(), deploy["stages"].clone()), (json!("--stage-configs-path"), json!(3)));
        let document = &deploy["document"];
        check_eq!(document["async_chunk"], json!(true));
        check_eq!(document["stages"][1]["engine_args"]["enforce_eager"], json!(true));
        check!(document["stages"][2].get("gpu_memory_utilization").is_none(), "the deletion did not arrive");
        let dummy = json!(["dummy", "dummy", "dummy"]);
        if ctx.run_level() == Level::CoreModel {
            check_eq!(deploy["load_formats"], dummy);
        } else {
            check_eq!(deploy["load_formats"], json!([null, null, null]));
        }
        check_eq!(config["timing"]["max_num_seqs"], json!(8), "max_num_seqs from the deploy file's stage 0");
        Ok(())
    }

    /// A malformed deploy file makes the mock exit non-zero naming the file, line and column;
    /// a fixture rejects it before starting anything, and a server that exits while starting
    /// (here on an unknown serve flag, or a diffusion flag with an unknown value) is a harness
    /// error quoting its log.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_malformed_deploy_file_stops_the_server(ctx: &TestContext) -> TestResult {
        let output = Command::new(env!("CARGO_BIN_EXE_omnitest"))
            .args(["mock-server", "m", "--port", "0", "--stage-configs-path", MALFORMED])
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        check!(!output.status.success(), "the mock started with a malformed deploy file");
        check!(stderr.contains(&format!("invalid YAML in deploy config {MALFORMED}:")), "{stderr}");
        let malformed = start(ctx, &MALFORMED_CONFIG)?;
        check_eq!(malformed.kind(), ErrorKind::Harness);
        check!(malformed.message().contains(&format!("cannot load deploy config {MALFORMED}")), "{}", malformed.message());
        check!(malformed.message().contains("line 4 column 1"), "no position in: {}", malformed.message());
        let exited = start(ctx, &UNKNOWN_FLAG)?;
        check_eq!(exited.kind(), ErrorKind::Harness);
        check!(exited.message().contains("exited with exit status: 2 before becoming ready"), "{}", exited.message());
        check!(exited.message().contains("unrecognized argument `--ulysses-degre`"), "the log is not quoted: {}", exited.message());
        let typo = start(ctx, &UNKNOWN_CACHE_BACKEND)?;
        check!(typo.message().contains("--cache-backend teacache: unknown cache backend 'teacache' (valid: none, tea_cache, cache_dit"),
            "the log is not quoted: {}", typo.message());
        Ok(())
    }
}
