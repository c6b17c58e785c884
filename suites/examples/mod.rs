//! L4 documentation examples: every shell and Python block of README.md, docs/*.md and
//! examples/**/*.md runs as a trial `examples::test_<page>[<h2 slug>_<NNN>]` at `full_model`,
//! marked `example` and `cpu` (`cargo test --test e2e -- -m example --run-level=full_model`).
//! Their commands run against the mock. The tests in [`machinery`] check the machinery itself
//! on the pages under `fixtures/`.

mod machinery;

use std::path::Path;
use std::time::Duration;

use omnitest::doctests::{DocPage, DocTestSettings, doc_test_cases, page_name, repository_pages};
use omnitest::registry::{GenerateContext, GenerateError, TestCase, TestGenerator};

/// How omnitest's own pages are tested: blocks run against the mock (a doc test must not start
/// GPU servers), and may take ten minutes, since some run whole harness levels.
pub(crate) fn settings() -> DocTestSettings {
    DocTestSettings {
        module: "examples".into(),
        env: vec![("OMNITEST_BACKEND".into(), "mock".into())],
        timeout: Duration::from_secs(600),
    }
}

fn generate(ctx: &GenerateContext) -> Result<Vec<TestCase>, GenerateError> {
    let pages = repository_pages(&ctx.root).map_err(|err| GenerateError(err.to_string()))?;
    doc_test_cases(&pages, &settings()).map_err(|err| GenerateError(err.to_string()))
}

omnitest::__private::inventory::submit! {
    TestGenerator { name: "documentation examples", generate }
}

/// A page of `fixtures/`, named `fixture_<stem>` so that its folders never meet a real page's.
pub(crate) fn fixture_page(file: &str) -> DocPage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/examples/fixtures").join(file);
    DocPage::new(format!("fixture_{}", page_name(&path)), path, format!("suites/examples/fixtures/{file}"))
}
