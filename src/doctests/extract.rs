//! Finding the runnable code blocks of a Markdown page, with the ids and skip reasons their
//! trials get.
//!
//! A fenced block whose info string starts with `bash`, `sh`, `shell`, `zsh` or `ksh` is a shell
//! block; `python` or `python3`, a Python block; other and unlabelled fences are not run. A
//! block's id is `<h2 slug>_<NNN>`: the slug of the H2 section it is in (`intro` before the
//! first H2) and its index among that section's runnable blocks, from 001. Sections whose
//! titles have the same slug share one count, so ids stay unique.
//!
//! An HTML comment right before a block says how to treat it:
//! `<!-- omnitest: skip (starts a GPU server) -->` turns the block into an ignored trial with
//! that reason.

use std::collections::HashMap;
use std::path::PathBuf;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::page::{DocPage, slug};

/// What a block is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// A shell script, run with bash.
    Bash,
    /// A Python program, run with python3.
    Python,
}

impl Language {
    /// The language of a fence's info string, when omnitest runs blocks of it.
    pub fn of_fence(info: &str) -> Option<Language> {
        let first = info.split(|c: char| c.is_whitespace() || c == ',' || c == '{').next().unwrap_or("");
        match first.to_ascii_lowercase().as_str() {
            "bash" | "sh" | "shell" | "zsh" | "ksh" => Some(Language::Bash),
            "python" | "python3" => Some(Language::Python),
            _ => None,
        }
    }
}

/// A runnable block of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// Its language.
    pub language: Language,
    /// The code, as written.
    pub code: String,
    /// The H2 title of its section (empty before the first H2).
    pub section: String,
    /// `<h2 slug>_<NNN>`.
    pub id: String,
    /// The line of its opening fence, from 1.
    pub line: usize,
    /// Why it is not run, when a skip comment precedes it.
    pub skip: Option<String>,
}

/// A page whose blocks cannot be extracted: the message names the file and line.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The page cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An `omnitest:` comment is malformed or misplaced.
    #[error(
        "{file}:{line}: {problem}\n(hint: write `<!-- omnitest: skip (why it cannot run here) -->` on its own line right before a ```bash or ```python block)"
    )]
    Directive {
        /// The page, relative to the repository.
        file: String,
        /// The comment's line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// Reads a page and extracts its runnable blocks.
pub fn read_snippets(page: &DocPage) -> Result<Vec<Snippet>, ExtractError> {
    let markdown =
        std::fs::read_to_string(&page.path).map_err(|source| ExtractError::Read { path: page.path.clone(), source })?;
    extract(&page.display, &markdown)
}

/// What an `omnitest:` comment asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Directive {
    Skip(String),
}

/// Extracts the runnable blocks of `markdown`; `file` names the page in errors.
pub fn extract(file: &str, markdown: &str) -> Result<Vec<Snippet>, ExtractError> {
    let lines = LineIndex::new(markdown);
    let error = |offset: usize, problem: String| ExtractError::Directive {
        file: file.to_owned(),
        line: lines.line_of(offset),
        problem,
    };
    let mut snippets = Vec::new();
    let mut section = String::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut heading: Option<String> = None;
    let mut html: Option<(String, usize)> = None;
    let mut pending: Option<(Directive, usize)> = None;
    let mut code: Option<(Option<Language>, String, usize)> = None;

    for (event, range) in Parser::new_ext(markdown, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match &kind {
                    CodeBlockKind::Fenced(info) => Language::of_fence(info),
                    CodeBlockKind::Indented => None,
                };
                if language.is_none()
                    && let Some((_, at)) = pending.take()
                {
                    return Err(error(at, "this `omnitest:` comment precedes a block omnitest does not run (only ```bash/sh/shell/zsh and ```python blocks run)".into()));
                }
                code = Some((language, String::new(), range.start));
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some((Some(language), text, start)) = code.take() else { continue };
                let key = slug(if section.is_empty() { "intro" } else { &section });
                let index = counts.entry(key.clone()).and_modify(|n| *n += 1).or_insert(1);
                let skip = pending.take().map(|(Directive::Skip(reason), _)| reason);
                snippets.push(Snippet {
                    language,
                    code: text,
                    section: section.clone(),
                    id: format!("{key}_{index:03}"),
                    line: lines.line_of(start),
                    skip,
                });
            }
            Event::Start(Tag::HtmlBlock) => {
                if let Some((_, at)) = pending.take() {
                    return Err(error(at, "two `omnitest:` comments in a row; keep one".into()));
                }
                html = Some((String::new(), range.start));
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((text, start)) = html.take() {
                    pending = directive_in(&text).map_err(|problem| error(start, problem))?.map(|d| (d, start));
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                if let Some((_, at)) = pending.take() {
                    return Err(error(at, "this `omnitest:` comment is not right before a code block".into()));
                }
                if level == HeadingLevel::H2 {
                    heading = Some(String::new());
                }
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                section = heading.take().unwrap_or_default().trim().to_owned();
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, buffer, _)) = code.as_mut() {
                    buffer.push_str(&text);
                } else if let Some(title) = heading.as_mut() {
                    title.push_str(&text);
                }
            }
            Event::Html(text) => {
                if let Some((buffer, _)) = html.as_mut() {
                    buffer.push_str(&text);
                }
            }
            Event::InlineHtml(text)
                if directive_in(&text).map_err(|problem| error(range.start, problem))?.is_some() =>
            {
                return Err(error(range.start, "an `omnitest:` comment must stand on its own line".into()));
            }
            Event::Start(_) | Event::Rule => {
                if let Some((_, at)) = pending.take() {
                    return Err(error(at, "this `omnitest:` comment is not right before a code block".into()));
                }
            }
            _ => {}
        }
    }
    if let Some((_, at)) = pending {
        return Err(error(at, "this `omnitest:` comment ends the page instead of preceding a code block".into()));
    }
    Ok(snippets)
}

/// The `omnitest:` directive among the HTML comments of `html`, if any.
fn directive_in(html: &str) -> Result<Option<Directive>, String> {
    let mut found = None;
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let Some(end) = after.find("-->") else { break };
        let body = after[..end].trim();
        rest = &after[end + 3..];
        let Some(directive) = body.strip_prefix("omnitest:") else { continue };
        if found.is_some() {
            return Err("two `omnitest:` comments in one HTML block; keep one".into());
        }
        found = Some(parse_directive(directive.trim())?);
    }
    Ok(found)
}

fn parse_directive(text: &str) -> Result<Directive, String> {
    let Some(reason) = text.strip_prefix("skip") else {
        let word = text.split_whitespace().next().unwrap_or("");
        return Err(format!("unknown `omnitest:` directive `{word}` (known: skip)"));
    };
    let reason = reason.trim();
    match reason.strip_prefix('(').and_then(|r| r.strip_suffix(')')).map(str::trim) {
        Some(reason) if !reason.is_empty() => Ok(Directive::Skip(reason.to_owned())),
        _ => Err("`omnitest: skip` needs a reason in parentheses, e.g. `omnitest: skip (starts a GPU server)`".into()),
    }
}

/// Byte offsets to 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# Title\n\n```bash\necho intro\n```\n\n## Quick start\n\nText.\n\n```sh\necho one\n```\n\n\
```\nunlabelled\n```\n\n```console\n$ not run\n```\n\n<!-- omnitest: skip (starts a GPU server) -->\n```python\nprint(2)\n```\n\n\
## Quick start\n\n```bash\necho three\n```\n";

    #[test]
    fn extracts_languages_ids_lines_and_skips() {
        let snippets = extract("page.md", PAGE).unwrap();
        let summary: Vec<(&str, Language, usize, Option<&str>)> =
            snippets.iter().map(|s| (s.id.as_str(), s.language, s.line, s.skip.as_deref())).collect();
        assert_eq!(
            summary,
            [
                ("intro_001", Language::Bash, 3, None),
                ("quick_start_001", Language::Bash, 11, None),
                ("quick_start_002", Language::Python, 24, Some("starts a GPU server")),
                ("quick_start_003", Language::Bash, 30, None),
            ]
        );
        assert_eq!(snippets[1].code, "echo one\n");
        assert_eq!(snippets[1].section, "Quick start");
    }

    #[test]
    fn fence_languages() {
        assert_eq!(Language::of_fence("shell"), Some(Language::Bash));
        assert_eq!(Language::of_fence("python3 title=x"), Some(Language::Python));
        assert_eq!(Language::of_fence("Bash"), Some(Language::Bash));
        assert_eq!(Language::of_fence("rust"), None);
        assert_eq!(Language::of_fence(""), None);
    }

    fn problem(markdown: &str) -> String {
        extract("doc.md", markdown).unwrap_err().to_string()
    }

    #[test]
    fn misplaced_or_malformed_directives_are_errors_with_their_line() {
        let gap = problem("# T\n\n<!-- omnitest: skip (x) -->\n\nSome text.\n\n```bash\necho\n```\n");
        assert!(gap.starts_with("doc.md:3: this `omnitest:` comment is not right before a code block"), "{gap}");
        let no_reason = problem("<!-- omnitest: skip -->\n```bash\necho\n```\n");
        assert!(no_reason.starts_with("doc.md:1: `omnitest: skip` needs a reason"), "{no_reason}");
        let unknown = problem("<!-- omnitest: only-on-gpu -->\n```bash\necho\n```\n");
        assert!(unknown.contains("unknown `omnitest:` directive `only-on-gpu` (known: skip)"), "{unknown}");
        let not_run = problem("<!-- omnitest: skip (x) -->\n```json\n{}\n```\n");
        assert!(not_run.contains("precedes a block omnitest does not run"), "{not_run}");
        let at_end = problem("text\n\n<!-- omnitest: skip (x) -->\n");
        assert!(at_end.starts_with("doc.md:3: this `omnitest:` comment ends the page"), "{at_end}");
    }

    #[test]
    fn ordinary_comments_are_ignored() {
        let snippets = extract("doc.md", "<!-- a note -->\n```bash\necho\n```\n").unwrap();
        assert_eq!(snippets[0].skip, None);
    }
}
