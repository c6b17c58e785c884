//! The server's process tree read from `/proc`: resident memory, open file descriptors and
//! threads, summed over the root and every descendant or member of its process group (the API
//! server, engine cores, workers), as a leak in any of them is the server's leak.

use crate::fixtures::process::process_tree;

/// What the process tree holds at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TreeUsage {
    /// Processes in the tree.
    pub processes: u32,
    /// Resident memory, summed (pages shared between processes count once per process), in MB.
    pub rss_mb: f64,
    /// Open file descriptors, summed.
    pub fds: u64,
    /// Threads, summed.
    pub threads: u64,
}

/// The usage of `root`'s tree; `None` when `root` is gone.
pub fn tree_usage(root: u32) -> Option<TreeUsage> {
    let mut usage = TreeUsage::default();
    for pid in process_tree(root) {
        // A process may exit between the listing and the reading: it no longer holds anything.
        let Some((rss_kib, threads)) = status_of(pid) else {
            if pid == root {
                return None;
            }
            continue;
        };
        usage.processes += 1;
        usage.rss_mb += rss_kib as f64 / 1000.0 * 1.024;
        usage.threads += threads;
        usage.fds += std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |entries| entries.count() as u64);
    }
    Some(usage)
}

/// `VmRSS` (KiB) and `Threads` of `/proc/PID/status`; a zombie has no `VmRSS` and reads as zero.
fn status_of(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(parse_status(&status))
}

fn parse_status(status: &str) -> (u64, u64) {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("Threads:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read() {
        let status = "Name:\tvllm\nVmPeak:\t  900 kB\nVmRSS:\t  123456 kB\nThreads:\t17\n";
        assert_eq!(parse_status(status), (123_456, 17));
        assert_eq!(parse_status("Name:\tzombie\nThreads:\t1\n"), (0, 1));
    }

    #[test]
    fn this_process_has_memory_threads_and_files() {
        let usage = tree_usage(std::process::id()).expect("this process is alive");
        assert!(usage.processes >= 1 && usage.rss_mb > 1.0 && usage.threads >= 1 && usage.fds >= 3, "{usage:?}");
        assert_eq!(tree_usage(u32::MAX), None);
    }
}
