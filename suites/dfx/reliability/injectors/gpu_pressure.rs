//! The GPU memory-pressure sidecar: on a GPU it fills the device to its target, NVML sees the
//! memory go and come back, and a target it cannot reach is an error; without a GPU driver the
//! sidecar fails and the injector says so.

use std::time::{Duration, Instant};

use omnitest::fixtures::faults::{PressureError, cuda};
use omnitest::fixtures::gpu_memory::device_memory_mib;
use omnitest::prelude::*;

use crate::dfx::reliability::not_injected;

fn sidecar_binary(ctx: &TestContext) -> Result<&std::path::Path, TestError> {
    ctx.omnitest_binary().ok_or_else(|| TestError::harness("no omnitest binary to run the sidecar with"))
}

omni_test! {
    /// On GPU 0: the sidecar reaches 30 % more of the device than was in use (at most 90 %),
    /// NVML shows that memory used while it holds it and freed once it stops; a target of the
    /// whole device cannot be reached and is refused.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_gpu_pressure_sidecar_reaches_its_target(ctx: &TestContext) -> TestResult {
        if ctx.gpus() == 0 {
            return Err(TestError::ignored("needs a GPU: NVML finds none here"));
        }
        if !cuda::driver_available() {
            return Err(TestError::ignored("needs the CUDA driver: libcuda.so.1 cannot be loaded"));
        }
        let binary = sidecar_binary(ctx)?;
        let (used_before, total) = device_memory_mib(0).map_err(TestError::harness)?;
        let target = (used_before as f64 / total as f64 + 0.3).min(0.9);
        let pressure = GpuPressure::start(binary, ctx.output_dir()?, &PressureSpec::new(0, target))
            .map_err(not_injected)?;
        check!(pressure.achieved() >= target - 0.02, "READY {} for a target of {target}", pressure.achieved());
        let (used_during, _) = device_memory_mib(0).map_err(TestError::harness)?;
        check!(
            used_during as f64 >= total as f64 * (target - 0.03),
            "NVML shows {used_during} of {total} MiB used while the sidecar holds {target:.2} of it"
        );
        pressure.stop();
        let freed_below = used_before + total / 20;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (used, _) = device_memory_mib(0).map_err(TestError::harness)?;
            if used <= freed_below {
                break;
            }
            check!(
                Instant::now() < deadline,
                "{used} MiB still used 10 s after the sidecar stopped (before: {used_before})"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        match GpuPressure::start(binary, ctx.output_dir()?, &PressureSpec::new(0, 1.0)) {
            Err(PressureError::ShortOfTarget { achieved, .. }) => check!(achieved < 0.98, "{achieved}"),
            other => {
                let message = format!("the whole device cannot be had, yet the injector gave {other:?}");
                return Err(TestError::failure(message));
            }
        }
        Ok(())
    }

    /// Without the CUDA driver the sidecar cannot allocate: the injector reports its exit and
    /// the driver's absence, instead of pretending the pressure is on.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_gpu_pressure_without_a_driver_is_an_error(ctx: &TestContext) -> TestResult {
        if cuda::driver_available() {
            return Err(TestError::ignored("the CUDA driver is here: see test_gpu_pressure_sidecar_reaches_its_target"));
        }
        match GpuPressure::start(sidecar_binary(ctx)?, ctx.output_dir()?, &PressureSpec::new(0, 0.5)) {
            Err(PressureError::Exited { tail, .. }) => {
                check!(tail.contains("libcuda.so.1"), "the sidecar's log should name the driver: {tail}");
            }
            other => return Err(TestError::failure(format!("a sidecar without a driver must fail, got {other:?}"))),
        }
        Ok(())
    }
}
