//! Turning a shell block as a reader would type it into the script a doc test runs.
//!
//! As in the seed's `ReadmeSnippet`: continuation lines are joined; a leading `python` or
//! `python3` becomes the python3 this run uses and a relative `.py` script is found next to the
//! page; the value of `--output` is recorded as the asset the block produces. And, because a doc
//! test runs inside `cargo test`, where a nested `cargo` would wait forever on the build lock
//! (or build and run the tests again): `cargo test --test e2e [-- ARGS]` becomes the e2e binary
//! already running, `cargo run -- ARGS` and `omnitest ARGS` the `omnitest` binary built with it.
//! Any other `cargo` command cannot run in a doc test; its block needs a skip comment.
//!
//! Only the words rewritten change: the rest of each line (quotes, substitutions, comments)
//! stays exactly as written.

use std::path::{Path, PathBuf};

use super::extract::Snippet;
use super::page::DocPage;
use super::shell::{Token, is_assignment, literal, logical_lines, tokenize};

/// The programs a block's commands are rewritten to.
#[derive(Clone, Debug, Default)]
pub struct Tools {
    /// The e2e test binary (`cargo test --test e2e`).
    pub e2e_binary: Option<PathBuf>,
    /// The `omnitest` binary (`cargo run --`, `omnitest`).
    pub omnitest_binary: Option<PathBuf>,
    /// The python3 that runs `python` / `python3` commands and Python blocks.
    pub python: Option<PathBuf>,
}

/// Which program an invocation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// The e2e test binary.
    E2e,
    /// The `omnitest` binary.
    Omnitest,
    /// python3.
    Python,
}

impl Tool {
    fn describe(self) -> &'static str {
        match self {
            Tool::E2e => "the e2e test binary",
            Tool::Omnitest => "the omnitest binary",
            Tool::Python => "python3",
        }
    }
}

/// A command of a block that runs one of the [`Tools`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The program.
    pub tool: Tool,
    /// The line in the page.
    pub line: usize,
    /// Its arguments, when all are literal words.
    pub args: Option<Vec<String>>,
    /// The variables assigned before it (`NAME=value cargo test …`), when literal.
    pub env: Vec<(String, String)>,
}

/// A block ready to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedScript {
    /// The script's lines, rewritten.
    pub script: String,
    /// The `--output` values, as written: the files the block must produce.
    pub outputs: Vec<String>,
    /// The commands that run omnitest's own programs or python3.
    pub invocations: Vec<Invocation>,
}

/// A block that cannot be turned into a runnable script.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    /// A command cannot run inside a doc test, or does not parse.
    #[error("{file}:{line}: `{command}`: {problem}\n(hint: {hint})")]
    Command {
        /// The page.
        file: String,
        /// The line in the page.
        line: usize,
        /// The command as written.
        command: String,
        /// What is wrong.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// A program the block needs is not known to this run.
    #[error("{file}:{line}: `{command}` needs {tool}, which this run does not know")]
    MissingTool {
        /// The page.
        file: String,
        /// The line in the page.
        line: usize,
        /// The command as written.
        command: String,
        /// The program.
        tool: &'static str,
    },
}

const SKIP_HINT: &str =
    "run it by hand, and put `<!-- omnitest: skip (why it cannot run in a doc test) -->` right before the block";

/// Rewrites a shell block of `page` into the script its doc test runs.
pub fn prepare_bash(page: &DocPage, snippet: &Snippet, tools: &Tools) -> Result<PreparedScript, NormalizeError> {
    let mut prepared = PreparedScript { script: String::new(), outputs: Vec::new(), invocations: Vec::new() };
    let mut heredoc: Option<(String, bool)> = None;
    for (index, line) in logical_lines(&snippet.code) {
        let doc_line = snippet.line + 1 + index;
        if let Some((delimiter, strip_tabs)) = &heredoc {
            let candidate = if *strip_tabs { line.trim_start_matches('\t') } else { line.as_str() };
            if candidate == delimiter {
                heredoc = None;
            }
            prepared.script.push_str(&line);
            prepared.script.push('\n');
            continue;
        }
        let context = LineContext { page, line: doc_line, text: &line, tools };
        let rewritten = context.rewrite(&mut prepared)?;
        heredoc = heredoc_after(&line);
        prepared.script.push_str(&rewritten);
        prepared.script.push('\n');
    }
    Ok(prepared)
}

/// The delimiter of a here-document the line opens, and whether it is `<<-`.
fn heredoc_after(line: &str) -> Option<(String, bool)> {
    let tokens = tokenize(line).unwrap_or_default();
    tokens.windows(2).find_map(|pair| match pair {
        [Token::Redirect { start, end, heredoc: true }, Token::Word { start: ws, end: we }] => {
            let delimiter = line[*ws..*we].trim_matches(['\'', '"']).to_owned();
            Some((delimiter, line[*start..*end].ends_with('-')))
        }
        _ => None,
    })
}

struct LineContext<'a> {
    page: &'a DocPage,
    line: usize,
    text: &'a str,
    tools: &'a Tools,
}

/// One command of a line: its words' spans, the first being the program, and the variable
/// assignments before it.
struct Command {
    words: Vec<(usize, usize)>,
    assignments: Vec<(usize, usize)>,
}

impl LineContext<'_> {
    fn word(&self, span: (usize, usize)) -> &str {
        &self.text[span.0..span.1]
    }

    fn problem(&self, problem: impl Into<String>, hint: &str) -> NormalizeError {
        NormalizeError::Command {
            file: self.page.display.clone(),
            line: self.line,
            command: self.text.trim().to_owned(),
            problem: problem.into(),
            hint: hint.to_owned(),
        }
    }

    fn tool_path(&self, tool: Tool) -> Result<&Path, NormalizeError> {
        let path = match tool {
            Tool::E2e => &self.tools.e2e_binary,
            Tool::Omnitest => &self.tools.omnitest_binary,
            Tool::Python => &self.tools.python,
        };
        path.as_deref().ok_or_else(|| NormalizeError::MissingTool {
            file: self.page.display.clone(),
            line: self.line,
            command: self.text.trim().to_owned(),
            tool: tool.describe(),
        })
    }

    /// The line with its commands rewritten; records outputs and invocations.
    fn rewrite(&self, prepared: &mut PreparedScript) -> Result<String, NormalizeError> {
        let tokens = tokenize(self.text).map_err(|err| self.problem(err.0, "fix the quoting in the page"))?;
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        for command in commands(self.text, &tokens) {
            prepared.outputs.extend(self.outputs_of(&command));
            if let Some((tool, edit, args)) = self.rewrite_command(&command)? {
                edits.push(edit);
                let env = command
                    .assignments
                    .iter()
                    .filter_map(|&span| literal(self.word(span)))
                    .filter_map(|assignment| {
                        assignment.split_once('=').map(|(name, value)| (name.to_owned(), value.to_owned()))
                    })
                    .collect();
                prepared.invocations.push(Invocation { tool, line: self.line, args, env });
            }
        }
        let mut text = self.text.to_owned();
        for (start, end, replacement) in edits.into_iter().rev() {
            text.replace_range(start..end, &replacement);
        }
        Ok(text)
    }

    fn outputs_of(&self, command: &Command) -> Vec<String> {
        let mut outputs = Vec::new();
        let mut words = command.words.iter().map(|&span| self.word(span));
        while let Some(word) = words.next() {
            let value = match word.strip_prefix("--output=") {
                Some(value) => Some(value),
                None if word == "--output" => words.next(),
                None => None,
            };
            outputs.extend(value.and_then(literal));
        }
        outputs
    }

    /// The rewrite of a command running cargo, omnitest or python, with its literal arguments.
    #[allow(clippy::type_complexity)]
    fn rewrite_command(
        &self,
        command: &Command,
    ) -> Result<Option<(Tool, (usize, usize, String), Option<Vec<String>>)>, NormalizeError> {
        let program = command.words[0];
        let literals: Vec<Option<String>> = command.words.iter().map(|&span| literal(self.word(span))).collect();
        let rest_literal = |from: usize| -> Option<Vec<String>> { literals[from..].iter().cloned().collect() };
        match literals[0].as_deref() {
            Some("omnitest") => {
                let path = quote(self.tool_path(Tool::Omnitest)?);
                Ok(Some((Tool::Omnitest, (program.0, program.1, path), rest_literal(1))))
            }
            Some("python" | "python3") => {
                let mut edit = (program.0, program.1, quote(self.tool_path(Tool::Python)?));
                if let Some(script) = self.python_script(command, &literals)? {
                    // One edit per command: the interpreter and the script are rewritten together.
                    let (start, end, path) = script;
                    let between = &self.text[program.1..start];
                    edit = (program.0, end, format!("{}{between}{}", edit.2, quote(&path)));
                }
                Ok(Some((Tool::Python, edit, rest_literal(1))))
            }
            Some("cargo") => self.rewrite_cargo(command, &literals).map(Some),
            _ => Ok(None),
        }
    }

    /// The script a python command runs, resolved next to the page, with its word's span.
    fn python_script(
        &self,
        command: &Command,
        literals: &[Option<String>],
    ) -> Result<Option<(usize, usize, PathBuf)>, NormalizeError> {
        let mut i = 1;
        while i < command.words.len() {
            let Some(word) = literals[i].as_deref() else { return Ok(None) };
            match word {
                "-c" | "-m" | "-" => return Ok(None),
                "-X" | "-W" => i += 2,
                _ if word.starts_with('-') => i += 1,
                _ => {
                    if !word.ends_with(".py") || Path::new(word).is_absolute() {
                        return Ok(None);
                    }
                    let path = self.page.dir().join(word);
                    if !path.is_file() {
                        return Err(self.problem(
                            format!("the script `{word}` is not next to the page (looked for {})", path.display()),
                            "give the script's path relative to the page's folder",
                        ));
                    }
                    let (start, end) = command.words[i];
                    return Ok(Some((start, end, path)));
                }
            }
        }
        Ok(None)
    }

    #[allow(clippy::type_complexity)]
    fn rewrite_cargo(
        &self,
        command: &Command,
        literals: &[Option<String>],
    ) -> Result<(Tool, (usize, usize, String), Option<Vec<String>>), NormalizeError> {
        let words: Vec<&str> = literals.iter().map(|w| w.as_deref().unwrap_or("$…")).collect();
        let subcommand = words.get(1).copied().unwrap_or("");
        let tool = match subcommand {
            "test" => Tool::E2e,
            "run" => Tool::Omnitest,
            _ => {
                return Err(self.problem(
                    format!("`cargo {subcommand}` cannot run inside a doc test (it needs cargo's build lock, which the running `cargo test` holds)"),
                    SKIP_HINT,
                ));
            }
        };
        let mut filters = Vec::new();
        let mut is_e2e = false;
        let mut end = command.words[1].1;
        let mut args_from = command.words.len();
        let mut i = 2;
        while i < words.len() {
            let word = words[i];
            end = command.words[i].1;
            if literals[i].is_none() {
                return Err(self.problem(
                    format!("cannot tell what `{}` expands to before `--`", self.word(command.words[i])),
                    "write cargo's own arguments literally",
                ));
            }
            match (tool, word) {
                (_, "--") => {
                    args_from = i + 1;
                    break;
                }
                (_, "--locked" | "--frozen" | "--offline" | "-q" | "--quiet") => {}
                (Tool::E2e, "--test") if words.get(i + 1) == Some(&"e2e") => {
                    is_e2e = true;
                    i += 1;
                    end = command.words[i].1;
                }
                (Tool::E2e, "--test=e2e") => is_e2e = true,
                (Tool::E2e, "--no-fail-fast") => {}
                (Tool::E2e, filter) if !filter.starts_with('-') => filters.push(filter.to_owned()),
                (Tool::Omnitest, "--bin") if words.get(i + 1) == Some(&"omnitest") => {
                    i += 1;
                    end = command.words[i].1;
                }
                (Tool::Omnitest, "--bin=omnitest") => {}
                _ => {
                    return Err(self.problem(
                        format!(
                            "`cargo {subcommand}` with `{word}` has no equivalent among the binaries this run built"
                        ),
                        SKIP_HINT,
                    ));
                }
            }
            i += 1;
        }
        if tool == Tool::E2e && !is_e2e {
            return Err(self.problem(
                "`cargo test` without `--test e2e` is cargo building every test target, which waits for the build lock the running `cargo test` holds",
                SKIP_HINT,
            ));
        }
        let mut replacement = quote(self.tool_path(tool)?);
        for filter in &filters {
            replacement.push(' ');
            replacement.push_str(&shlex::try_quote(filter).map(|q| q.into_owned()).unwrap_or_else(|_| filter.clone()));
        }
        let args = literals[args_from.min(literals.len())..].iter().cloned().collect::<Option<Vec<String>>>();
        let args = args.map(|rest| filters.iter().cloned().chain(rest).collect());
        Ok((tool, (command.words[0].0, end, replacement), args))
    }
}

/// Splits a line's tokens into commands: a command starts after a control operator, skips
/// variable assignments and reserved words, and does not count redirection targets as words.
fn commands(line: &str, tokens: &[Token]) -> Vec<Command> {
    const RESERVED: [&str; 12] =
        ["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "exec", "nohup"];
    let mut out: Vec<Command> = Vec::new();
    let mut current: Option<Command> = None;
    let mut assignments = Vec::new();
    let mut redirect_target = false;
    for token in tokens {
        match token {
            Token::Control { .. } => {
                out.extend(current.take());
                assignments.clear();
            }
            Token::Redirect { .. } => redirect_target = true,
            Token::Word { start, end } => {
                if std::mem::take(&mut redirect_target) {
                    continue;
                }
                let word = &line[*start..*end];
                match current.as_mut() {
                    Some(command) => command.words.push((*start, *end)),
                    None if is_assignment(word) => assignments.push((*start, *end)),
                    None if RESERVED.contains(&word) => {}
                    None => {
                        let assignments = std::mem::take(&mut assignments);
                        current = Some(Command { words: vec![(*start, *end)], assignments });
                    }
                }
            }
        }
    }
    out.extend(current);
    out
}

fn quote(path: &Path) -> String {
    let text = path.display().to_string();
    shlex::try_quote(&text).map(|q| q.into_owned()).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctests::extract::Language;

    fn tools() -> Tools {
        Tools {
            e2e_binary: Some("/bin/e2e".into()),
            omnitest_binary: Some("/bin/omnitest".into()),
            python: Some("/usr/bin/python3".into()),
        }
    }

    fn snippet(code: &str) -> Snippet {
        Snippet {
            language: Language::Bash,
            code: code.to_owned(),
            section: "S".into(),
            id: "s_001".into(),
            line: 10,
            skip: None,
        }
    }

    fn page() -> DocPage {
        DocPage::new("readme", concat!(env!("CARGO_MANIFEST_DIR"), "/harness/README.md"), "harness/README.md")
    }

    fn prepare(code: &str) -> Result<PreparedScript, NormalizeError> {
        prepare_bash(&page(), &snippet(code), &tools())
    }

    #[test]
    fn cargo_commands_become_the_built_binaries() {
        let prepared = prepare(
            "cargo test --test e2e -- --run-level=core_model   # the main job\n\
             OMNITEST_RUN_LEVEL=core_model cargo test --locked --test e2e\n\
             cargo run -- markers | head -n 3\n\
             omnitest mock-server Qwen/Qwen-Image --port-file url.txt &\n",
        )
        .unwrap();
        assert_eq!(
            prepared.script,
            "/bin/e2e --run-level=core_model   # the main job\n\
             OMNITEST_RUN_LEVEL=core_model /bin/e2e\n\
             /bin/omnitest markers | head -n 3\n\
             /bin/omnitest mock-server Qwen/Qwen-Image --port-file url.txt &\n"
        );
        let tools: Vec<(Tool, usize)> = prepared.invocations.iter().map(|i| (i.tool, i.line)).collect();
        assert_eq!(tools, [(Tool::E2e, 11), (Tool::E2e, 12), (Tool::Omnitest, 13), (Tool::Omnitest, 14)]);
        assert_eq!(prepared.invocations[0].args.as_deref(), Some(&["--run-level=core_model".to_owned()][..]));
        assert_eq!(prepared.invocations[1].env, [("OMNITEST_RUN_LEVEL".to_owned(), "core_model".to_owned())]);
    }

    #[test]
    fn test_filters_before_the_separator_reach_the_binary() {
        let prepared = prepare("cargo test --test e2e mock::routes -- --exact\n").unwrap();
        assert_eq!(prepared.script, "/bin/e2e mock::routes --exact\n");
        assert_eq!(prepared.invocations[0].args, Some(vec!["mock::routes".to_owned(), "--exact".to_owned()]));
    }

    #[test]
    fn continuations_are_joined_and_quoted_expressions_kept() {
        let prepared = prepare("cargo test --test e2e -- \\\n  -m \"omni and not slow\" \\\n  --list\n").unwrap();
        assert_eq!(prepared.script, "/bin/e2e   -m \"omni and not slow\"   --list\n");
        let args = prepared.invocations[0].args.clone().unwrap();
        assert_eq!(args, ["-m", "omni and not slow", "--list"]);
    }

    #[test]
    fn python_scripts_are_found_next_to_the_page_and_outputs_recorded() {
        let prepared = prepare("python offline_runner.py --output 'out dir/a.png'\npython3 -c 'print(1)'\n").unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/harness/offline_runner.py");
        assert_eq!(
            prepared.script,
            format!("/usr/bin/python3 {script} --output 'out dir/a.png'\n/usr/bin/python3 -c 'print(1)'\n")
        );
        assert_eq!(prepared.outputs, ["out dir/a.png"]);
        let missing = prepare("python3 no_such_script.py").unwrap_err().to_string();
        assert!(missing.starts_with("harness/README.md:11: `python3 no_such_script.py`: the script `no_such_script.py` is not next to the page"), "{missing}");
    }

    #[test]
    fn other_cargo_commands_need_a_skip_comment() {
        for (code, problem) in [
            ("cargo test", "`cargo test` without `--test e2e` is cargo building every test target"),
            ("cargo nextest run --test e2e", "`cargo nextest` cannot run inside a doc test"),
            ("cargo run --release -- markers", "`cargo run` with `--release` has no equivalent"),
        ] {
            let err = prepare(code).unwrap_err().to_string();
            assert!(err.starts_with(&format!("harness/README.md:11: `{code}`: {problem}")), "{err}");
            assert!(err.contains("omnitest: skip ("), "{err}");
        }
    }

    #[test]
    fn heredoc_bodies_are_left_alone() {
        let prepared = prepare("cat > a.sh <<'EOF'\ncargo build\nEOF\ncargo run -- markers\n").unwrap();
        assert_eq!(prepared.script, "cat > a.sh <<'EOF'\ncargo build\nEOF\n/bin/omnitest markers\n");
    }

    #[test]
    fn unknown_tools_are_reported() {
        let err = prepare_bash(&page(), &snippet("omnitest markers"), &Tools::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "harness/README.md:11: `omnitest markers` needs the omnitest binary, which this run does not know"
        );
    }
}
