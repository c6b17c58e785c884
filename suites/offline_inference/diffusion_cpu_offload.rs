//! Port of `tests/e2e/offline_inference/test_diffusion_cpu_offload.py`: module-wise CPU offload
//! keeps the output and lowers peak GPU memory by at least 2.5 GB on a random-weight Qwen-Image.

use omnitest::prelude::*;

use super::common::{cat_on_keyboard, check_images_close, single_image};

const MODEL: &str = "riverclouds/qwen_image_random";
static RESIDENT: Scenario = Scenario::offline(MODEL).id("no_offload");
static OFFLOADED: Scenario =
    Scenario::offline(MODEL).args(&["--extra", r#"{"enable_cpu_offload": true}"#]).id("cpu_offload");

/// The memory the original requires offloading to save, in MiB.
const EXPECTED_SAVING_MIB: u64 = 2500;

fn request() -> OfflineRequest {
    cat_on_keyboard(9)
}

omni_test! {
    /// Offloading moves weights, not results: the image matches the resident model's.
    /// Deploy Setting: enable_cpu_offload false, then true
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 9 steps, guidance 0, seed 42
    /// Datasets: single request per configuration
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4")]
    fn test_cpu_offload_keeps_the_image_001(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let resident = ctx.with_runner(&RESIDENT, |runner| runner.send(&request(), &out.join("resident")))?;
        let offloaded = ctx.with_runner(&OFFLOADED, |runner| runner.send(&request(), &out.join("offloaded")))?;
        check_images_close(single_image(&resident)?, single_image(&offloaded)?, 2e-2, 2e-1, "offloaded vs resident")
    }

    /// Peak GPU memory, sampled on the device while each engine starts and generates, drops by
    /// more than 2.5 GB with offloading.
    /// Deploy Setting: enable_cpu_offload false, then true
    /// Input Modal: text
    /// Output Modal: image
    /// Input Setting: 256x256, 9 steps, guidance 0, seed 42
    /// Datasets: single request per configuration
    #[levels(advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "L4")]
    #[needs(gpu_memory)]
    fn test_cpu_offload_saves_memory_001(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let peak = |scenario: &'static Scenario| -> Result<u64, TestError> {
            let monitor = GpuMemoryMonitor::start()?;
            ctx.with_runner(scenario, |runner| runner.send(&request(), &out.join(scenario.id)))?;
            Ok(monitor.stop()?.peak_mib)
        };
        let resident = peak(&RESIDENT)?;
        let offloaded = peak(&OFFLOADED)?;
        check!(
            offloaded + EXPECTED_SAVING_MIB < resident,
            "offloading peaked at {offloaded} MiB, not {EXPECTED_SAVING_MIB} MiB below the resident model's {resident} MiB"
        );
        Ok(())
    }
}
