//! L1: selection — marker expressions, levels, hardware shards and partitions over the real
//! catalog.

mod hardware;
mod marker_expressions;
mod partition;

use omnitest::TestError;
use omnitest::registry::{Catalog, GenerateContext, Level};
use omnitest::selection::{Backend, Environment, MarkerExpr, ResolvedBackend, Selection, SelectionOptions, select};

pub(crate) fn catalog() -> Result<Catalog, TestError> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Catalog::collect(&GenerateContext { root }).map_err(|err| TestError::harness(err.to_string()))
}

pub(crate) fn options(level: Level, markers: &str) -> Result<SelectionOptions, TestError> {
    Ok(SelectionOptions {
        run_level: level,
        markers: MarkerExpr::parse(markers).map_err(|err| TestError::failure(err.to_string()))?,
        hardware: None,
        cards: None,
        partition: None,
    })
}

pub(crate) fn environment(backend: Backend, gpus: u32) -> Environment {
    Environment::new(ResolvedBackend { backend, reason: "suite".into() }, Some(gpus), None, false)
}

pub(crate) fn names(selection: &Selection) -> Vec<&str> {
    selection.trials.iter().map(|trial| trial.name.as_str()).collect()
}

pub(crate) fn run_selection(options: &SelectionOptions, env: &Environment) -> Result<Selection, TestError> {
    Ok(select(&catalog()?, options, env))
}
