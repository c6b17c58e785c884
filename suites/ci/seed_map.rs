use std::collections::BTreeSet;

use omnitest::prelude::*;

use super::{catalog, root};

/// The suites `docs/seed-test-map.md` maps, as module path prefixes.
const MAPPED_SUITES: [&str; 3] = ["online_serving::", "offline_inference::", "accuracy::"];

omni_test! {
    /// `docs/seed-test-map.md` names exactly the registered tests of the functional suites:
    /// each test it names exists in the file of its row, and no registered test is missing.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_seed_map_matches_the_registry() -> TestResult {
        let map = std::fs::read_to_string(root().join("docs/seed-test-map.md"))?;
        let mapped = mapped_tests(&map)?;
        let registered: BTreeSet<String> = catalog()?
            .cases()
            .iter()
            .map(|case| case.path.to_string())
            .filter(|path| MAPPED_SUITES.iter().any(|suite| path.starts_with(suite)))
            .collect();
        let unknown: Vec<_> = mapped.difference(&registered).collect();
        let missing: Vec<_> = registered.difference(&mapped).collect();
        check!(unknown.is_empty(), "docs/seed-test-map.md names tests that are not registered: {unknown:?}");
        check!(missing.is_empty(), "registered tests missing from docs/seed-test-map.md: {missing:?}");
        Ok(())
    }
}

/// The test paths of the table's rows: the file column (`suites/online_serving/wan22.rs`) gives
/// the module, the tests column its functions, each as the first code span of a `<br>` part.
fn mapped_tests(map: &str) -> Result<BTreeSet<String>, TestError> {
    let mut tests = BTreeSet::new();
    for (index, line) in map.lines().enumerate() {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Some(file) = cells.get(1).and_then(|cell| code_span(cell)) else { continue };
        let Some(module) = file.strip_prefix("suites/").and_then(|file| file.strip_suffix(".rs")) else { continue };
        if !root().join(file).is_file() {
            return Err(TestError::failure(format!("docs/seed-test-map.md:{}: {file} does not exist", index + 1)));
        }
        let module = module.replace('/', "::");
        for part in cells.get(2).map_or("", |cell| cell).split("<br>") {
            let test = code_span(part).ok_or_else(|| {
                TestError::failure(format!("docs/seed-test-map.md:{}: expected `test_name` in {part:?}", index + 1))
            })?;
            tests.insert(format!("{module}::{test}"));
        }
    }
    Ok(tests)
}

/// The text of the first `code span` in `text`.
fn code_span(text: &str) -> Option<&str> {
    let start = text.find('`')? + 1;
    let end = start + text[start..].find('`')?;
    Some(&text[start..end])
}
