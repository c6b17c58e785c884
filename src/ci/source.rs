//! Where `omnitest ci buildkite` gets the catalog: from the e2e test binary, which links the
//! suites (the `omnitest` binary does not), via `--catalog-json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::catalog::{CatalogJsonError, CatalogSummary};

/// Why the catalog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogSourceError {
    /// cargo could not be run.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// cargo failed to build the e2e binary.
    #[error("`{command}` failed ({status}); its errors are above")]
    Build {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// cargo built no e2e binary.
    #[error("`{command}` reported no executable for the `e2e` test target (hint: pass --e2e-binary PATH)")]
    NoBinary {
        /// The command line.
        command: String,
    },
    /// The e2e binary failed to describe its catalog.
    #[error("`{} --catalog-json` failed ({status}):\n{stderr}", binary.display())]
    Describe {
        /// The binary.
        binary: PathBuf,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The description does not parse.
    #[error("`{} --catalog-json` printed an invalid catalog: {source}", binary.display())]
    Json {
        /// The binary.
        binary: PathBuf,
        /// What is wrong.
        #[source]
        source: CatalogJsonError,
    },
}

/// Builds the e2e test binary with cargo (`cargo test --test e2e --no-run`) and returns its
/// path. cargo's progress and errors go to stderr.
pub fn build_e2e_binary() -> Result<PathBuf, CatalogSourceError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let args = ["test", "--test", "e2e", "--no-run", "--message-format=json-render-diagnostics"];
    let command = format!("{} {}", Path::new(&cargo).display(), args.join(" "));
    let output = Command::new(&cargo)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| CatalogSourceError::Spawn { command: command.clone(), source })?;
    if !output.status.success() {
        return Err(CatalogSourceError::Build { command, status: output.status });
    }
    e2e_executable(&String::from_utf8_lossy(&output.stdout)).ok_or(CatalogSourceError::NoBinary { command })
}

/// The executable of the `e2e` test target among cargo's JSON messages.
pub fn e2e_executable(messages: &str) -> Option<PathBuf> {
    messages.lines().filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok()).find_map(|message| {
        let is_e2e = message["reason"] == "compiler-artifact"
            && message["target"]["name"] == "e2e"
            && message["target"]["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "test"));
        is_e2e.then(|| message["executable"].as_str().map(PathBuf::from)).flatten()
    })
}

/// Runs `binary --catalog-json` and reads what it prints.
pub fn read_catalog(binary: &Path) -> Result<CatalogSummary, CatalogSourceError> {
    let output = Command::new(binary).arg("--catalog-json").stdin(Stdio::null()).output().map_err(|source| {
        CatalogSourceError::Spawn { command: format!("{} --catalog-json", binary.display()), source }
    })?;
    if !output.status.success() {
        return Err(CatalogSourceError::Describe {
            binary: binary.to_path_buf(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    CatalogSummary::from_json(&String::from_utf8_lossy(&output.stdout))
        .map_err(|source| CatalogSourceError::Json { binary: binary.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_e2e_executable_among_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"omnitest","kind":["lib"]},"executable":null}
{"reason":"compiler-artifact","target":{"name":"compile_errors","kind":["test"]},"executable":"/t/compile_errors-1"}
not json
{"reason":"compiler-artifact","target":{"name":"e2e","kind":["test"]},"executable":"/t/e2e-2"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(e2e_executable(messages), Some(PathBuf::from("/t/e2e-2")));
        assert_eq!(e2e_executable(r#"{"reason":"build-finished","success":true}"#), None);
    }
}
