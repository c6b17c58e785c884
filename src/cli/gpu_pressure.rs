//! `omnitest gpu-pressure`: the GPU memory-pressure sidecar (see
//! [`crate::fixtures::faults::gpu_pressure`]). Hidden: reliability tests start it.

use std::io::{Read, Write};
use std::process::ExitCode;

use crate::fixtures::faults::cuda;

/// `omnitest gpu-pressure` flags.
#[derive(clap::Args, Debug)]
pub(crate) struct GpuPressureArgs {
    /// The CUDA device ordinal (counted among CUDA_VISIBLE_DEVICES).
    #[arg(long, default_value_t = 0)]
    device: u32,
    /// The fraction of the device's memory that must be in use, in (0, 1].
    #[arg(long)]
    ratio: f64,
}

/// Allocates, says `READY <ratio in use>`, then holds the memory until stdin closes or a signal
/// ends the process.
pub(crate) fn run(args: &GpuPressureArgs) -> ExitCode {
    let held = match cuda::hold_until_used(args.device, args.ratio) {
        Ok(held) => held,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "omnitest gpu-pressure: device {} holds {} MiB of {} MiB; {:.3} in use (target {})",
        args.device,
        held.held_bytes / (1024 * 1024),
        held.total_bytes / (1024 * 1024),
        held.used_ratio,
        args.ratio
    );
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "READY {:.4}", held.used_ratio).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    // Whoever started us holds our stdin: when it closes (or its owner dies), we let go.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
