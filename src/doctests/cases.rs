//! Documentation blocks as registered tests: one trial per block, `<module>::test_<page>[<id>]`,
//! at level `full_model` with the markers `example` and `cpu` (L4: the nightly doc tests).

use std::sync::Arc;
use std::time::Duration;

use super::NESTED_EXAMPLE_VAR;
use super::extract::{ExtractError, Snippet, read_snippets};
use super::normalize::Tools;
use super::page::DocPage;
use super::run::ExampleRunner;
use crate::outcome::TestError;
use crate::registry::{Body, Level, Marker, TestCase};
use crate::runner::TestContext;
use crate::selection::find_executable;

/// How the blocks of a set of pages become tests.
#[derive(Clone, Debug)]
pub struct DocTestSettings {
    /// The module path their trials are named under, e.g. `examples`.
    pub module: String,
    /// Variables set for every block (on top of `OUTPUT_DIR` and the nesting guard).
    pub env: Vec<(String, String)>,
    /// How long a block may run.
    pub timeout: Duration,
}

/// One test per runnable block of `pages`.
pub fn doc_test_cases(pages: &[DocPage], settings: &DocTestSettings) -> Result<Vec<TestCase>, ExtractError> {
    let settings = Arc::new(settings.clone());
    let mut cases = Vec::new();
    for page in pages {
        let page = Arc::new(page.clone());
        for snippet in read_snippets(&page)? {
            cases.push(case_for(Arc::clone(&page), snippet, Arc::clone(&settings)));
        }
    }
    Ok(cases)
}

fn case_for(page: Arc<DocPage>, snippet: Snippet, settings: Arc<DocTestSettings>) -> TestCase {
    let path = format!("{}::test_{}", settings.module, page.name);
    let doc = format!("{}:{}, section \"{}\"", page.display, snippet.line, snippet.section);
    let source = (page.display.clone().into(), u32::try_from(snippet.line).unwrap_or(u32::MAX));
    let id = snippet.id.clone();
    let body = Body::Dynamic(Arc::new(move |ctx: &TestContext| run_block(&page, &snippet, &settings, ctx)));
    let case =
        TestCase::new(path, &[Level::FullModel], &[Marker::Example, Marker::Cpu], body).with_param(id).with_doc(doc);
    TestCase { source: Some(source), ..case }
}

/// The runner a doc test of this run uses: blocks run under the run's output root, with
/// `cargo test --test e2e` rewritten to this e2e binary, `omnitest` to the run's `omnitest`, and
/// `python3` to the one on `PATH`. `OMNITEST_BIN` and `OMNITEST_E2E_BINARY` name the same
/// binaries to the programs a block starts (`omnitest ci buildkite` would otherwise run cargo).
pub fn example_runner(ctx: &TestContext, settings: &DocTestSettings) -> ExampleRunner {
    let tools = Tools {
        // Doc tests run inside the e2e binary: `cargo test --test e2e` is this very program.
        e2e_binary: std::env::current_exe().ok(),
        omnitest_binary: ctx.omnitest_binary().map(Into::into),
        python: find_executable("python3", std::env::var("PATH").ok().as_deref()),
    };
    let mut env = settings.env.clone();
    if let Some(omnitest) = &tools.omnitest_binary {
        env.push(("OMNITEST_BIN".into(), omnitest.display().to_string()));
    }
    if let Some(e2e) = &tools.e2e_binary {
        env.push(("OMNITEST_E2E_BINARY".into(), e2e.display().to_string()));
    }
    ExampleRunner { output_root: ctx.output_root().to_path_buf(), tools, env, timeout: settings.timeout }
}

fn run_block(
    page: &DocPage,
    snippet: &Snippet,
    settings: &DocTestSettings,
    ctx: &TestContext,
) -> Result<(), TestError> {
    if let Some(reason) = &snippet.skip {
        return Err(TestError::ignored(reason.clone()));
    }
    // A block that runs the harness at full_model would select the doc tests again; the run it
    // starts reports them ignored instead of recursing.
    if let Some(outer) = std::env::var_os(NESTED_EXAMPLE_VAR) {
        return Err(TestError::ignored(format!(
            "not run inside the documentation example `{}`, which started this run",
            outer.to_string_lossy()
        )));
    }
    match example_runner(ctx, settings).run(page, snippet, ctx.name()) {
        Ok(_) => Ok(()),
        Err(err) if err.is_harness_error() => Err(TestError::harness(err.to_string())),
        Err(err) => Err(TestError::failure(err.to_string())),
    }
}
