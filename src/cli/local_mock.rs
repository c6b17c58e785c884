//! The mock started by the `omnitest bench` self-benchmarks: this binary's `mock-server` on one
//! CPU of its own, so that its work and the client's are measured apart.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::fixtures::process::{ManagedProcess, ProcessSpec};
use crate::fixtures::readiness::{Probe, probe};

/// A running mock, stopped (and its folder removed) when dropped.
pub(crate) struct LocalMock {
    process: ManagedProcess,
    url: String,
    dir: PathBuf,
}

impl LocalMock {
    /// Starts `omnitest mock-server MODEL ARGS` pinned to `cpu` and waits until it is healthy.
    pub(crate) fn start(model: &str, args: &[String], cpu: usize) -> Result<LocalMock, String> {
        let program = std::env::current_exe().map_err(|e| format!("cannot find the omnitest binary: {e}"))?;
        let dir = std::env::temp_dir().join(format!("omnitest-local-mock-{}-{cpu}", std::process::id()));
        let url_file = dir.join("url");
        let mut all_args = vec!["mock-server".to_owned(), model.to_owned()];
        all_args.extend(args.iter().cloned());
        all_args.extend(["--port", "0", "--port-file"].map(str::to_owned));
        all_args.push(url_file.display().to_string());
        let spec = ProcessSpec { cpus: Some(vec![cpu]), ..ProcessSpec::new(program, all_args, dir.join("mock.log")) };
        let process = ManagedProcess::spawn(&spec).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = process.exit_status() {
                return Err(format!("the mock exited ({status}):\n{}", process.log_tail(20)));
            }
            if let Ok(url) = std::fs::read_to_string(&url_file)
                && probe(url.trim()) == Probe::Healthy
            {
                return Ok(LocalMock { url: url.trim().to_owned(), process, dir });
            }
            if Instant::now() > deadline {
                process.terminate(Duration::from_secs(5));
                return Err("the mock did not become ready within 30 s".to_owned());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its base URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Its process id.
    pub(crate) fn pid(&self) -> u32 {
        self.process.pid()
    }
}

impl Drop for LocalMock {
    fn drop(&mut self) {
        self.process.terminate(Duration::from_secs(5));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The CPUs of a self-benchmark: the mock on the last CPU this process may use, the client on
/// the first; both the same when there is only one.
pub(crate) fn mock_and_client_cpus() -> (usize, usize) {
    let cpus = crate::bench::load::cpu::available_cpus();
    (cpus.last().copied().unwrap_or(0), cpus.first().copied().unwrap_or(0))
}
