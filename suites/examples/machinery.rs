//! L1: the doc-test machinery on fixture pages — a broken command fails and says what ran, bad
//! media fail, good media pass, background processes are stopped — and on the real pages: skip
//! comments, and harness runs started by a page never running the pages again.

use std::path::Path;

use omnitest::doctests::{
    DocPage, ExampleError, ExampleRun, Snippet, Tool, Tools, example_runner, prepare_bash, read_snippets,
    repository_pages,
};
use omnitest::prelude::*;

use super::{fixture_page, settings};
use crate::runner::{harness, outcome_of, run, text};

fn snippets(page: &DocPage) -> Result<Vec<Snippet>, TestError> {
    read_snippets(page).map_err(|err| TestError::harness(err.to_string()))
}

/// Runs block `index` of a fixture page as its doc test would.
fn run_block(ctx: &TestContext, file: &str, index: usize) -> Result<Result<ExampleRun, ExampleError>, TestError> {
    let page = fixture_page(file);
    let snippet = snippets(&page)?
        .into_iter()
        .nth(index)
        .ok_or_else(|| TestError::harness(format!("{file} has no block {index}")))?;
    let mut runner = example_runner(ctx, &settings());
    runner.output_root = ctx.output_dir()?.to_path_buf();
    Ok(runner.run(&page, &snippet, ctx.name()))
}

fn expect_failure(outcome: Result<ExampleRun, ExampleError>) -> Result<String, TestError> {
    match outcome {
        Ok(run) => Err(TestError::failure(format!("the block passed; its log is {}", run.log.display()))),
        Err(err) if err.is_harness_error() => Err(TestError::harness(err.to_string())),
        Err(err) => Ok(err.to_string()),
    }
}

omni_test! {
    /// A page whose command is broken fails its doc test, and the message quotes the command as
    /// run, its exit status and the tail of its output.
    #[levels(core_model)]
    #[markers(cpu, example)]
    fn test_broken_command_fails_quoting_command_status_and_output(ctx: &TestContext) -> TestResult {
        let message = expect_failure(run_block(ctx, "broken.md", 0)?)?;
        let omnitest = ctx.omnitest_binary().ok_or_else(|| TestError::harness("no omnitest binary"))?;
        let first_line = message.lines().next().unwrap_or_default();
        check_eq!(
            first_line,
            format!(
                "suites/examples/fixtures/broken.md:7: `{} no-such-subcommand --verbose` exited with status 2",
                omnitest.display()
            )
        );
        check!(message.contains("the block, as run ("), "{message}");
        check!(message.contains("  $ echo \"before the broken command\""), "{message}");
        check!(message.contains("  before the broken command"), "the output tail is missing:\n{message}");
        check!(message.contains("unrecognized subcommand 'no-such-subcommand'"), "{message}");
        check!(!message.contains("  never reached"), "the block went on after the failure:\n{message}");
        Ok(())
    }

    /// Files a block produces are decoded: `--output` of a shell block and new media files of a
    /// Python block. Valid ones pass; files that only look like media fail, naming the file.
    #[levels(core_model)]
    #[markers(cpu, example)]
    fn test_produced_media_are_decoded(ctx: &TestContext) -> TestResult {
        let good = run_block(ctx, "media.md", 0)?.map_err(|err| TestError::failure(err.to_string()))?;
        let described: Vec<(String, String)> = good
            .assets
            .iter()
            .map(|(path, what)| (path.file_name().unwrap_or_default().to_string_lossy().into_owned(), what.clone()))
            .collect();
        check_eq!(described, [("square.png".to_owned(), "16×8 image".to_owned())]);
        let broken_png = expect_failure(run_block(ctx, "media.md", 1)?)?;
        check!(broken_png.contains("broken.png is not a valid image: invalid"), "{broken_png}");
        let tone = run_block(ctx, "media.md", 2)?.map_err(|err| TestError::failure(err.to_string()))?;
        check_eq!(tone.assets.len(), 1, "{:?}", tone.assets);
        check_eq!(tone.assets[0].1, "0.10 s of audio at 16000 Hz");
        let broken_wav = expect_failure(run_block(ctx, "media.md", 3)?)?;
        check!(broken_wav.contains("clip.wav is not a valid audio file"), "{broken_wav}");
        Ok(())
    }

    /// What a block leaves running in the background (a server started with `&`) is stopped
    /// when the block ends.
    #[levels(core_model)]
    #[markers(cpu, example)]
    fn test_background_processes_are_stopped(ctx: &TestContext) -> TestResult {
        let run = run_block(ctx, "media.md", 4)?.map_err(|err| TestError::failure(err.to_string()))?;
        let pid_text = std::fs::read_to_string(run.run_dir.join("background.pid"))?;
        let pid = pid_text.trim();
        check!(!pid.is_empty(), "the block wrote no pid");
        check!(!Path::new(&format!("/proc/{pid}")).exists() || is_zombie(pid), "process {pid} is still running");
        Ok(())
    }

    /// A block with a skip comment is an ignored trial whose reason is the comment's.
    #[levels(core_model)]
    #[markers(cpu, example)]
    fn test_skip_comment_makes_an_ignored_trial(ctx: &TestContext) -> TestResult {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let readme = repository_pages(root)?.into_iter().find(|page| page.name == "readme");
        let readme = readme.ok_or_else(|| TestError::harness("no README.md page"))?;
        let skipped = snippets(&readme)?.into_iter().find(|s| s.skip.is_some());
        let skipped = skipped.ok_or_else(|| TestError::failure("README.md has no block with a skip comment"))?;
        let trial = format!("examples::test_readme[{}]", skipped.id);
        let mut command = harness(ctx.output_dir()?)?;
        command.args([trial.as_str(), "--exact", "--run-level", "full_model"]);
        let output = run(command)?;
        let stdout = text(&output.stdout);
        check!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
        let reason = skipped.skip.unwrap_or_default();
        check_eq!(outcome_of(&stdout, &trial), Some(format!("ignored ({reason})")), "{stdout}");
        Ok(())
    }

    /// A harness run started by a documentation example reports the examples ignored instead of
    /// running them again, so a page that runs `-m example` cannot recurse.
    #[levels(core_model)]
    #[markers(cpu, example)]
    fn test_runs_started_by_an_example_skip_the_examples(ctx: &TestContext) -> TestResult {
        let mut command = harness(ctx.output_dir()?)?;
        command.env("OMNITEST_DOC_EXAMPLE", "examples::test_outer[x_001]");
        command.args(["examples::test_mock_clients", "--exact", "--run-level", "full_model", "-m", "example"]);
        let output = run(command)?;
        let stdout = text(&output.stdout);
        check!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
        let expected =
            "ignored (not run inside the documentation example `examples::test_outer[x_001]`, which started this run)";
        let trials: Vec<&str> = stdout.lines().filter(|line| line.starts_with("test examples::test_mock_clients[")).collect();
        check!(!trials.is_empty(), "no mock_clients example was listed:\n{stdout}");
        check!(trials.iter().all(|line| line.ends_with(expected)), "{stdout}");
        Ok(())
    }

    /// Every command of the doc pages that runs the e2e harness selects no documentation example:
    /// the examples never run themselves (the README's runs are at core_model, or `-m slow`).
    #[levels(core_model)]
    #[markers(cpu, example)]
    fn test_harness_runs_in_the_docs_select_no_example(ctx: &TestContext) -> TestResult {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let tools = Tools {
            e2e_binary: Some("e2e".into()),
            omnitest_binary: Some("omnitest".into()),
            python: Some("python3".into()),
        };
        let mut checked = 0;
        for page in repository_pages(root)? {
            for snippet in snippets(&page)?.into_iter().filter(|s| s.skip.is_none()) {
                let Ok(prepared) = prepare_bash(&page, &snippet, &tools) else { continue };
                for invocation in prepared.invocations.iter().filter(|i| i.tool == Tool::E2e) {
                    let args = invocation.args.clone().ok_or_else(|| {
                        TestError::failure(format!("{}:{}: non-literal e2e arguments", page.display, invocation.line))
                    })?;
                    let mut command = harness(ctx.output_dir()?)?;
                    command.envs(invocation.env.iter().cloned()).args(&args).args(["--list", "--format", "terse"]);
                    let output = run(command)?;
                    if !output.status.success() {
                        // A run the harness refuses (docs/ci-failures.md reproduces some) selects nothing.
                        continue;
                    }
                    let listed = text(&output.stdout);
                    let examples: Vec<&str> = listed.lines().filter(|l| l.starts_with("examples::test_")).collect();
                    check!(
                        examples.is_empty(),
                        "{}:{} runs the harness with {args:?}, which selects documentation examples: {examples:?}",
                        page.display,
                        invocation.line
                    );
                    checked += 1;
                }
            }
        }
        check!(checked > 0, "no page runs the e2e harness; this test checks nothing");
        Ok(())
    }
}

fn is_zombie(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
}
