//! What the subcommands that run a config against its cases' servers (`bench CONFIG`, `soak`)
//! share: the launch environment of those servers and the exit status of a bad config.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::fixtures::LaunchEnv;
use crate::registry::Level;
use crate::selection::Backend;

/// Prints `message` as an error and gives exit status 2: the config or the command line is wrong.
pub(crate) fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// The launch environment of `config`'s servers on `backend`: logs under `output_dir`, deploy
/// configs in `deploy_dir` (default `baselines/deploy` beside the config's folder), every case
/// on `server_url` when given, and this binary as the mock.
pub(crate) fn launch_env(
    backend: Backend,
    config: &Path,
    output_dir: &Path,
    deploy_dir: Option<&Path>,
    server_url: Option<&str>,
) -> Arc<LaunchEnv> {
    let deploy_dir = deploy_dir.map_or_else(|| default_deploy_dir(config), Path::to_owned);
    let mut launch = LaunchEnv::new(backend, Level::FullModel, output_dir.to_owned(), deploy_dir);
    launch.server_url = server_url.map(str::to_owned);
    launch.mock_binary = std::env::current_exe().ok();
    Arc::new(launch)
}

/// `baselines/deploy` for a config in `baselines/perf` or `baselines/stability`.
fn default_deploy_dir(config: &Path) -> PathBuf {
    let folder = config.parent().unwrap_or(Path::new("."));
    folder.parent().unwrap_or(folder).join("deploy")
}
