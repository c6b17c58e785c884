//! Marker expressions with pytest's grammar (`-m "core_model and (cpu or gpu)"`):
//!
//! ```text
//! expression := expr? EOF
//! expr       := and_expr ("or" and_expr)*
//! and_expr   := not_expr ("and" not_expr)*
//! not_expr   := "not" not_expr | "(" expr ")" | marker
//! ```
//!
//! Markers are strict: an identifier that names no marker or level is an error, shown with a
//! caret under it, like a syntax error.

use std::fmt;

use crate::registry::{Marker, MarkerSet};

/// A parsed marker expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkerExpr {
    source: String,
    root: Option<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Marker(Marker),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
}

/// A marker expression that does not parse, with the position of the offending token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ExprError {
    /// The expression as given.
    pub expression: String,
    /// The character offset of the offending token (the end for a premature end).
    pub column: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid marker expression: {}", self.message)?;
        writeln!(f, "  {}", self.expression)?;
        write!(f, "  {}^", " ".repeat(self.column))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    LeftParen,
    RightParen,
    And,
    Or,
    Not,
    Ident(&'a str),
    End,
}

impl Token<'_> {
    fn describe(&self) -> String {
        match self {
            Token::LeftParen => "`(`".into(),
            Token::RightParen => "`)`".into(),
            Token::And => "`and`".into(),
            Token::Or => "`or`".into(),
            Token::Not => "`not`".into(),
            Token::Ident(name) => format!("`{name}`"),
            Token::End => "end of input".into(),
        }
    }
}

struct Parser<'a> {
    source: &'a str,
    tokens: Vec<(Token<'a>, usize)>,
    pos: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '+' | '-' | '.' | '[' | ']' | '\\' | '/')
}

fn tokenize(source: &str) -> Result<Vec<(Token<'_>, usize)>, ExprError> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        let column = source[..start].chars().count();
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            tokens.push((Token::LeftParen, column));
        } else if c == ')' {
            chars.next();
            tokens.push((Token::RightParen, column));
        } else if is_ident_char(c) {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if !is_ident_char(c) {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            let word = &source[start..end];
            let token = match word {
                "and" => Token::And,
                "or" => Token::Or,
                "not" => Token::Not,
                _ => Token::Ident(word),
            };
            tokens.push((token, column));
        } else {
            return Err(ExprError {
                expression: source.to_owned(),
                column,
                message: format!("unexpected character `{c}`"),
            });
        }
    }
    tokens.push((Token::End, source.chars().count()));
    Ok(tokens)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> (Token<'a>, usize) {
        self.tokens[self.pos]
    }

    fn advance(&mut self) -> (Token<'a>, usize) {
        let token = self.tokens[self.pos];
        if token.0 != Token::End {
            self.pos += 1;
        }
        token
    }

    fn error(&self, column: usize, message: String) -> ExprError {
        ExprError { expression: self.source.to_owned(), column, message }
    }

    fn expr(&mut self) -> Result<Node, ExprError> {
        let mut node = self.and_expr()?;
        while self.peek().0 == Token::Or {
            self.advance();
            node = Node::Or(Box::new(node), Box::new(self.and_expr()?));
        }
        Ok(node)
    }

    fn and_expr(&mut self) -> Result<Node, ExprError> {
        let mut node = self.not_expr()?;
        while self.peek().0 == Token::And {
            self.advance();
            node = Node::And(Box::new(node), Box::new(self.not_expr()?));
        }
        Ok(node)
    }

    fn not_expr(&mut self) -> Result<Node, ExprError> {
        match self.advance() {
            (Token::Not, _) => Ok(Node::Not(Box::new(self.not_expr()?))),
            (Token::LeftParen, _) => {
                let inner = self.expr()?;
                match self.advance() {
                    (Token::RightParen, _) => Ok(inner),
                    (found, column) => Err(self.error(column, format!("expected `)`, found {}", found.describe()))),
                }
            }
            (Token::Ident(name), column) => Marker::from_name(name).map(Node::Marker).ok_or_else(|| {
                self.error(column, format!("unknown marker `{name}` (valid markers: {})", Marker::valid_names()))
            }),
            (found, column) => {
                Err(self.error(column, format!("expected `not`, `(` or a marker, found {}", found.describe())))
            }
        }
    }
}

impl MarkerExpr {
    /// Parses an expression; an empty one selects everything.
    pub fn parse(source: &str) -> Result<MarkerExpr, ExprError> {
        let tokens = tokenize(source)?;
        let mut parser = Parser { source, tokens, pos: 0 };
        if parser.peek().0 == Token::End {
            return Ok(MarkerExpr { source: source.to_owned(), root: None });
        }
        let root = parser.expr()?;
        match parser.peek() {
            (Token::End, _) => Ok(MarkerExpr { source: source.to_owned(), root: Some(root) }),
            (found, column) => {
                Err(parser.error(column, format!("expected `and`, `or` or end of input, found {}", found.describe())))
            }
        }
    }

    /// Whether a test with these markers is selected.
    pub fn matches(&self, markers: MarkerSet) -> bool {
        self.root.as_ref().is_none_or(|node| node.eval(markers))
    }

    /// Whether the expression names the marker anywhere, e.g. to keep `slow` tests out unless
    /// an expression asks about them.
    pub fn mentions(&self, marker: Marker) -> bool {
        self.root.as_ref().is_some_and(|node| node.mentions(marker))
    }

    /// The expression as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression is empty (selects everything).
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }
}

impl Node {
    fn eval(&self, markers: MarkerSet) -> bool {
        match self {
            Node::Marker(marker) => markers.contains(*marker),
            Node::Not(inner) => !inner.eval(markers),
            Node::And(a, b) => a.eval(markers) && b.eval(markers),
            Node::Or(a, b) => a.eval(markers) || b.eval(markers),
        }
    }

    fn mentions(&self, marker: Marker) -> bool {
        match self {
            Node::Marker(m) => *m == marker,
            Node::Not(inner) => inner.mentions(marker),
            Node::And(a, b) | Node::Or(a, b) => a.mentions(marker) || b.mentions(marker),
        }
    }
}

impl fmt::Display for MarkerExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(markers: &[Marker]) -> MarkerSet {
        markers.iter().copied().collect()
    }

    fn eval(expr: &str, markers: &[Marker]) -> bool {
        MarkerExpr::parse(expr).unwrap().matches(set(markers))
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // `cpu or gpu and omni` is `cpu or (gpu and omni)`.
        assert!(eval("cpu or gpu and omni", &[Marker::Cpu]));
        assert!(!eval("cpu or gpu and omni", &[Marker::Gpu]));
        assert!(eval("(cpu or gpu) and omni", &[Marker::Gpu, Marker::Omni]));
    }

    #[test]
    fn not_applies_to_the_next_operand() {
        assert!(eval("not slow and omni", &[Marker::Omni]));
        assert!(!eval("not slow and omni", &[Marker::Omni, Marker::Slow]));
        assert!(eval("not not omni", &[Marker::Omni]));
    }

    #[test]
    fn seed_ci_expressions_parse() {
        for expr in [
            "core_model and cpu",
            "full_model and diffusion and H100 and not distributed_cuda",
            "slow and (L4 or H100) and (omni or tts or diffusion)",
            "full_model and omni and L4 or H100",
        ] {
            MarkerExpr::parse(expr).unwrap();
        }
    }

    #[test]
    fn empty_expression_selects_everything() {
        let expr = MarkerExpr::parse("  ").unwrap();
        assert!(expr.is_empty());
        assert!(expr.matches(MarkerSet::EMPTY));
    }

    #[test]
    fn unclosed_parenthesis_points_at_the_end() {
        let err = MarkerExpr::parse("core_model and (cpu or gpu").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid marker expression: expected `)`, found end of input\n  core_model and (cpu or gpu\n                            ^"
        );
    }

    #[test]
    fn unknown_marker_points_at_the_marker() {
        let err = MarkerExpr::parse("omni and gpux").unwrap_err();
        assert_eq!(err.column, 9);
        assert!(err.message.starts_with("unknown marker `gpux` (valid markers: core_model,"), "{}", err.message);
    }

    #[test]
    fn dangling_operator_and_stray_tokens_are_errors() {
        assert_eq!(MarkerExpr::parse("omni and").unwrap_err().column, 8);
        assert_eq!(MarkerExpr::parse("omni tts").unwrap_err().column, 5);
        assert_eq!(MarkerExpr::parse(") omni").unwrap_err().column, 0);
        assert_eq!(MarkerExpr::parse("omni & tts").unwrap_err().message, "unexpected character `&`");
    }

    #[test]
    fn mentions_finds_markers_under_not() {
        let expr = MarkerExpr::parse("omni and not slow").unwrap();
        assert!(expr.mentions(Marker::Slow));
        assert!(!expr.mentions(Marker::Tts));
    }
}
