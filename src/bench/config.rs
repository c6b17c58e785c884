//! Performance configs: `baselines/perf/*.json`, in vLLM-Omni's `tests/dfx/perf/tests` format.
//!
//! A file is a list of cases:
//!
//! ```json
//! [{"test_name": "test_qwen3_omni",
//!   "mark": [{"hardware_marks": {"res": {"cuda": "H100"}, "num_cards": 2}}, "full_model", "omni"],
//!   "server_params": {"model": "Qwen/Qwen3-Omni-30B-A3B-Instruct", "extra_cli_args": ["--async-chunk"]},
//!   "benchmark_params": [{"dataset_name": "random", "num_prompts": [10, 20], "max_concurrency": [1, 4],
//!                         "baseline": {"mean_ttft_ms": [500, 800]}}]}]
//! ```
//!
//! Cases and server parameters are typed, and unknown keys in them are errors. A benchmark
//! entry's own keys (`num_prompts`, `request_rate`, `max_concurrency`, `baseline`, `enabled`,
//! `task`, `eval_phase`, `trust_remote_code`) are typed too; every other key is kept as a
//! benchmark option ([`BenchOptions`](super::options::BenchOptions)). Entries with
//! `"enabled": false` are recorded and otherwise skipped. Python's bare `Infinity` is accepted
//! where a request rate is expected, as Python's `json` module accepts it.
//!
//! Every error names the file, the JSON path (`[0].benchmark_params[1].num_prompts`) and the
//! problem.

mod entry;
mod marks;
mod server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use entry::BenchmarkEntry;
pub(crate) use entry::{check_spellings, concurrency, positive_count, request_rate};
pub use marks::CaseMarks;
pub use server::ServerParams;

use super::json_path::{JsonPath, JsonProblem, describe};

/// One config file.
#[derive(Clone, Debug, PartialEq)]
pub struct PerfConfig {
    /// Where it was read from.
    pub file: PathBuf,
    /// Its cases, in file order.
    pub cases: Vec<PerfCase>,
}

/// One case: a server and the benchmarks run against it.
#[derive(Clone, Debug, PartialEq)]
pub struct PerfCase {
    /// `test_name`, unique in its file.
    pub test_name: String,
    /// Where the case is in its file (`[0]`).
    pub path: JsonPath,
    /// `server_params`.
    pub server: ServerParams,
    /// `mark`: levels, markers and hardware requirements.
    pub marks: CaseMarks,
    /// `benchmark_endpoint`: the endpoint diffusion benchmarks post to, when not the task's.
    pub benchmark_endpoint: Option<String>,
    /// The enabled `benchmark_params` entries.
    pub benchmarks: Vec<BenchmarkEntry>,
    /// The indices of entries with `"enabled": false`.
    pub disabled_entries: Vec<usize>,
}

/// Why a config file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PerfConfigError {
    /// The file or directory cannot be read.
    #[error("cannot read {}: {source}", file.display())]
    Read {
        /// The file or directory.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{}:{line}:{column}: not valid JSON: {message}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The line of the error.
        line: usize,
        /// The column of the error.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The JSON is not a valid config.
    #[error("{}: {path}: {problem}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Where in it.
        path: JsonPath,
        /// What is wrong.
        problem: String,
    },
}

const CASE_KEYS: [&str; 5] = ["test_name", "server_params", "mark", "benchmark_params", "benchmark_endpoint"];

impl PerfConfig {
    /// Reads and checks one file.
    pub fn load(file: &Path) -> Result<PerfConfig, PerfConfigError> {
        PerfConfig::parse(&read_text(file)?, file)
    }

    /// Reads every `*.json` file of a directory, in name order.
    pub fn load_dir(dir: &Path) -> Result<Vec<PerfConfig>, PerfConfigError> {
        json_files(dir)?.iter().map(|file| PerfConfig::load(file)).collect()
    }

    /// Checks the text of a file; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<PerfConfig, PerfConfigError> {
        Ok(PerfConfig { file: file.to_owned(), cases: parse_document(text, file, parse_case)? })
    }
}

impl AsRef<PerfCase> for PerfCase {
    fn as_ref(&self) -> &PerfCase {
        self
    }
}

/// The `*.json` files of a directory, in name order.
pub(crate) fn json_files(dir: &Path) -> Result<Vec<PathBuf>, PerfConfigError> {
    let read_error = |source| PerfConfigError::Read { file: dir.to_owned(), source };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The text of a config file.
pub(crate) fn read_text(file: &Path) -> Result<String, PerfConfigError> {
    std::fs::read_to_string(file).map_err(|source| PerfConfigError::Read { file: file.to_owned(), source })
}

/// Reads the text of a config in the seed's form: a list of cases, each read by `read_case`,
/// with unique test names. Stability configs share this form with different entries.
pub(crate) fn parse_document<C: AsRef<PerfCase>>(
    text: &str,
    file: &Path,
    read_case: impl Fn(&Value, &JsonPath) -> Result<C, JsonProblem>,
) -> Result<Vec<C>, PerfConfigError> {
    let document: Value = serde_json::from_str(&quote_bare_non_finite(text)).map_err(|e| {
        // serde_json's message ends with the position, which the error states up front.
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&position).unwrap_or(&full).to_owned();
        PerfConfigError::Syntax { file: file.to_owned(), line: e.line(), column: e.column(), message }
    })?;
    parse_cases(&document, read_case).map_err(|JsonProblem { path, problem }| PerfConfigError::Invalid {
        file: file.to_owned(),
        path,
        problem,
    })
}

fn parse_cases<C: AsRef<PerfCase>>(
    document: &Value,
    read_case: impl Fn(&Value, &JsonPath) -> Result<C, JsonProblem>,
) -> Result<Vec<C>, JsonProblem> {
    let root = JsonPath::root();
    let Value::Array(items) = document else {
        return Err(JsonProblem::new(&root, format!("expected a list of test cases, found {}", describe(document))));
    };
    let mut first_use: HashMap<String, JsonPath> = HashMap::new();
    let mut cases = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let case = read_case(item, &root.index(index))?;
        let head = case.as_ref();
        if let Some(earlier) = first_use.insert(head.test_name.clone(), head.path.clone()) {
            return Err(JsonProblem::new(
                &head.path.key("test_name"),
                format!("`{}` is also the test_name of {earlier}", head.test_name),
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

fn parse_case(value: &Value, path: &JsonPath) -> Result<PerfCase, JsonProblem> {
    let (mut case, entries) = parse_case_head(value, path)?;
    let entries_path = path.key("benchmark_params");
    for (index, entry) in entries.iter().enumerate() {
        match entry::parse_entry(index, entry, &entries_path.index(index))? {
            Some(parsed) => case.benchmarks.push(parsed),
            None => case.disabled_entries.push(index),
        }
    }
    Ok(case)
}

/// A case's own fields (`test_name`, `server_params`, `mark`, `benchmark_endpoint`), with no
/// entries yet, and its `benchmark_params` list as written.
pub(crate) fn parse_case_head<'a>(value: &'a Value, path: &JsonPath) -> Result<(PerfCase, &'a [Value]), JsonProblem> {
    let Value::Object(fields) = value else {
        return Err(JsonProblem::new(path, format!("expected a test case object, found {}", describe(value))));
    };
    if let Some(unknown) = fields.keys().find(|key| !CASE_KEYS.contains(&key.as_str())) {
        return Err(JsonProblem::new(
            &path.key(unknown),
            format!("unknown key `{unknown}` (a case has {})", CASE_KEYS.join(", ")),
        ));
    }
    let test_name = match fields.get("test_name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        Some(other) => {
            return Err(JsonProblem::new(
                &path.key("test_name"),
                format!("expected a name, found {}", describe(other)),
            ));
        }
        None => return Err(JsonProblem::new(path, "missing `test_name`")),
    };
    let server = server::parse_server(fields.get("server_params"), &path.key("server_params"))?;
    let marks = match fields.get("mark") {
        Some(mark) => marks::parse_marks(mark, &path.key("mark"))?,
        None => CaseMarks::default(),
    };
    let benchmark_endpoint = match fields.get("benchmark_endpoint") {
        None | Some(Value::Null) => None,
        Some(Value::String(endpoint)) => Some(endpoint.clone()),
        Some(other) => {
            let at = path.key("benchmark_endpoint");
            return Err(JsonProblem::new(&at, format!("expected an endpoint path, found {}", describe(other))));
        }
    };
    let entries_path = path.key("benchmark_params");
    let entries = match fields.get("benchmark_params") {
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        Some(Value::Array(_)) => return Err(JsonProblem::new(&entries_path, "needs at least one benchmark entry")),
        Some(other) => {
            return Err(JsonProblem::new(
                &entries_path,
                format!("expected a list of entries, found {}", describe(other)),
            ));
        }
        None => return Err(JsonProblem::new(path, "missing `benchmark_params`")),
    };
    let case = PerfCase {
        test_name,
        path: path.clone(),
        server,
        marks,
        benchmark_endpoint,
        benchmarks: Vec::new(),
        disabled_entries: Vec::new(),
    };
    Ok((case, entries))
}

/// The text with Python's bare `Infinity`, `-Infinity` and `NaN` quoted, so that a JSON parser
/// reads them as strings; text inside strings is left alone.
fn quote_bare_non_finite(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("Infinity") && !text.contains("NaN") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    let mut in_string = false;
    while let Some(c) = rest.chars().next() {
        if in_string {
            let len = if c == '\\' { rest.chars().take(2).map(char::len_utf8).sum() } else { c.len_utf8() };
            in_string = c != '"';
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if let Some(word) = ["-Infinity", "Infinity", "NaN"].into_iter().find(|w| rest.starts_with(w)) {
            out.push('"');
            out.push_str(word);
            out.push('"');
            rest = &rest[word.len()..];
            continue;
        }
        in_string = c == '"';
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests;
