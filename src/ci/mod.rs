//! CI pipelines planned from the registry, so that no hand-kept list of tests can drift from
//! the tests that exist: `omnitest ci buildkite` writes `.buildkite/`, and a test fails when the
//! checked-in files are not what it would write.
//!
//! | module | what |
//! |---|---|
//! | [`catalog`] | the registered tests as data (`e2e --catalog-json`) |
//! | [`source`] | getting that data from the e2e binary |
//! | [`trigger`] | ready, merge, nightly, weekly: levels, categories, conditions, timeouts |
//! | [`presets`] | hardware groups and the agents and plugins that serve them |
//! | [`plan`] | the steps of a trigger's pipeline |
//! | [`pipeline`] | the YAML written |

pub mod catalog;
pub mod pipeline;
pub mod plan;
pub mod presets;
pub mod source;
pub mod trigger;

pub use catalog::{CatalogJsonError, CatalogSummary, TestSummary, TrialSummary};
pub use plan::{
    DEFAULT_MAX_TRIALS_PER_CPU_STEP, DEFAULT_MAX_TRIALS_PER_STEP, PlanError, PlanOptions, REGENERATE_COMMAND,
    category_groups, pipeline_files, plan_pipeline, render_trigger, upload_pipeline,
};
pub use presets::{HardwareGroup, NoPreset, Preset, preset_for};
pub use source::{CatalogSourceError, build_e2e_binary, e2e_executable, read_catalog};
pub use trigger::{Category, Trigger, UnknownTrigger};
