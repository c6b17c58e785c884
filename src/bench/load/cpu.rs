//! What the load generator costs: CPU time of the process or one thread, and peak memory.

use nix::time::{ClockId, clock_gettime};

fn seconds(clock: ClockId) -> f64 {
    clock_gettime(clock).map_or(0.0, |t| t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9)
}

/// CPU seconds (user and system) the calling thread has used.
pub fn thread_cpu_s() -> f64 {
    seconds(ClockId::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU seconds (user and system) this process has used, all threads.
pub fn process_cpu_s() -> f64 {
    seconds(ClockId::CLOCK_PROCESS_CPUTIME_ID)
}

/// CPU seconds of another process, from `/proc/PID/stat` (10 ms resolution).
pub fn pid_cpu_s(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100) as f64;
    // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
    Some((ticks(11)? + ticks(12)?) / hz)
}

/// The process's peak resident memory (`VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Pins every thread of process `pid` to `cpu` (threads it starts later inherit the affinity of
/// the thread that starts them). Best effort: returns how many threads were pinned.
pub fn pin_process(pid: u32, cpu: usize) -> usize {
    let Some(set) = only(cpu) else { return 0 };
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .filter_map(|task| task.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&tid| nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(tid), &set).is_ok())
        .count()
}

/// Pins the calling thread to `cpu` (best effort: an affinity the machine refuses is ignored).
pub fn pin_current_thread(cpu: usize) {
    if let Some(set) = only(cpu) {
        let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set);
    }
}

/// The set holding only `cpu`; `None` when the set cannot hold it.
fn only(cpu: usize) -> Option<nix::sched::CpuSet> {
    let mut set = nix::sched::CpuSet::new();
    set.set(cpu).ok()?;
    Some(set)
}

/// The CPUs this process may run on.
pub fn available_cpus() -> Vec<usize> {
    nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0))
        .map(|set| (0..nix::sched::CpuSet::count()).filter(|&cpu| set.is_set(cpu).unwrap_or(false)).collect())
        .unwrap_or_default()
}

/// On a machine with at least two CPUs, keeps the embedded mock (process `pid`) and the load
/// generator apart: the mock on the last CPU, the generator on the first. Returns the
/// generator's CPU, or `None` when there is only one (then nothing is pinned).
pub fn separate_from_mock(pid: u32) -> Option<usize> {
    let cpus = available_cpus();
    let (&first, &last) = (cpus.first()?, cpus.last()?);
    (first != last && pin_process(pid, last) > 0).then_some(first)
}

/// Raises the open-file limit to its hard maximum: each concurrent stream holds a socket.
pub fn raise_open_file_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < hard
    {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work_and_memory_is_known() {
        let before = thread_cpu_s();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(thread_cpu_s() > before);
        assert!(process_cpu_s() >= thread_cpu_s() - 1e-6);
        assert!(peak_rss_bytes().is_some_and(|b| b > 0));
        assert!(pid_cpu_s(std::process::id()).is_some());
    }
}
