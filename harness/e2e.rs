//! `cargo test --test e2e`: omnitest's harness over the suites in `suites/`.
//!
//! Each top-level suite folder is a module at the crate root, so test names read
//! `online_serving::qwen3_omni::test_…`, matching what rust-analyzer passes with `--exact`.

#[path = "../suites/accuracy/mod.rs"]
mod accuracy;
#[path = "../suites/bench/mod.rs"]
mod bench;
#[path = "../suites/ci/mod.rs"]
mod ci;
#[path = "../suites/defects/mod.rs"]
mod defects;
#[path = "../suites/dfx/mod.rs"]
mod dfx;
#[path = "../suites/examples/mod.rs"]
mod examples;
#[path = "../suites/mock/mod.rs"]
mod mock;
#[path = "../suites/offline_inference/mod.rs"]
mod offline_inference;
#[path = "../suites/online_serving/mod.rs"]
mod online_serving;
#[path = "../suites/plan/mod.rs"]
mod plan;
#[path = "../suites/registry/mod.rs"]
mod registry;
#[path = "../suites/runner/mod.rs"]
mod runner;
#[path = "../suites/selection/mod.rs"]
mod selection;

/// 10,000 generated registrations for the listing/selection benchmark (feature `synthetic-cases`).
#[cfg(feature = "synthetic-cases")]
mod synthetic {
    include!(concat!(env!("OUT_DIR"), "/synthetic_cases.rs"));
}

fn main() -> std::process::ExitCode {
    omnitest::runner::main_with_binary(env!("CARGO_BIN_EXE_omnitest"))
}
