//! Port of `tests/e2e/offline_inference/test_diffusion_layerwise_offload.py`: layerwise offload
//! (one transformer block on the card at a time) keeps Stable Audio's output and lowers peak GPU
//! memory, by 1.5 GB for Stable Audio and 4.5 GB for a random-weight Qwen-Image.

use omnitest::prelude::*;

use super::common::{check_audio_close, single_audio};

const AUDIO_MODEL: &str = "stabilityai/stable-audio-open-1.0";
const IMAGE_MODEL: &str = "riverclouds/qwen_image_random";

static AUDIO_RESIDENT: Scenario = Scenario::offline(AUDIO_MODEL).id("audio_resident");
static AUDIO_LAYERWISE: Scenario =
    Scenario::offline(AUDIO_MODEL).args(&["--extra", r#"{"enable_layerwise_offload": true}"#]).id("audio_layerwise");
static IMAGE_RESIDENT: Scenario = Scenario::offline(IMAGE_MODEL)
    .args(&["--extra", r#"{"boundary_ratio": 0.875, "flow_shift": 5.0}"#])
    .id("image_resident");
static IMAGE_LAYERWISE: Scenario = Scenario::offline(IMAGE_MODEL)
    .args(&["--extra", r#"{"boundary_ratio": 0.875, "flow_shift": 5.0, "enable_layerwise_offload": true}"#])
    .id("image_layerwise");

fn audio_request() -> OfflineRequest {
    OfflineRequest::diffusion("A cat sitting on a table").steps(3).guidance_scale(1.0).seed(42)
}

fn image_request() -> OfflineRequest {
    OfflineRequest::diffusion("A cat sitting on a table").size(640, 480).steps(3).guidance_scale(1.0).seed(42)
}

/// Peak GPU memory while `scenario`'s engine starts and answers `request`, in MiB.
fn peak_mib(ctx: &TestContext, scenario: &'static Scenario, request: &OfflineRequest) -> Result<u64, TestError> {
    let monitor = GpuMemoryMonitor::start()?;
    let out = ctx.output_dir()?.join(scenario.id);
    ctx.with_runner(scenario, |runner| runner.send(request, &out))?;
    Ok(monitor.stop()?.peak_mib)
}

fn check_saving(resident: u64, layerwise: u64, expected: u64, model: &str) -> TestResult {
    check!(
        layerwise + expected < resident,
        "{model}: layerwise offload peaked at {layerwise} MiB, not {expected} MiB below the resident {resident} MiB"
    );
    Ok(())
}

omni_test! {
    /// Stable Audio with and without layerwise offload: the clips agree within 1e-2 (blocks moved
    /// over PCIe on a side stream may change the GEMM algorithms chosen, by a few ULPs).
    /// Deploy Setting: enable_layerwise_offload false, then true
    /// Input Modal: text
    /// Output Modal: audio
    /// Input Setting: 3 steps, guidance 1.0, seed 42
    /// Datasets: single request per configuration
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4")]
    fn test_layerwise_offload_keeps_the_audio_001(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let resident = ctx.with_runner(&AUDIO_RESIDENT, |runner| runner.send(&audio_request(), &out.join("resident")))?;
        let layerwise =
            ctx.with_runner(&AUDIO_LAYERWISE, |runner| runner.send(&audio_request(), &out.join("layerwise")))?;
        check_audio_close(single_audio(&resident)?, single_audio(&layerwise)?, 1e-2, "layerwise vs resident")
    }

    /// Stable Audio saves more than 1.5 GB of peak GPU memory with layerwise offload.
    /// Deploy Setting: enable_layerwise_offload false, then true
    /// Input Modal: text
    /// Output Modal: audio
    /// Input Setting: 3 steps, guidance 1.0, seed 42
    /// Datasets: single request per configuration
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4", rocm = "MI325")]
    #[needs(gpu_memory)]
    fn test_layerwise_offload_saves_memory_001(ctx: &TestContext) -> TestResult {
        let resident = peak_mib(ctx, &AUDIO_RESIDENT, &audio_request())?;
        let layerwise = peak_mib(ctx, &AUDIO_LAYERWISE, &audio_request())?;
        check_saving(resident, layerwise, 1500, AUDIO_MODEL)
    }

    /// A random-weight Qwen-Image saves more than 4.5 GB of peak GPU memory with layerwise
    /// offload (no threshold is set for ROCm, so CUDA only).
    /// Deploy Setting: boundary_ratio 0.875, flow_shift 5.0; enable_layerwise_offload false, then true
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 640x480, 3 steps, guidance 1.0, seed 42
    /// Datasets: single request per configuration
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4")]
    #[needs(gpu_memory)]
    fn test_layerwise_offload_saves_memory_002(ctx: &TestContext) -> TestResult {
        let resident = peak_mib(ctx, &IMAGE_RESIDENT, &image_request())?;
        let layerwise = peak_mib(ctx, &IMAGE_LAYERWISE, &image_request())?;
        check_saving(resident, layerwise, 4500, IMAGE_MODEL)
    }
}
