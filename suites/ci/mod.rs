//! L1: the Buildkite pipelines of `.buildkite/` — up to date with the registered tests, valid
//! for Buildkite, and running every test in exactly one step per platform it names.

mod pipelines;
mod schema;
mod seed_map;

use std::path::{Path, PathBuf};

use omnitest::ci::CatalogSummary;
use omnitest::prelude::*;
use omnitest::registry::{Catalog, GenerateContext};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The catalog of this e2e binary, collected in-process as the harness collects it.
pub(crate) fn catalog() -> Result<Catalog, TestError> {
    Catalog::collect(&GenerateContext { root: root().to_path_buf() }).map_err(|err| TestError::harness(err.to_string()))
}

/// The same catalog, as `--catalog-json` describes it to `omnitest ci buildkite`.
pub(crate) fn catalog_summary() -> Result<(Catalog, CatalogSummary), TestError> {
    let catalog = catalog()?;
    let summary = CatalogSummary::of(&catalog);
    Ok((catalog, summary))
}

/// `.buildkite/`.
pub(crate) fn buildkite_dir() -> PathBuf {
    root().join(".buildkite")
}
