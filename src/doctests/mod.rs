//! Documentation example tests: the shell and Python blocks of Markdown pages, run as tests so
//! that what the docs tell a reader to type keeps working (the seed's L4 "doc test").
//!
//! | module | what |
//! |---|---|
//! | [`page`] | which pages are tested, and their short names |
//! | [`extract`] | the runnable blocks of a page, their ids and skip comments |
//! | [`shell`] | words, operators and line continuations of shell blocks |
//! | [`normalize`] | rewriting commands to the binaries a test run has |
//! | [`run`] | running a block in its folder and process group |
//! | [`assets`] | checking the images, audio and video a block produces |
//! | [`cases`] | blocks as registered tests |

pub mod assets;
pub mod cases;
pub mod extract;
pub mod normalize;
pub mod page;
pub mod run;
mod shell;

pub use assets::{AssetError, AssetKind, validate_asset};
pub use cases::{DocTestSettings, doc_test_cases, example_runner};
pub use extract::{ExtractError, Language, Snippet, extract, read_snippets};
pub use normalize::{Invocation, NormalizeError, PreparedScript, Tool, Tools, prepare_bash};
pub use page::{DocPage, PageListError, page_name, repository_pages, slug};
pub use run::{ExampleError, ExampleRun, ExampleRunner};

/// Set for the processes a documentation example starts, to the example's trial name: a harness
/// run started by an example reports the doc tests ignored rather than running them again.
pub const NESTED_EXAMPLE_VAR: &str = "OMNITEST_DOC_EXAMPLE";
