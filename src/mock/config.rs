//! `omnitest mock-server`'s command line: the mock's own flags, plus the `vllm serve --omni`
//! flags a scenario passes, so the same scenario arguments start the mock or vLLM-Omni.

use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use serde::Serialize;

use super::defects::{Defect, Defects};
use super::deploy::{ConfigFlag, DeployConfig, DeployError};
use super::diffusion_flags::{self, DiffusionFeatures, FlagProblem};
use super::engine::Timing;
use super::faults::{FaultSettings, FaultSpecError};
use super::profile::Profile;
use super::serve_flags::{self, ServeFlagError, ServeFlags};

/// The embedded mock server: behaves like vLLM-Omni on the wire, without a GPU.
#[derive(Parser, Debug, Clone)]
#[command(name = "omnitest mock-server", max_term_width = 100)]
pub struct MockServerArgs {
    /// The served model, as `vllm serve MODEL`.
    pub model_positional: Option<String>,

    /// The served model (alternative to the positional argument).
    #[arg(long)]
    pub model: Option<String>,

    /// The address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// The port to bind; 0 picks a free one. The bound URL is printed on stdout.
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Also writes the bound URL to this file, once the server accepts connections.
    #[arg(long)]
    pub port_file: Option<PathBuf>,

    /// The kind of model to stand in for [default: implied by the model name].
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,

    /// Time to first token, in milliseconds.
    #[arg(long, default_value_t = 20.0, help_heading = "Timing")]
    pub ttft_ms: f64,

    /// Time between tokens with one request running, in milliseconds.
    #[arg(long, default_value_t = 2.0, help_heading = "Timing")]
    pub itl_ms: f64,

    /// Relative jitter of every delay (0.1: ±10%, mean-preserving).
    #[arg(long, default_value_t = 0.1, help_heading = "Timing")]
    pub jitter: f64,

    /// Extra time to first token per 1,000 prompt tokens, in milliseconds.
    #[arg(long, default_value_t = 0.0, help_heading = "Timing")]
    pub prefill_ms_per_1k_tokens: f64,

    /// Requests generated at once; more queue [default: the deploy config's stage 0, else 256].
    #[arg(long = "mock-max-num-seqs", help_heading = "Timing")]
    pub max_num_seqs: Option<usize>,

    /// How much longer a step gets per further running request (0.01: 1% each).
    #[arg(long, default_value_t = 0.0, help_heading = "Timing")]
    pub batch_slope: f64,

    /// Audio generation time over audio duration.
    #[arg(long, default_value_t = 0.05, help_heading = "Timing")]
    pub audio_rtf: f64,

    /// Seconds of audio per streamed audio chunk.
    #[arg(long, default_value_t = 1.0, help_heading = "Timing")]
    pub audio_chunk_s: f64,

    /// Time per diffusion step, in milliseconds.
    #[arg(long, default_value_t = 2.0, help_heading = "Timing")]
    pub diffusion_step_ms: f64,

    /// All delays zero: the client's ceiling, for calibration.
    #[arg(long, help_heading = "Timing")]
    pub zero_latency: bool,

    /// The seed of jitter and generated content.
    #[arg(long = "mock-seed", default_value_t = 0, help_heading = "Timing")]
    pub seed: u64,

    /// A fault active from the start: dead, hang, oom[=nested|flat], oom-min-prompt-tokens=N,
    /// slow=FACTOR, degrade-ms=MS, truncate=CHUNKS, leak-kib=KIB, exit=CODE. Repeatable.
    #[arg(long = "fault", value_name = "SPEC", help_heading = "Faults")]
    pub faults: Vec<String>,

    /// A deliberate wrong answer, to show that the suites catch it. Repeatable.
    #[arg(long = "defect", value_enum, value_name = "DEFECT", help_heading = "Faults")]
    pub defects: Vec<Defect>,

    /// Worker threads [default: the number of CPUs].
    #[arg(long)]
    pub workers: Option<usize>,
}

/// A command line the mock cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// clap rejected the mock's own flags.
    #[error("{0}")]
    Clap(#[from] clap::Error),
    /// A serve flag is unknown or lacks its value.
    #[error(transparent)]
    ServeFlag(#[from] ServeFlagError),
    /// Two models named.
    #[error("the model is given twice: `{0}` and `{1}`")]
    ModelTwice(String, String),
    /// No model named.
    #[error("no model given: pass it as `omnitest mock-server MODEL` or --model MODEL")]
    NoModel,
    /// A `--fault` value does not parse.
    #[error(transparent)]
    Fault(#[from] FaultSpecError),
    /// The deploy config cannot be used.
    #[error(transparent)]
    Deploy(#[from] DeployError),
    /// A serve flag's value is not what it should be.
    #[error("--{flag} {value}: {problem}")]
    ServeValue {
        /// The flag.
        flag: String,
        /// Its value.
        value: String,
        /// What is wrong.
        problem: String,
    },
}

impl From<FlagProblem> for ConfigError {
    fn from(problem: FlagProblem) -> ConfigError {
        ConfigError::ServeValue {
            flag: problem.flag.trim_start_matches("--").to_owned(),
            value: problem.value,
            problem: problem.problem,
        }
    }
}

/// Everything the mock runs with, as `GET /omnitest/config` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveConfig {
    /// The model as given.
    pub model: String,
    /// The names requests may use (`--served-model-name`, else the model).
    pub served_model_names: Vec<String>,
    /// The profile.
    pub profile: String,
    /// Where it listens.
    pub host: String,
    /// The timing model.
    pub timing: Timing,
    /// The faults active at start.
    pub faults: FaultSettings,
    /// The deliberate defects.
    pub defects: Defects,
    /// The `vllm serve` flags given.
    pub serve_flags: ServeFlags,
    /// The deploy config, when one was given.
    pub deploy: Option<DeployConfig>,
    /// The diffusion features (cache, quantization, offload, parallel layout), for diffusion
    /// models.
    pub diffusion: Option<DiffusionFeatures>,
    /// Worker threads.
    pub workers: Option<usize>,
}

/// What starting the mock needs: the parsed arguments and the effective configuration.
#[derive(Debug, Clone)]
pub struct MockSetup {
    /// The mock's own flags.
    pub args: MockServerArgs,
    /// The effective configuration.
    pub config: EffectiveConfig,
}

/// Parses a full mock-server command line (without the program and subcommand names).
pub fn parse(argv: &[String]) -> Result<MockSetup, ConfigError> {
    let (own, serve) = split(argv)?;
    let args = MockServerArgs::try_parse_from(std::iter::once("omnitest mock-server".to_owned()).chain(own))?;
    let flags = serve_flags::parse(&serve)?;
    let model = match (&args.model_positional, &args.model) {
        (Some(a), Some(b)) if a != b => return Err(ConfigError::ModelTwice(a.clone(), b.clone())),
        (Some(model), _) | (None, Some(model)) => model.clone(),
        (None, None) => return Err(ConfigError::NoModel),
    };
    let served_model_names = match flags.get("served-model-name").and_then(|v| v.as_str()) {
        Some(names) => names.split_whitespace().map(str::to_owned).collect(),
        None => vec![model.clone()],
    };
    let deploy = deploy_config(&flags)?;
    let mut faults = FaultSettings::default();
    for spec in &args.faults {
        faults.apply(spec)?;
    }
    let max_num_seqs = match (args.max_num_seqs, serve_number(&flags, "max-num-seqs")?.map(|n| n as usize)) {
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => deploy.as_ref().and_then(|d| d.max_num_seqs).map_or(256, |n| n as usize),
    };
    let timing = if args.zero_latency {
        Timing { seed: args.seed, ..Timing::zero_latency(max_num_seqs) }
    } else {
        Timing {
            ttft_ms: args.ttft_ms,
            itl_ms: args.itl_ms,
            jitter: args.jitter,
            prefill_ms_per_1k_tokens: args.prefill_ms_per_1k_tokens,
            max_num_seqs,
            batch_slope: args.batch_slope,
            audio_rtf: args.audio_rtf,
            audio_chunk_s: args.audio_chunk_s,
            diffusion_step_ms: args.diffusion_step_ms,
            seed: args.seed,
        }
    };
    let profile = args.profile.unwrap_or_else(|| Profile::for_model(&model));
    let diffusion = if serves_diffusion(profile) {
        Some(diffusion_flags::check(&flags)?)
    } else {
        diffusion_flags::check_common(&flags)?;
        None
    };
    let config = EffectiveConfig {
        model,
        served_model_names,
        profile: profile.name().to_owned(),
        host: args.host.clone(),
        timing,
        faults,
        defects: Defects::new(args.defects.iter().copied()),
        serve_flags: flags,
        deploy,
        diffusion,
        workers: args.workers,
    };
    Ok(MockSetup { args, config })
}

/// Whether `profile` stands for a diffusion model, whose server takes the diffusion feature flags.
fn serves_diffusion(profile: Profile) -> bool {
    matches!(profile, Profile::QwenImage | Profile::ZImage | Profile::Wan22 | Profile::Bagel | Profile::StableAudio)
}

fn deploy_config(flags: &ServeFlags) -> Result<Option<DeployConfig>, ConfigError> {
    for (name, flag) in [("stage-configs-path", ConfigFlag::StageConfigs), ("deploy-config", ConfigFlag::Deploy)] {
        if let Some(path) = flags.get(name).and_then(|v| v.as_str()) {
            return Ok(Some(DeployConfig::load(std::path::Path::new(path), flag)?));
        }
    }
    Ok(None)
}

fn serve_number(flags: &ServeFlags, name: &str) -> Result<Option<u64>, ConfigError> {
    let Some(value) = flags.get(name).and_then(|v| v.as_str()) else {
        return Ok(None);
    };
    value.parse().map(Some).map_err(|_| ConfigError::ServeValue {
        flag: name.into(),
        value: value.into(),
        problem: "expected a non-negative integer".into(),
    })
}

/// Splits a command line into the mock's own arguments and the serve flags; anything that is
/// neither is an error naming it.
fn split(argv: &[String]) -> Result<(Vec<String>, Vec<String>), ConfigError> {
    let command = MockServerArgs::command();
    let own_flag = |arg: &str| {
        let name = arg.split_once('=').map_or(arg, |(name, _)| name);
        command.get_arguments().find(|a| a.get_long().is_some_and(|long| format!("--{long}") == name)).map(|a| {
            let takes_value = a.get_action().takes_values();
            takes_value && !arg.contains('=')
        })
    };
    let (mut own, mut serve) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < argv.len() {
        let arg = &argv[i];
        if arg == "-h" || arg == "--help" || arg == "-V" || arg == "--version" {
            own.push(arg.clone());
        } else if let Some(takes_value) = own_flag(arg) {
            own.push(arg.clone());
            if takes_value && let Some(value) = argv.get(i + 1) {
                own.push(value.clone());
                i += 1;
            }
        } else if serve_flags::is_serve_flag(arg) {
            serve.push(arg.clone());
            if serve_flags::takes_values(arg) {
                while let Some(value) = argv.get(i + 1).filter(|v| !v.starts_with("--")) {
                    serve.push(value.clone());
                    i += 1;
                }
            } else if serve_flags::takes_value(arg)
                && let Some(value) = argv.get(i + 1)
            {
                serve.push(value.clone());
                i += 1;
            }
        } else if arg.starts_with('-') {
            return Err(ServeFlagError::Unknown(arg.clone()).into());
        } else {
            own.push(arg.clone());
        }
        i += 1;
    }
    Ok((own, serve))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn mixes_own_and_serve_flags_like_vllm_serve() {
        let setup = parse(&argv(
            "Qwen/Qwen3-Omni-30B-A3B-Instruct --omni --host 127.0.0.1 --port 0 --stage-init-timeout 600 \
             --init-timeout 900 --log-stats --served-model-name qwen3 omni3 --ttft-ms 5 --fault slow=2",
        ))
        .unwrap();
        let config = setup.config;
        assert_eq!(config.model, "Qwen/Qwen3-Omni-30B-A3B-Instruct");
        assert_eq!(config.profile, "qwen3-omni");
        assert_eq!(config.served_model_names, ["qwen3", "omni3"]);
        assert_eq!(config.serve_flags["stage-init-timeout"], "600");
        assert_eq!(config.serve_flags["log-stats"], true);
        assert_eq!(config.timing.ttft_ms, 5.0);
        assert_eq!(config.faults.slow, 2.0);
    }

    #[test]
    fn unknown_flags_and_missing_models_are_errors() {
        assert!(
            parse(&argv("m --ulysses-degre 2"))
                .unwrap_err()
                .to_string()
                .starts_with("unrecognized argument `--ulysses-degre`")
        );
        assert!(matches!(parse(&argv("--omni")), Err(ConfigError::NoModel)));
        assert!(matches!(parse(&argv("m --fault explode")), Err(ConfigError::Fault(_))));
        assert!(matches!(parse(&argv("m --max-num-seqs many")), Err(ConfigError::ServeValue { .. })));
    }

    #[test]
    fn diffusion_flags_are_checked_at_start_up() {
        let config =
            parse(&argv("Qwen/Qwen-Image --cache-backend cache_dit --usp 2 --quantization fp8")).unwrap().config;
        let features = config.diffusion.unwrap();
        assert_eq!((features.cache_backend.as_str(), features.world_size), ("cache_dit", 2));
        let err = parse(&argv("Qwen/Qwen-Image --cache-backend teacache")).unwrap_err().to_string();
        assert!(err.starts_with("--cache-backend teacache: unknown cache backend 'teacache'"), "{err}");
        let err = parse(&argv("Wan-AI/Wan2.2-T2V-A14B-Diffusers --tensor-parallel-size 2 --vae-patch-parallel-size 4"))
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("cannot exceed diffusion world_size (2)"), "{err}");
        // Every model's parser reads the integer and choice flags; only diffusion models check layouts.
        assert!(parse(&argv("Qwen/Qwen3-Omni-30B-A3B-Instruct --quantization fp9")).is_err());
        assert!(parse(&argv("Qwen/Qwen3-Omni-30B-A3B-Instruct --use-hsdp")).unwrap().config.diffusion.is_none());
    }

    #[test]
    fn max_num_seqs_comes_from_flags_then_the_deploy_file() {
        let config = parse(&argv("m --max-num-seqs 3")).unwrap().config;
        assert_eq!(config.timing.max_num_seqs, 3);
        assert_eq!(parse(&argv("m")).unwrap().config.timing.max_num_seqs, 256);
    }
}
