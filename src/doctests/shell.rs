//! Just enough of the shell's grammar to find the commands of a documentation block: words (with
//! their byte spans, so that a rewrite leaves the rest of the line exactly as written), control
//! operators, redirections and comments. Quotes, `$(…)`, `${…}` and backticks are kept inside
//! their word; their contents are not interpreted.

/// A token of one logical line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A word, `line[start..end]`.
    Word { start: usize, end: usize },
    /// `&&`, `||`, `|`, `|&`, `;`, `;;`, `&`, `(` or `)`: what follows starts a command.
    Control { start: usize, end: usize },
    /// `>`, `>>`, `<`, `2>&1`, `<<EOF`'s `<<`, …: the next word is its target, not an argument.
    Redirect { start: usize, end: usize, heredoc: bool },
}

/// A line the lexer cannot split.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct LexError(pub String);

/// Splits one logical line (continuations already joined) into tokens; a comment ends it.
pub(crate) fn tokenize(line: &str) -> Result<Vec<Token>, LexError> {
    let bytes = line.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b' ' || c == b'\t' {
            i += 1;
        } else if c == b'#' {
            break;
        } else if let Some(len) = control_len(&bytes[i..]) {
            tokens.push(Token::Control { start: i, end: i + len });
            i += len;
        } else if let Some((len, heredoc)) = redirect_len(&bytes[i..]) {
            tokens.push(Token::Redirect { start: i, end: i + len, heredoc });
            i += len;
        } else {
            let end = word_end(bytes, i)?;
            tokens.push(Token::Word { start: i, end });
            i = end;
        }
    }
    Ok(tokens)
}

fn control_len(rest: &[u8]) -> Option<usize> {
    const OPERATORS: [&[u8]; 9] = [b"&&", b"||", b";;", b"|&", b"|", b";", b"&", b"(", b")"];
    // `&>` and `&>>` redirect both streams; they are not the `&` operator.
    if rest.starts_with(b"&>") {
        return None;
    }
    OPERATORS.iter().find(|op| rest.starts_with(op)).map(|op| op.len())
}

/// A redirection at the start of `rest`, with an optional file-descriptor number before it.
fn redirect_len(rest: &[u8]) -> Option<(usize, bool)> {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let after = &rest[digits..];
    const OPERATORS: [&[u8]; 11] = [b"<<<", b"<<-", b"<<", b"&>>", b"&>", b">>", b">&", b"<&", b">|", b"<>", b">"];
    if let Some(op) = OPERATORS.iter().find(|op| after.starts_with(op)) {
        let heredoc = *op == b"<<" || *op == b"<<-";
        return Some((digits + op.len(), heredoc));
    }
    (after.first() == Some(&b'<')).then_some((digits + 1, false))
}

/// The end of the word starting at `start`.
fn word_end(bytes: &[u8], start: usize) -> Result<usize, LexError> {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'|' | b'&' | b';' | b'(' | b')' | b'<' | b'>' => break,
            b'\\' => i += 2,
            b'\'' => i = closing(bytes, i + 1, b'\'', "a single quote")? + 1,
            b'"' => i = double_quoted_end(bytes, i + 1)? + 1,
            b'`' => i = closing(bytes, i + 1, b'`', "a backtick")? + 1,
            b'$' if bytes.get(i + 1) == Some(&b'(') => i = parens_end(bytes, i + 2)? + 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => i = closing(bytes, i + 2, b'}', "`${`")? + 1,
            _ => i += 1,
        }
    }
    Ok(i.min(bytes.len()))
}

fn closing(bytes: &[u8], from: usize, quote: u8, what: &str) -> Result<usize, LexError> {
    bytes[from.min(bytes.len())..]
        .iter()
        .position(|&b| b == quote)
        .map(|offset| from + offset)
        .ok_or_else(|| LexError(format!("{what} is not closed")))
}

fn double_quoted_end(bytes: &[u8], from: usize) -> Result<usize, LexError> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i),
            b'$' if bytes.get(i + 1) == Some(&b'(') => i = parens_end(bytes, i + 2)? + 1,
            b'`' => i = closing(bytes, i + 1, b'`', "a backtick")? + 1,
            _ => i += 1,
        }
    }
    Err(LexError("a double quote is not closed".into()))
}

/// The `)` closing a `$(` whose contents start at `from`.
fn parens_end(bytes: &[u8], from: usize) -> Result<usize, LexError> {
    let mut depth = 1;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'\'' => i = closing(bytes, i + 1, b'\'', "a single quote")?,
            b'"' => i = double_quoted_end(bytes, i + 1)?,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(LexError("a `$(` is not closed".into()))
}

/// A word's value when it is literal (no expansion), quotes removed.
pub(crate) fn literal(word: &str) -> Option<String> {
    if expands(word) {
        return None;
    }
    let mut parts = shlex::split(word)?;
    (parts.len() == 1).then(|| parts.remove(0))
}

/// Whether the shell would expand part of `word`: `$` and backquotes outside single quotes,
/// glob and tilde characters outside any quotes (`'name[id]'` is literal, `name[id]` is not).
fn expands(word: &str) -> bool {
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in word.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '$' | '`' if !single => return true,
            '*' | '?' | '[' | '~' if !single && !double => return true,
            _ => {}
        }
    }
    false
}

/// Whether a word assigns a variable (`NAME=value`), as before a command.
pub(crate) fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else { return false };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Joins backslash-continued lines. Each logical line keeps the index of its first physical
/// line, for messages.
pub(crate) fn logical_lines(code: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in code.lines().enumerate() {
        let (first, mut text) = open.take().unwrap_or((index, String::new()));
        let trailing = line.bytes().rev().take_while(|&b| b == b'\\').count();
        if trailing % 2 == 1 {
            text.push_str(&line[..line.len() - 1]);
            open = Some((first, text));
        } else {
            text.push_str(line);
            out.push((first, text));
        }
    }
    out.extend(open);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<&str> {
        tokenize(line)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t {
                Token::Word { start, end } => Some(&line[start..end]),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn words_keep_quotes_and_substitutions() {
        assert_eq!(
            words(r#"curl -s "$(cat url.txt)/v1/models" -d '{"a": 1}' # a comment"#),
            ["curl", "-s", r#""$(cat url.txt)/v1/models""#, r#"-d"#, r#"'{"a": 1}'"#]
        );
        assert_eq!(words("echo $(printf '%s' \"a b\") ${HOME}x"), ["echo", "$(printf '%s' \"a b\")", "${HOME}x"]);
    }

    #[test]
    fn operators_and_redirections() {
        let tokens = tokenize("a && b | c 2>&1 >out & d;e").unwrap();
        let kinds: Vec<String> = tokens
            .iter()
            .map(|t| match t {
                Token::Word { .. } => "w".to_owned(),
                Token::Control { start, end } | Token::Redirect { start, end, .. } => {
                    "a && b | c 2>&1 >out & d;e"[*start..*end].to_owned()
                }
            })
            .collect();
        assert_eq!(kinds, ["w", "&&", "w", "|", "w", "2>&", "w", ">", "w", "&", "w", ";", "w"]);
        assert!(matches!(tokenize("cat <<EOF").unwrap()[1], Token::Redirect { heredoc: true, .. }));
    }

    #[test]
    fn unclosed_quotes_are_errors() {
        assert_eq!(tokenize("echo 'a").unwrap_err().0, "a single quote is not closed");
        assert_eq!(tokenize("echo \"$(a\"").unwrap_err().0, "a double quote is not closed");
    }

    #[test]
    fn literals_and_assignments() {
        assert_eq!(literal("'out dir/a.png'").as_deref(), Some("out dir/a.png"));
        assert_eq!(literal("$OUT/a.png"), None);
        assert_eq!(literal("'test_a[default]'").as_deref(), Some("test_a[default]"));
        assert_eq!(literal("test_a[default]"), None);
        assert_eq!(literal("\"$HOME\""), None);
        assert_eq!(literal("'$HOME'").as_deref(), Some("$HOME"));
        assert!(is_assignment("OMNITEST_RUN_LEVEL=core_model"));
        assert!(!is_assignment("--run-level=core_model"));
    }

    #[test]
    fn continuations_join_and_keep_the_first_line() {
        let lines = logical_lines("a \\\n  b\nc\nd \\\\\ne");
        assert_eq!(
            lines,
            [(0, "a   b".to_owned()), (2, "c".to_owned()), (3, "d \\\\".to_owned()), (4, "e".to_owned())]
        );
    }
}
