//! The engine in a process of its own, as vLLM-Omni runs it: with `--engine-process` the mock
//! starts a child titled as vLLM-Omni titles its engine (`VLLM::EngineCore`, or
//! `vLLM-Omni::DiffusionWorker-0` for diffusion models) and, when that child dies, declares the
//! engine dead: `/health` answers 503 and requests fail with a 500, as after killing vLLM-Omni's
//! engine. Reliability tests find and kill it by its title, on the mock as on a GPU.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;

use nix::sys::signal::Signal;

use super::faults::Faults;
use super::profile::Profile;

/// The process title vLLM-Omni gives the engine of a model of `profile`.
pub fn title_for(profile: Profile) -> &'static str {
    match profile {
        Profile::QwenImage | Profile::ZImage | Profile::Wan22 | Profile::Bagel | Profile::StableAudio => {
            "vLLM-Omni::DiffusionWorker-0"
        }
        _ => "VLLM::EngineCore",
    }
}

/// Starts the engine process and a thread that marks the engine dead when it exits. Call from
/// the thread that lives as long as the server (the main thread): the child's death signal
/// fires when the thread that started it ends.
pub fn spawn(profile: Profile, faults: Arc<Faults>) -> std::io::Result<u32> {
    let parent = std::process::id();
    let mut command = Command::new(std::env::current_exe()?);
    command.arg0(title_for(profile)).arg("mock-engine").stdin(Stdio::piped()).stdout(Stdio::null());
    // SAFETY: prctl and getppid are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)?;
            if nix::unistd::getppid().as_raw() as u32 != parent {
                return Err(std::io::Error::other("the mock exited while starting its engine"));
            }
            Ok(())
        });
    }
    let mut child = command.spawn()?;
    let pid = child.id();
    std::thread::Builder::new().name("omnitest-mock-engine".into()).spawn(move || {
        // Holding the child's stdin keeps it alive; it exits on its own only if we do.
        let _stdin = child.stdin.take();
        let status = child.wait();
        eprintln!(
            "omnitest mock: the engine process {pid} exited ({}); the engine is dead",
            status.map_or_else(|e| e.to_string(), |s| s.to_string())
        );
        faults.kill_engine();
    })?;
    Ok(pid)
}

/// `omnitest mock-engine`: does nothing until its parent closes stdin (or dies).
pub fn run_child() -> ExitCode {
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
