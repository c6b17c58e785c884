//! Registrations that break the rules fail to compile with a message naming the problem.

#[test]
fn registrations_are_checked_at_compile_time() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/valid.rs");
    cases.compile_fail("tests/ui/unknown_marker.rs");
    cases.compile_fail("tests/ui/unknown_level.rs");
    cases.compile_fail("tests/ui/missing_levels.rs");
    cases.compile_fail("tests/ui/no_hardware_or_cpu.rs");
    cases.compile_fail("tests/ui/derived_marker.rs");
    cases.compile_fail("tests/ui/bad_resource.rs");
}
