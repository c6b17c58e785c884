//! The registry: every test omnitest knows.
//!
//! Suites register tests with [`omni_test!`](crate::omni_test) as const records collected by
//! `inventory` ([`TestDef`]); data-driven tests (benchmark configs, documentation pages) come from
//! [`TestGenerator`]s. [`Catalog::collect`] gathers both into [`TestCase`]s and validates them, so
//! that a registration without a level, or without a hardware requirement or the `cpu` marker,
//! stops the harness with a message naming the test. Registration order is not a contract: the
//! catalog is sorted by path.
//!
//! Data flows one way from here: registry → selection → plan → runner.

mod adapt;
mod capability;
mod catalog;
mod hardware;
mod level;
mod macros;
mod marker;
mod scenario;
mod test_def;

pub use adapt::{
    ClientParam, ContextParam, ContextServerClientParams, IntoTestResult, NoParams, ServerClientParams, TestFn, invoke,
};
pub use capability::Capability;
pub use catalog::{Catalog, RegistrationProblem, RegistryError, serverless_trial_name, trial_names_of};
pub use hardware::{Cards, Hardware, Platform, PlatformRequirement, Resource};
pub use level::{Level, UnknownLevel};
pub use marker::{Marker, MarkerGroup, MarkerSet};
pub use scenario::{ConfigFile, Launch, Scenario, Scope};
pub use test_def::{
    Body, DynamicBody, GenerateContext, GenerateError, ScenarioChoice, ScenarioEntry, TestBody, TestCase, TestDef,
    TestGenerator,
};

/// The seed's pre-commit rule, checked while compiling each test: a test needs a hardware
/// requirement or the `cpu` marker.
///
/// # Panics
/// At compile time, with `message`, when the test has neither.
pub const fn require_cpu_or_hardware(markers: &[Marker], has_hardware: bool, message: &'static str) {
    let mut i = 0;
    while i < markers.len() {
        if markers[i] as u8 == Marker::Cpu as u8 {
            return;
        }
        i += 1;
    }
    if !has_hardware {
        panic!("{}", message);
    }
}
