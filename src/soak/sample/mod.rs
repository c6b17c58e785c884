//! The samplers of a soak, run every sample interval: the server's process tree, GPU memory
//! (through NVML, when the machine has a GPU), and the server's `/metrics`. A sampler that has
//! nothing to read (no local process, no GPU, no `/metrics`) leaves its columns empty; that is
//! not an error, and the verdict says which checks it could not make.
//!
//! | module | what |
//! |---|---|
//! | [`procfs`] | RSS, file descriptors and threads of the process tree |
//! | [`prometheus`] | `/metrics` reduced to the families a soak follows |

pub mod procfs;
pub mod prometheus;

use std::collections::BTreeMap;
use std::time::Duration;

pub use procfs::TreeUsage;

use super::window::WindowSummary;
use crate::fixtures::process::process_tree;
use crate::fixtures::{GpuProbe, GpuUsage};

/// One row of the time series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// Seconds since the load started.
    pub t_s: f64,
    /// Requests in flight when the sample was taken.
    pub in_flight: u64,
    /// The server's process tree; `None` without a local server process.
    pub tree: Option<TreeUsage>,
    /// GPU memory; `None` without a GPU.
    pub gpu: Option<GpuUsage>,
    /// The `/metrics` columns; `None` when the scrape failed.
    pub metrics: Option<BTreeMap<String, f64>>,
    /// The client's requests that finished since the previous sample.
    pub client: WindowSummary,
}

/// The samplers of one server.
#[derive(Debug)]
pub struct Samplers {
    pid: Option<u32>,
    gpu: Option<GpuProbe>,
    client: reqwest::Client,
    metrics_url: String,
    /// GPU failures seen, reported once each.
    gpu_errors: Vec<String>,
}

/// How long a `/metrics` scrape may take: a server too busy to answer it in time is itself worth
/// a gap in the series.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(2);

impl Samplers {
    /// Samplers for the server at `base_url`, whose process tree is rooted at `pid` when it runs
    /// here.
    pub fn new(base_url: &str, pid: Option<u32>) -> Samplers {
        Samplers {
            pid,
            gpu: GpuProbe::open(),
            client: reqwest::Client::builder().no_proxy().build().unwrap_or_default(),
            metrics_url: format!("{}/metrics", base_url.trim_end_matches('/')),
            gpu_errors: Vec::new(),
        }
    }

    /// The GPUs read, by NVML index; empty without a GPU.
    pub fn gpu_devices(&self) -> Vec<usize> {
        self.gpu.as_ref().map(|gpu| gpu.devices().to_vec()).unwrap_or_default()
    }

    /// The process tree and GPU memory now.
    pub fn resources(&mut self) -> (Option<TreeUsage>, Option<GpuUsage>) {
        let tree = self.pid.and_then(procfs::tree_usage);
        let gpu = self.gpu.as_ref().and_then(|gpu| {
            let pids = self.pid.map(process_tree).unwrap_or_default();
            match gpu.sample(&pids) {
                Ok(usage) => Some(usage),
                Err(error) => {
                    if !self.gpu_errors.contains(&error) {
                        eprintln!("warning: GPU memory not read: {error}");
                        self.gpu_errors.push(error);
                    }
                    None
                }
            }
        });
        (tree, gpu)
    }

    /// The server's `/metrics`, summed by sample name; `None` when it cannot be read.
    pub async fn metrics(&self) -> Option<BTreeMap<String, f64>> {
        let response = self.client.get(&self.metrics_url).timeout(SCRAPE_TIMEOUT).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        Some(prometheus::totals(&response.text().await.ok()?))
    }
}
