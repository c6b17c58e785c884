//! Which backend serves the scenarios, and what it can do.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::registry::Capability;

/// The backend asked for with `--backend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// vllm-omni when `vllm` is on PATH, the mock otherwise.
    Auto,
    /// The embedded mock server: no GPU, deterministic, fault modes on demand.
    Mock,
    /// Real `vllm serve … --omni` servers.
    #[value(name = "vllm-omni")]
    VllmOmni,
    /// A server already running at `--server-url`, for every scenario.
    External,
}

/// The backend a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded mock server.
    Mock,
    /// Real vLLM-Omni servers.
    VllmOmni,
    /// An already-running server.
    External,
}

/// The backend and why it was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedBackend {
    /// The backend.
    pub backend: Backend,
    /// How it was chosen, for the header ("--backend", or what `auto` found).
    pub reason: String,
}

impl BackendChoice {
    /// Resolves `auto` by looking for `vllm` on `path` (the `PATH` variable's value).
    pub fn resolve(self, path: Option<&str>) -> ResolvedBackend {
        let chosen = |backend, reason: &str| ResolvedBackend { backend, reason: reason.to_owned() };
        match self {
            BackendChoice::Mock => chosen(Backend::Mock, "--backend"),
            BackendChoice::VllmOmni => chosen(Backend::VllmOmni, "--backend"),
            BackendChoice::External => chosen(Backend::External, "--backend"),
            BackendChoice::Auto => match find_executable("vllm", path) {
                Some(vllm) => {
                    ResolvedBackend { backend: Backend::VllmOmni, reason: format!("auto: found {}", vllm.display()) }
                }
                None => chosen(Backend::Mock, "auto: `vllm` is not on PATH"),
            },
        }
    }
}

impl Backend {
    /// The backend's name, as `--backend` spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Mock => "mock",
            Backend::VllmOmni => "vllm-omni",
            Backend::External => "external",
        }
    }

    /// Whether tests need the accelerators their hardware requirement names. Only the mock
    /// runs everything on a CPU.
    pub const fn needs_hardware(self) -> bool {
        !matches!(self, Backend::Mock)
    }

    /// Why the backend cannot give a test `capability`, or `None` when it can. `asr_configured`
    /// says whether `OMNITEST_ASR_URL` names a speech-recognition server; `gpus` is the number
    /// of GPUs this machine has.
    pub fn lacks(self, capability: Capability, asr_configured: bool, gpus: u32) -> Option<String> {
        let lacking = match (capability, self) {
            (Capability::RealModel, Backend::Mock) => Some("the mock backend has no real model".to_owned()),
            (Capability::RealModel, _) => None,
            (Capability::RealAsr, Backend::Mock) => Some("the mock transcribes only its own speech".to_owned()),
            (Capability::RealAsr, _) if !asr_configured => {
                Some("OMNITEST_ASR_URL names no speech-recognition server".to_owned())
            }
            (Capability::RealAsr, _) => None,
            (Capability::Transcription, Backend::Mock) => None,
            (Capability::Transcription, _) if !asr_configured => {
                Some("OMNITEST_ASR_URL names no speech-recognition server".to_owned())
            }
            (Capability::Transcription, _) => None,
            (Capability::LocalProcess, Backend::External) => {
                Some("an external server is not a process of this machine".to_owned())
            }
            (Capability::LocalProcess, _) => None,
            (Capability::GpuMemory, Backend::Mock) => Some("the mock holds no GPU memory".to_owned()),
            (Capability::GpuMemory, _) if gpus == 0 => Some("no GPU was found".to_owned()),
            (Capability::GpuMemory, _) => None,
        };
        lacking.map(|why| format!("needs {}: {why}", capability.description()))
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The first executable file called `name` in the `PATH`-style list.
pub fn find_executable(name: &str, path: Option<&str>) -> Option<PathBuf> {
    std::env::split_paths(path?).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_the_mock_without_vllm() {
        let resolved = BackendChoice::Auto.resolve(Some("/nonexistent"));
        assert_eq!(resolved.backend, Backend::Mock);
        assert_eq!(resolved.reason, "auto: `vllm` is not on PATH");
    }

    #[test]
    fn auto_picks_vllm_omni_when_vllm_is_installed() {
        let dir = std::env::temp_dir().join(format!("omnitest-backend-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let vllm = dir.join("vllm");
        std::fs::write(&vllm, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&vllm, std::fs::Permissions::from_mode(0o755)).unwrap();
        let resolved = BackendChoice::Auto.resolve(dir.to_str());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(resolved.backend, Backend::VllmOmni);
    }

    #[test]
    fn capabilities_follow_the_backend() {
        assert!(Backend::Mock.lacks(Capability::RealModel, true, 8).is_some());
        assert!(Backend::VllmOmni.lacks(Capability::RealModel, false, 0).is_none());
        assert_eq!(
            Backend::VllmOmni.lacks(Capability::RealAsr, false, 1).as_deref(),
            Some("needs speech recognition of arbitrary audio: OMNITEST_ASR_URL names no speech-recognition server")
        );
        assert!(Backend::External.lacks(Capability::LocalProcess, true, 0).is_some());
        assert!(Backend::Mock.lacks(Capability::GpuMemory, false, 1).is_some());
        assert!(Backend::VllmOmni.lacks(Capability::GpuMemory, false, 1).is_none());
        assert!(Backend::VllmOmni.lacks(Capability::GpuMemory, false, 0).is_some());
    }
}
