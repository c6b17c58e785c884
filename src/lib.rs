//! omnitest: a multi-level automated testing system for model-serving services (vLLM-Omni and
//! any OpenAI-compatible server).
//!
//! Data flows one way through the crate, one module per stage:
//!
//! | stage | module | what it does |
//! |---|---|---|
//! | registry | [`registry`] | tests registered with [`omni_test!`], validated |
//! | selection | [`selection`] | run level, marker expression, hardware shard, partition |
//! | plan | [`plan`] | trials ordered scenario by scenario |
//! | runner | [`runner`] | the libtest-compatible harness |
//! | reporters | [`reporters`] | header, JUnit, Markdown summary |
//!
//! Suites use [`prelude`] only.

pub mod bench;
pub mod ci;
pub mod cli;
pub mod client;
pub mod doctests;
pub mod fixtures;
pub mod media;
pub mod mock;
pub mod outcome;
pub mod plan;
pub mod prelude;
pub mod registry;
pub mod reporters;
pub mod runner;
pub mod selection;
pub mod soak;
pub mod validators;

pub use outcome::{TestError, TestResult};
pub use runner::TestContext;

#[doc(hidden)]
pub mod __private {
    pub use inventory;
}
