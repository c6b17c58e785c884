//! Kills seen from outside: a pattern kill signals only the matching processes of the tree
//! (up to its limit), a tree kill leaves nothing, a root kill leaves orphans that the residue
//! check finds, and the mock's engine process dies by its vLLM-Omni title.

use std::time::{Duration, Instant};

use omnitest::fixtures::faults::procs::tree_of;
use omnitest::fixtures::faults::{KillError, ResidueError, kill_matching, kill_root, kill_tree};
use omnitest::fixtures::process::{ManagedProcess, ProcessSpec};
use omnitest::prelude::*;

use crate::dfx::reliability::not_injected;

/// Starts `sh -c script` in its own group and waits until its tree has `processes` processes.
fn start_tree(ctx: &TestContext, script: &str, processes: usize) -> Result<ManagedProcess, TestError> {
    let spec = ProcessSpec::new("sh", vec!["-c".to_owned(), script.to_owned()], ctx.output_dir()?.join("tree.log"));
    let process = ManagedProcess::spawn(&spec).map_err(not_injected)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while tree_of(process.pid()).len() < processes {
        if Instant::now() > deadline {
            return Err(TestError::harness(format!("`{script}` did not start {processes} processes")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(process)
}

fn commands(root: u32) -> Vec<String> {
    tree_of(root).into_iter().map(|p| p.command).collect()
}

omni_test! {
    /// A pattern matching one of three children kills that one only; a pattern matching two
    /// with a limit of one kills one; a pattern matching nothing is an error listing the tree.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_kill_by_pattern_kills_only_matching_processes(ctx: &TestContext) -> TestResult {
        let tree = start_tree(ctx, "sleep 301 & sleep 302 & sleep 303 & wait", 4)?;
        let root = tree.pid();
        let report = kill_matching(root, &KillSpec::pattern("sleep 302"))?;
        check_eq!(report.killed.iter().map(|p| p.command.as_str()).collect::<Vec<_>>(), vec!["sleep 302"]);
        let left = commands(root);
        let alive = |command: &str| left.iter().any(|c| c == command);
        check!(alive("sleep 301") && alive("sleep 303"), "the others must live: {left:?}");
        check!(!alive("sleep 302"), "the matching process must be gone: {left:?}");
        let limited = kill_matching(root, &KillSpec::pattern("sleep 30").signal(Signal::SIGTERM).limit(1))
            ?;
        check_eq!(limited.killed.len(), 1, "the limit is one: {:?}", limited.killed);
        check_eq!(commands(root).iter().filter(|c| c.starts_with("sleep 30")).count(), 1);
        match kill_matching(root, &KillSpec::pattern("VLLM::")) {
            Err(KillError::NoMatch { tree, .. }) => {
                check!(tree.iter().any(|p| p.pid == root), "the error lists the tree");
            }
            other => {
                return Err(TestError::failure(format!("a pattern matching nothing must be an error, got {other:?}")));
            }
        }
        Ok(())
    }

    /// A whole-tree kill leaves nothing: the residue check passes.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_tree_kill_leaves_no_residue(ctx: &TestContext) -> TestResult {
        let tree = start_tree(ctx, "sleep 311 & sleep 312 & wait", 3)?;
        let before = kill_tree(tree.pid(), Signal::SIGKILL, Duration::from_millis(50))?;
        check_eq!(before.processes.len(), 3, "the snapshot holds the tree: {:?}", before.processes);
        before.wait_gone(Duration::from_secs(10))?;
        Ok(())
    }

    /// Killing only the root of a tree whose children outlive it: the residue check fails,
    /// naming the orphan.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_root_kill_residue_names_the_orphans(ctx: &TestContext) -> TestResult {
        let tree = start_tree(ctx, "sleep 321 & wait", 2)?;
        let before = kill_root(tree.pid(), Signal::SIGKILL)?;
        match before.wait_gone(Duration::from_millis(500)) {
            Err(ResidueError::Processes { survivors, .. }) => {
                check!(survivors.iter().any(|p| p.command == "sleep 321"), "the orphan must be named: {survivors:?}");
            }
            other => {
                return Err(TestError::failure(format!("an orphan survived, yet the residue check gave {other:?}")));
            }
        }
        // The orphan is still in the group: the fixture's teardown takes it down.
        check!(tree.terminate(Duration::from_secs(2)).survivors.is_empty(), "teardown left the orphan");
        Ok(())
    }
}

/// The mock with its engine in a process of its own, titled as vLLM-Omni's.
static ENGINE: Scenario = Scenario::mock("Qwen/Qwen3-Omni-30B-A3B-Instruct", "qwen3-omni")
    .id("engine_process")
    .args(&["--engine-process"])
    .per_test();
static DIFFUSION_ENGINE: Scenario = Scenario::mock("Qwen/Qwen-Image", "qwen-image")
    .id("diffusion_engine_process")
    .args(&["--engine-process"])
    .per_test();

omni_test! {
    /// The mock's engine process carries vLLM-Omni's title; killing it by that title makes
    /// `/health` answer 503 and requests fail with a 500, as killing vLLM-Omni's engine does.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(ENGINE, DIFFUSION_ENGINE)]
    fn test_mock_engine_process_dies_by_its_title(server: &Server, client: &Client) -> TestResult {
        let root = server.pid().ok_or_else(|| TestError::harness("the mock has no pid"))?;
        let title = if server.model().contains("Image") { "vLLM-Omni::DiffusionWorker-0" } else { "VLLM::EngineCore" };
        check!(commands(root).iter().any(|c| c.starts_with(title)), "no `{title}` in the tree: {:?}", commands(root));
        check_eq!(client.health()?.status, 200);
        let report = kill_matching(root, &KillSpec::pattern(title))?;
        check_eq!(report.killed.len(), 1);
        let deadline = Instant::now() + Duration::from_secs(5);
        while client.health()?.status != 503 {
            check!(Instant::now() < deadline, "/health did not turn 503 after the engine process died");
            std::thread::sleep(Duration::from_millis(50));
        }
        check!(server.exit_status().is_none(), "the server itself must live on");
        Ok(())
    }
}
