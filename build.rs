//! With the `synthetic-cases` feature, generates 10,000 registered tests for the
//! listing/selection benchmark (`scripts/bench-selection.sh`); without it, an empty file.

use std::fmt::Write as _;
use std::path::PathBuf;

const MODULES: usize = 100;
const TESTS_PER_MODULE: usize = 100;
const FUNCTIONS: [&str; 8] = ["diffusion", "omni", "tts", "cache", "parallel", "sp", "example", "benchmark"];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CARGO_FEATURE_SYNTHETIC_CASES");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let source =
        if std::env::var_os("CARGO_FEATURE_SYNTHETIC_CASES").is_some() { synthetic_suite() } else { String::new() };
    std::fs::write(out.join("synthetic_cases.rs"), source).expect("OUT_DIR is writable");
}

/// The same distribution as the pytest suite the benchmark script generates: levels, function
/// markers, `slow`, and hardware cycle with the test's index.
fn synthetic_suite() -> String {
    let mut out = String::new();
    for module in 0..MODULES {
        let _ = writeln!(out, "pub mod s{module:03} {{\n    use omnitest::prelude::*;\n    omni_test! {{");
        for test in 0..TESTS_PER_MODULE {
            let i = module * TESTS_PER_MODULE + test;
            let levels = match i % 3 {
                0 => "core_model",
                1 => "advanced_model",
                _ => "core_model, full_model",
            };
            let mut markers = vec![FUNCTIONS[i % FUNCTIONS.len()]];
            if i.is_multiple_of(50) {
                markers.push("slow");
            }
            let hardware = match i % 4 {
                0 => {
                    markers.push("cpu");
                    String::new()
                }
                1 => "#[hardware(cuda = \"L4\")]".to_owned(),
                2 => "#[hardware(cuda = \"H100\", rocm = \"MI325\", cards = 2)]".to_owned(),
                _ => "#[hardware(cuda = \"H100\")]".to_owned(),
            };
            let _ = writeln!(
                out,
                "        #[levels({levels})] #[markers({})] {hardware}\n        fn test_case_{i:05}() {{}}",
                markers.join(", ")
            );
        }
        out.push_str("    }\n}\n");
    }
    out
}
