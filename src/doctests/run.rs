//! Running one documentation block in its own folder, as a reader would, and checking what it
//! produced.
//!
//! A block runs in `<output root>/<page>/<id>` with `OUTPUT_DIR` set to that folder, in its own
//! process group: when it ends, anything it left running (a mock server started with `&`) is
//! stopped, and a process that survives is an error. Shell blocks run under `set -e`, so the
//! first failing command fails the block, and an `ERR` trap names that command. A pipeline's
//! status is its last command's, as in the interactive shell a reader types it into
//! (`… 2>&1 | grep -q 'message'` checks for a message a failing command prints).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::NESTED_EXAMPLE_VAR;
use super::assets::{AssetError, AssetKind, validate_asset};
use super::extract::{Language, Snippet};
use super::normalize::{NormalizeError, Tools, prepare_bash};
use super::page::DocPage;
use crate::fixtures::process::{ManagedProcess, ProcessSpec, SpawnError};

/// Lines of output a failure message quotes.
const TAIL_LINES: usize = 40;

/// The prologue of every shell block: fail on the first failing command, and say which it was.
const BASH_PROLOGUE: &str = "set -e\n\
trap 'omnitest_status=$?; printf \"omnitest: \\`%s\\` exited with status %d\\n\" \"$BASH_COMMAND\" \"$omnitest_status\" >&2' ERR\n";

/// What a block needs to run.
#[derive(Clone, Debug)]
pub struct ExampleRunner {
    /// The output root; a block runs in `<root>/<page>/<id>`.
    pub output_root: PathBuf,
    /// The programs commands are rewritten to.
    pub tools: Tools,
    /// Variables set for the block, on top of the harness's environment without its
    /// `OMNITEST_*`, `NEXTEST*` and `OUTPUT_DIR` variables.
    pub env: Vec<(String, String)>,
    /// How long a block may run.
    pub timeout: Duration,
}

/// A block that ran and produced what it should.
#[derive(Clone, Debug)]
pub struct ExampleRun {
    /// Where it ran.
    pub run_dir: PathBuf,
    /// Its combined stdout and stderr.
    pub log: PathBuf,
    /// The files it produced, each with what it holds.
    pub assets: Vec<(PathBuf, String)>,
}

/// A block that did not run, or ran and failed.
#[derive(Debug, thiserror::Error)]
pub enum ExampleError {
    /// The block cannot be made runnable.
    #[error(transparent)]
    Prepare(#[from] NormalizeError),
    /// Its folder or script cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Setup {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Its interpreter cannot be started.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    /// It exited with a failure.
    #[error("{location}: {what} {status}\n{report}")]
    Failed {
        /// `page:line`.
        location: String,
        /// The failing command, or the interpreter.
        what: String,
        /// `exited with status N` or `was killed by signal S`.
        status: String,
        /// The block as run and the output tail.
        report: String,
    },
    /// It ran past the timeout and was stopped.
    #[error("{location}: the example did not finish within {seconds} s and was stopped\n{report}")]
    TimedOut {
        /// `page:line`.
        location: String,
        /// The timeout.
        seconds: u64,
        /// The block as run and the output tail.
        report: String,
    },
    /// Processes it started outlived it and SIGKILL.
    #[error("{location}: processes {pids:?} the example started survived SIGKILL")]
    Survivors {
        /// `page:line`.
        location: String,
        /// Their ids.
        pids: Vec<u32>,
    },
    /// A file it should produce is missing or invalid.
    #[error("{location}: {source}\n{report}")]
    Asset {
        /// `page:line`.
        location: String,
        /// What is wrong.
        #[source]
        source: AssetError,
        /// The block as run and the output tail.
        report: String,
    },
}

impl ExampleError {
    /// Whether the harness, not the page, is at fault: the test could not be carried out.
    pub fn is_harness_error(&self) -> bool {
        matches!(
            self,
            ExampleError::Setup { .. }
                | ExampleError::Spawn(_)
                | ExampleError::Survivors { .. }
                | ExampleError::Prepare(NormalizeError::MissingTool { .. })
        )
    }
}

/// A block ready to start: the program, its script and the files it must produce.
struct Launch {
    program: PathBuf,
    script: PathBuf,
    shown: String,
    outputs: Vec<PathBuf>,
}

impl ExampleRunner {
    /// Runs `snippet` of `page` as the trial `trial`, and checks the files it produces.
    pub fn run(&self, page: &DocPage, snippet: &Snippet, trial: &str) -> Result<ExampleRun, ExampleError> {
        let location = format!("{}:{}", page.display, snippet.line);
        let run_dir = self.output_root.join(&page.name).join(&snippet.id);
        create_dir(&run_dir)?;
        let launch = match snippet.language {
            Language::Bash => self.bash_launch(page, snippet, &run_dir)?,
            Language::Python => self.python_launch(page, snippet, &run_dir)?,
        };
        for output in &launch.outputs {
            // A file left by an earlier run must not pass for this run's output.
            let _ = std::fs::remove_file(output);
        }
        let before = media_files(&run_dir);
        let log = run_dir.join("example.log");
        let mut env = self.env.clone();
        env.push(("OUTPUT_DIR".into(), run_dir.display().to_string()));
        env.push((NESTED_EXAMPLE_VAR.into(), trial.to_owned()));
        let spec = ProcessSpec {
            env,
            env_remove: inherited_harness_variables(),
            cwd: Some(run_dir.clone()),
            ..ProcessSpec::new(launch.program.clone(), vec![launch.script.display().to_string()], log.clone())
        };
        let process = ManagedProcess::spawn(&spec)?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = process.exit_status() {
                break Some(status);
            }
            if started.elapsed() > self.timeout {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Stops what the block left running in the background, such as a server.
        let teardown = process.terminate(Duration::from_secs(5));
        let report = || report(&launch, &log);
        if !teardown.survivors.is_empty() {
            return Err(ExampleError::Survivors { location, pids: teardown.survivors });
        }
        let Some(status) = status else {
            return Err(ExampleError::TimedOut { location, seconds: self.timeout.as_secs(), report: report() });
        };
        if !status.success() {
            let status_text = match status.code() {
                Some(code) => format!("exited with status {code}"),
                None => format!("was killed by {status}"),
            };
            let what = failing_command(&log).map_or_else(|| format!("`{}`", launch.shown), |c| format!("`{c}`"));
            return Err(ExampleError::Failed { location, what, status: status_text, report: report() });
        }
        let produced = match snippet.language {
            Language::Bash => launch.outputs.clone(),
            Language::Python => new_media_files(&run_dir, &before),
        };
        let mut assets = Vec::new();
        for path in produced {
            let what = validate_asset(&path).map_err(|source| ExampleError::Asset {
                location: location.clone(),
                source,
                report: report(),
            })?;
            assets.push((path, what));
        }
        Ok(ExampleRun { run_dir, log, assets })
    }

    fn bash_launch(&self, page: &DocPage, snippet: &Snippet, run_dir: &Path) -> Result<Launch, ExampleError> {
        let prepared = prepare_bash(page, snippet, &self.tools)?;
        let script = run_dir.join("example.sh");
        let header = format!("# {}:{} ({}), as omnitest runs it\n", page.display, snippet.line, snippet.id);
        write(&script, &format!("{header}{BASH_PROLOGUE}{}", prepared.script))?;
        let outputs = prepared.outputs.iter().map(|output| run_dir.join(output)).collect();
        Ok(Launch { program: "bash".into(), script, shown: prepared.script.trim_end().to_owned(), outputs })
    }

    fn python_launch(&self, page: &DocPage, snippet: &Snippet, run_dir: &Path) -> Result<Launch, ExampleError> {
        let python = self.tools.python.clone().ok_or_else(|| NormalizeError::MissingTool {
            file: page.display.clone(),
            line: snippet.line,
            command: "python3 snippet.py".into(),
            tool: "python3",
        })?;
        let script = run_dir.join("snippet.py");
        write(&script, &snippet.code)?;
        let shown = format!("{} {}", python.display(), script.display());
        Ok(Launch { program: python, script, shown, outputs: Vec::new() })
    }
}

/// The harness's own variables, which would change what a nested `omnitest` or e2e run does:
/// an example runs as its reader would type it.
fn inherited_harness_variables() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("OMNITEST_") || name.starts_with("NEXTEST") || name == "OUTPUT_DIR")
        .collect()
}

/// The command the `ERR` trap named last, from the block's log.
fn failing_command(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().rev().find(|line| line.starts_with("omnitest: `"))?;
    let rest = line.strip_prefix("omnitest: `")?;
    Some(rest[..rest.rfind("` exited with status")?].to_owned())
}

fn report(launch: &Launch, log: &Path) -> String {
    let quoted: Vec<String> = launch.shown.lines().map(|line| format!("  $ {line}")).collect();
    let tail = crate::fixtures::process::log_tail(log, TAIL_LINES);
    let tail = if tail.trim().is_empty() { "  (no output)".to_owned() } else { indent(&tail) };
    format!(
        "the block, as run ({}):\n{}\noutput (last {TAIL_LINES} lines of {}):\n{tail}",
        launch.script.display(),
        quoted.join("\n"),
        log.display()
    )
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}")).collect::<Vec<_>>().join("\n")
}

fn create_dir(dir: &Path) -> Result<(), ExampleError> {
    std::fs::create_dir_all(dir).map_err(|source| ExampleError::Setup { path: dir.to_path_buf(), source })
}

fn write(path: &Path, text: &str) -> Result<(), ExampleError> {
    std::fs::write(path, text).map_err(|source| ExampleError::Setup { path: path.to_path_buf(), source })
}

/// The media files under `dir`, with their modification times.
fn media_files(dir: &Path) -> Vec<(PathBuf, Option<std::time::SystemTime>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if AssetKind::of(&path).is_media() {
                let modified = entry.metadata().and_then(|m| m.modified()).ok();
                found.push((path, modified));
            }
        }
    }
    found.sort();
    found
}

/// The media files under `dir` that are new or changed since `before`.
fn new_media_files(dir: &Path, before: &[(PathBuf, Option<std::time::SystemTime>)]) -> Vec<PathBuf> {
    media_files(dir).into_iter().filter(|file| !before.contains(file)).map(|(path, _)| path).collect()
}
