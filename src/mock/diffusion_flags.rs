//! The diffusion feature flags of `vllm serve --omni` — cache backends, quantization, CPU
//! offload and the parallel layout — checked the way vLLM-Omni checks them at start-up, so that
//! a scenario with a typo or an impossible layout fails on the mock with a clear message
//! instead of passing on a laptop and failing on the GPU box.
//!
//! What is checked, and where vLLM-Omni does the same:
//!
//! | check | vLLM-Omni |
//! |---|---|
//! | integer flags parse (`--usp two`) | argparse `type=int` |
//! | `--quantization` is a known method | vLLM's argparse `choices` |
//! | `--diffusion-quantization-config` is a JSON object with a known `method`; GGUF names its `gguf_model` | `type=json.loads`, `build_quantization_config`, the GGUF loader |
//! | not both `--quantization` and `--diffusion-quantization-config` | `normalize_omni_kwargs` (both map to `quantization_config`) |
//! | `--cache-backend` is a known backend | the cache-backend factory |
//! | every parallel size is > 0 | `DiffusionParallelConfig._validate_parallel_config` |
//! | HSDP: not with TP, shard × replicate consistent with the other parallelism | `DiffusionParallelConfig.__post_init__` |
//! | `--num-gpus` a multiple of the non-data-parallel size (equal to it with HSDP) | `resolve_data_parallel_size` |
//! | `--vae-patch-parallel-size` at most, and dividing, the world size | `validate_vae_parallel_group_size` |
//! | `--vae-parallel-mode`, `--ulysses-mode` choices | argparse `choices` |
//!
//! What is not checked, because vLLM-Omni does not reject it either: an invalid `--cache-config`
//! JSON (warned about and replaced by the backend's defaults), both offload switches at once
//! (layerwise wins), and a world size larger than the machine's GPUs (that fails later, when the
//! workers start; the mock has no GPUs to count).

use serde::Serialize;
use serde_json::Value;

use super::serve_flags::ServeFlags;

/// The cache backends `--cache-backend` accepts (`none` is the default).
pub const CACHE_BACKENDS: &[&str] = &["none", "tea_cache", "cache_dit", "mag_cache", "sea_cache", "step_cache"];

/// The quantization methods `--quantization` accepts: vLLM's list plus vLLM-Omni's diffusion
/// methods.
pub const QUANTIZATION_METHODS: &[&str] = &[
    "fp8",
    "int8",
    "mxfp8",
    "mxfp4",
    "mxfp4_dualscale",
    "gguf",
    "modelopt",
    "modelopt_fp4",
    "auto-round",
    "bitsandbytes",
    "torchao",
    "awq",
    "awq_marlin",
    "gptq",
    "gptq_marlin",
    "compressed-tensors",
    "fbgemm_fp8",
    "ptpc_fp8",
    "experts_int8",
    "quark",
    "inc",
    "moe_wna16",
];

/// How the model is offloaded to CPU memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Offload {
    /// Everything stays on the GPU.
    None,
    /// `--enable-cpu-offload`: the DiT and the encoders take turns on the GPU.
    Module,
    /// `--enable-layerwise-offload`: one transformer block on the GPU at a time.
    Layerwise,
}

/// The diffusion features a server was started with, as the mock understood them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffusionFeatures {
    /// `--cache-backend`.
    pub cache_backend: String,
    /// The quantization method, from `--quantization` or `--diffusion-quantization-config`.
    pub quantization: Option<String>,
    /// The GGUF transformer weights, for GGUF.
    pub gguf_model: Option<String>,
    /// CPU offload.
    pub offload: Offload,
    /// Ulysses sequence-parallel degree.
    pub ulysses_degree: u32,
    /// Ring sequence-parallel degree.
    pub ring_degree: u32,
    /// CFG-parallel size.
    pub cfg_parallel_size: u32,
    /// Tensor-parallel size.
    pub tensor_parallel_size: u32,
    /// VAE patch-parallel size.
    pub vae_patch_parallel_size: u32,
    /// HSDP `(shard, replicate)` sizes, when HSDP is on.
    pub hsdp: Option<(u32, u32)>,
    /// The diffusion world size: the GPUs the pipeline runs on.
    pub world_size: u32,
}

/// A serve flag whose value vLLM-Omni would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagProblem {
    /// The flag, as written (`--usp`).
    pub flag: String,
    /// Its value.
    pub value: String,
    /// What is wrong.
    pub problem: String,
}

impl FlagProblem {
    fn new(flag: &str, value: impl ToString, problem: impl Into<String>) -> FlagProblem {
        FlagProblem { flag: flag.to_owned(), value: value.to_string(), problem: problem.into() }
    }
}

fn text<'a>(flags: &'a ServeFlags, key: &str) -> Option<&'a str> {
    flags.get(key).and_then(Value::as_str)
}

fn switch(flags: &ServeFlags, key: &str) -> bool {
    flags.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// An integer flag, as argparse's `type=int` reads it.
fn integer(flags: &ServeFlags, key: &str) -> Result<Option<i64>, FlagProblem> {
    match text(flags, key) {
        None => Ok(None),
        Some(value) => value
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| FlagProblem::new(&format!("--{key}"), value, format!("invalid int value: '{value}'"))),
    }
}

/// A parallel size: an integer above 0, 1 when absent.
fn size(flags: &ServeFlags, key: &str, what: &str) -> Result<u32, FlagProblem> {
    match integer(flags, key)? {
        None => Ok(1),
        Some(n) if n > 0 && n <= i64::from(u32::MAX) => Ok(n as u32),
        Some(n) => Err(FlagProblem::new(&format!("--{key}"), n, format!("{what} must be > 0"))),
    }
}

fn choice(flags: &ServeFlags, key: &str, choices: &[&str]) -> Result<(), FlagProblem> {
    match text(flags, key) {
        Some(value) if !choices.contains(&value) => Err(FlagProblem::new(
            &format!("--{key}"),
            value,
            format!("invalid choice: '{value}' (choose from {})", quoted(choices)),
        )),
        _ => Ok(()),
    }
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

/// Checks the flags every `vllm serve` parses, whatever the model: integer types and choices.
pub fn check_common(flags: &ServeFlags) -> Result<(), FlagProblem> {
    for key in [
        "usp",
        "ring",
        "cfg-parallel-size",
        "tensor-parallel-size",
        "vae-patch-parallel-size",
        "hsdp-shard-size",
        "hsdp-replicate-size",
        "text-encoder-tp-size",
        "num-gpus",
    ] {
        integer(flags, key)?;
    }
    choice(flags, "quantization", QUANTIZATION_METHODS)?;
    choice(flags, "vae-parallel-mode", &["tile", "spatial_shard_height", "spatial_shard_width"])?;
    choice(flags, "ulysses-mode", &["strict", "advanced_uaa"])?;
    choice(flags, "worker-backend", &["multi_process", "ray"])?;
    if let Some(value) = text(flags, "diffusion-quantization-config") {
        serde_json::from_str::<Value>(value).map_err(|err| {
            FlagProblem::new("--diffusion-quantization-config", value, format!("invalid loads value: {err}"))
        })?;
    }
    Ok(())
}

/// Checks the diffusion features of a diffusion model's server and returns what they amount to.
pub fn check(flags: &ServeFlags) -> Result<DiffusionFeatures, FlagProblem> {
    check_common(flags)?;
    let cache_backend = text(flags, "cache-backend").unwrap_or("none").to_owned();
    if !CACHE_BACKENDS.contains(&cache_backend.as_str()) {
        return Err(FlagProblem::new(
            "--cache-backend",
            &cache_backend,
            format!("unknown cache backend '{cache_backend}' (valid: {})", CACHE_BACKENDS.join(", ")),
        ));
    }
    let (quantization, gguf_model) = quantization(flags)?;
    let offload = if switch(flags, "enable-layerwise-offload") {
        Offload::Layerwise
    } else if switch(flags, "enable-cpu-offload") {
        Offload::Module
    } else {
        Offload::None
    };
    let ulysses_degree = size(flags, "usp", "Ulysses degree")?;
    let ring_degree = size(flags, "ring", "Ring degree")?;
    let cfg_parallel_size = size(flags, "cfg-parallel-size", "CFG parallel size")?;
    let tensor_parallel_size = size(flags, "tensor-parallel-size", "Tensor parallel size")?;
    let vae_patch_parallel_size = size(flags, "vae-patch-parallel-size", "VAE patch parallel size")?;
    let others = tensor_parallel_size * ulysses_degree * ring_degree * cfg_parallel_size;
    let (hsdp, world_size) =
        if switch(flags, "use-hsdp") { hsdp_layout(flags, tensor_parallel_size, others)? } else { (None, others) };
    if let Some(gpus) = integer(flags, "num-gpus")? {
        let ok = match hsdp {
            Some(_) => gpus == i64::from(world_size),
            None => gpus > 0 && gpus % i64::from(world_size) == 0,
        };
        if !ok {
            let problem = match hsdp {
                Some((shard, replicate)) => {
                    format!("WORLD size ({gpus}) must equal HSDP size ({replicate} x {shard} = {world_size})")
                }
                None => format!("WORLD size ({gpus}) must be divisible by non-DP parallel size ({world_size})"),
            };
            return Err(FlagProblem::new("--num-gpus", gpus, problem));
        }
    }
    let world = integer(flags, "num-gpus")?.map_or(world_size, |g| g as u32);
    if vae_patch_parallel_size > world {
        return Err(FlagProblem::new(
            "--vae-patch-parallel-size",
            vae_patch_parallel_size,
            format!("vae_patch_parallel_size ({vae_patch_parallel_size}) cannot exceed diffusion world_size ({world})"),
        ));
    }
    if !world.is_multiple_of(vae_patch_parallel_size) {
        return Err(FlagProblem::new(
            "--vae-patch-parallel-size",
            vae_patch_parallel_size,
            format!(
                "vae_patch_parallel_size ({vae_patch_parallel_size}) must evenly divide diffusion world_size ({world})"
            ),
        ));
    }
    Ok(DiffusionFeatures {
        cache_backend,
        quantization,
        gguf_model,
        offload,
        ulysses_degree,
        ring_degree,
        cfg_parallel_size,
        tensor_parallel_size,
        vae_patch_parallel_size,
        hsdp,
        world_size: world,
    })
}

/// The quantization method and GGUF file, from either flag.
fn quantization(flags: &ServeFlags) -> Result<(Option<String>, Option<String>), FlagProblem> {
    let flag = text(flags, "quantization");
    let config = text(flags, "diffusion-quantization-config");
    match (flag, config) {
        (Some(method), Some(config)) => Err(FlagProblem::new(
            "--diffusion-quantization-config",
            config,
            format!(
                "cannot be combined with --quantization {method}: both set the diffusion quantization_config \
                 (vLLM-Omni: \"Diffusion config fields 'diffusion_quantization_config' and 'quantization_config' \
                 cannot both be provided.\")"
            ),
        )),
        (Some("gguf"), None) => Err(FlagProblem::new(
            "--quantization",
            "gguf",
            "GGUF loads pre-quantized transformer weights and needs their file: pass \
             --diffusion-quantization-config '{\"method\":\"gguf\",\"gguf_model\":\"<file.gguf or repo:quant_type>\"}'",
        )),
        (Some(method), None) => Ok((Some(method.to_owned()), None)),
        (None, Some(config)) => {
            let bad = |problem: String| FlagProblem::new("--diffusion-quantization-config", config, problem);
            let json: Value = serde_json::from_str(config).map_err(|err| bad(format!("invalid loads value: {err}")))?;
            let object = json.as_object().ok_or_else(|| bad("expected a JSON object".into()))?;
            let method = object
                .get("method")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("the quantization config names no \"method\"".into()))?;
            if !QUANTIZATION_METHODS.contains(&method) {
                return Err(bad(format!(
                    "unknown quantization method '{method}' (choose from {})",
                    quoted(QUANTIZATION_METHODS)
                )));
            }
            let gguf_model = object.get("gguf_model").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
            if method == "gguf" && gguf_model.is_none() {
                return Err(bad(
                    "method \"gguf\" needs \"gguf_model\": a local .gguf file, repo/file.gguf, or repo:quant_type"
                        .into(),
                ));
            }
            Ok((Some(method.to_owned()), gguf_model.map(str::to_owned)))
        }
        (None, None) => Ok((None, None)),
    }
}

/// HSDP's `(shard, replicate)` sizes and the resulting world size, given the product of the
/// other parallel sizes.
fn hsdp_layout(
    flags: &ServeFlags,
    tensor_parallel: u32,
    others: u32,
) -> Result<(Option<(u32, u32)>, u32), FlagProblem> {
    if tensor_parallel > 1 {
        return Err(FlagProblem::new("--use-hsdp", true, "HSDP (FSDP2) is not compatible with TP"));
    }
    let replicate = size(flags, "hsdp-replicate-size", "HSDP replicate size")?;
    match integer(flags, "hsdp-shard-size")?.unwrap_or(-1) {
        -1 => {
            if others == 1 {
                return Err(FlagProblem::new(
                    "--hsdp-shard-size",
                    -1,
                    "Cannot auto-calculate hsdp_shard_size when other parallelism is all 1. \
                     Please specify hsdp_shard_size explicitly for standalone HSDP.",
                ));
            }
            if !others.is_multiple_of(replicate) {
                return Err(FlagProblem::new(
                    "--hsdp-replicate-size",
                    replicate,
                    format!(
                        "Invalid HSDP configuration: replicate_size ({replicate}) must evenly divide world_size ({others}) when shard_size is -1."
                    ),
                ));
            }
            Ok((Some((others / replicate, replicate)), others))
        }
        shard if shard > 0 => {
            let shard = shard as u32;
            let hsdp_world = shard * replicate;
            if others == 1 {
                Ok((Some((shard, replicate)), hsdp_world))
            } else if hsdp_world == others {
                Ok((Some((shard, replicate)), others))
            } else {
                Err(FlagProblem::new(
                    "--hsdp-shard-size",
                    shard,
                    format!(
                        "HSDP dimensions ({replicate} × {shard} = {hsdp_world}) must equal world_size from other parallelism ({others})"
                    ),
                ))
            }
        }
        other => Err(FlagProblem::new("--hsdp-shard-size", other, "HSDP shard size must be > 0 (or -1 for auto)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::serve_flags;

    fn features(args: &str) -> Result<DiffusionFeatures, FlagProblem> {
        let args: Vec<String> = shlex::split(args).unwrap();
        check(&serve_flags::parse(&args).unwrap())
    }

    fn problem(args: &str) -> String {
        let err = features(args).unwrap_err();
        format!("{} {}: {}", err.flag, err.value, err.problem)
    }

    #[test]
    fn the_six_h100_combinations_are_accepted() {
        let single = features("--cache-backend tea_cache --enable-layerwise-offload --diffusion-quantization-config '{\"method\":\"gguf\",\"gguf_model\":\"QuantStack/Qwen-Image-GGUF:Q4_K_M\"}'").unwrap();
        assert_eq!((single.offload, single.world_size), (Offload::Layerwise, 1));
        assert_eq!(
            (single.quantization.as_deref(), single.gguf_model.as_deref()),
            (Some("gguf"), Some("QuantStack/Qwen-Image-GGUF:Q4_K_M"))
        );
        assert_eq!(features("--cache-backend cache_dit --usp 2 --quantization fp8").unwrap().world_size, 2);
        assert_eq!(features("--cache-backend cache_dit --ulysses-degree 2").unwrap().ulysses_degree, 2);
        assert_eq!(features("--cache-backend cache_dit --ring 2").unwrap().ring_degree, 2);
        assert_eq!(
            features("--cache-backend tea_cache --cfg-parallel-size 2 --quantization fp8").unwrap().world_size,
            2
        );
        let tp =
            features("--cache-backend cache_dit --tensor-parallel-size 2 --vae-patch-parallel-size 2 --vae-use-tiling")
                .unwrap();
        assert_eq!((tp.world_size, tp.vae_patch_parallel_size), (2, 2));
        let hsdp =
            features("--cache-backend cache_dit --use-hsdp --hsdp-shard-size 2 --vae-patch-parallel-size 2").unwrap();
        assert_eq!((hsdp.hsdp, hsdp.world_size), (Some((2, 1)), 2));
    }

    #[test]
    fn unknown_backends_and_methods_are_refused() {
        assert_eq!(
            problem("--cache-backend teacache"),
            "--cache-backend teacache: unknown cache backend 'teacache' (valid: none, tea_cache, cache_dit, mag_cache, sea_cache, step_cache)"
        );
        assert!(
            problem("--quantization fp9").starts_with("--quantization fp9: invalid choice: 'fp9' (choose from 'fp8', ")
        );
        assert!(problem("--quantization gguf").contains("needs their file"));
        assert!(problem("--diffusion-quantization-config '{\"method\":\"gguf\"}'").contains("needs \"gguf_model\""));
        assert!(
            problem("--diffusion-quantization-config '{\"method\":\"q3\"}'")
                .contains("unknown quantization method 'q3'")
        );
        assert!(problem("--diffusion-quantization-config 'gguf'").contains("invalid loads value"));
        assert!(
            problem("--quantization fp8 --diffusion-quantization-config '{\"method\":\"fp8\"}'")
                .contains("cannot be combined")
        );
    }

    #[test]
    fn parallel_sizes_are_positive_integers() {
        assert_eq!(problem("--usp two"), "--usp two: invalid int value: 'two'");
        assert_eq!(problem("--ring 0"), "--ring 0: Ring degree must be > 0");
        assert_eq!(problem("--cfg-parallel-size -2"), "--cfg-parallel-size -2: CFG parallel size must be > 0");
        assert_eq!(
            problem("--vae-parallel-mode rows"),
            "--vae-parallel-mode rows: invalid choice: 'rows' (choose from 'tile', 'spatial_shard_height', 'spatial_shard_width')"
        );
    }

    #[test]
    fn layouts_must_add_up() {
        assert_eq!(
            problem("--tensor-parallel-size 2 --vae-patch-parallel-size 4"),
            "--vae-patch-parallel-size 4: vae_patch_parallel_size (4) cannot exceed diffusion world_size (2)"
        );
        assert!(problem("--usp 3 --vae-patch-parallel-size 2").contains("must evenly divide diffusion world_size (3)"));
        assert!(problem("--use-hsdp --tensor-parallel-size 2").contains("not compatible with TP"));
        assert!(problem("--use-hsdp").contains("Cannot auto-calculate hsdp_shard_size"));
        assert!(
            problem("--use-hsdp --usp 2 --hsdp-shard-size 4")
                .contains("(1 × 4 = 4) must equal world_size from other parallelism (2)")
        );
        assert_eq!(features("--use-hsdp --usp 2").unwrap().hsdp, Some((2, 1)));
        assert!(
            problem("--usp 2 --num-gpus 3").contains("WORLD size (3) must be divisible by non-DP parallel size (2)")
        );
        assert_eq!(features("--usp 2 --num-gpus 4").unwrap().world_size, 4);
        assert_eq!(features("--num-gpus 1").unwrap().world_size, 1);
    }
}
