//! Pieces -> the tree of a template: text, printed expressions and `if` chains. Everything
//! outside coord's subset is refused here, at the action that uses it.

use super::lex::{Piece, Tok, Token};
use super::{SUBSET_HELP, TemplateError, Value};

/// A node of a template.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    /// Text printed as it is.
    Text(String),
    /// `{{EXPR}}`.
    Print(Expr),
    /// `{{if A}}..{{else if B}}..{{else}}..{{end}}`: the branches in order, then the `else`.
    If(Vec<(Expr, Vec<Node>)>, Vec<Node>),
}

/// An expression, at the byte offset of its first token.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Expr {
    pub at: usize,
    pub kind: ExprKind,
}

/// The kinds of expressions.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ExprKind {
    /// `.NAME`.
    Field(String),
    /// A literal.
    Lit(Value),
    /// A builtin applied to its arguments.
    Call(Func, Vec<Expr>),
}

/// The builtins coord renders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Func {
    Not,
    And,
    Or,
    Eq,
    Ne,
}

/// Go's keywords and builtins that are outside coord's subset.
const OUTSIDE: [&str; 20] = [
    "range", "with", "define", "template", "block", "break", "continue", "print", "printf",
    "println", "len", "index", "slice", "call", "html", "js", "urlquery", "lt", "le", "gt",
];

/// What ends a list of nodes.
enum Stop {
    /// The end of the template.
    Eof,
    /// `{{end}}` at this offset.
    End(usize),
    /// `{{else}}` (no condition) or `{{else if COND}}`, at this offset.
    Else(usize, Option<Expr>),
}

/// The tree of `pieces`.
pub(super) fn nodes(pieces: &[Piece]) -> Result<Vec<Node>, TemplateError> {
    let mut at = 0;
    let (nodes, end) = list(pieces, &mut at)?;
    match end {
        Stop::Eof => Ok(nodes),
        Stop::End(at) => Err(TemplateError::new(
            at,
            "`{{end}}` without an `{{if}}` before it",
            "remove it, or add the `{{if ...}}` it closes",
        )),
        Stop::Else(at, _) => Err(TemplateError::new(
            at,
            "`{{else}}` without an `{{if}}` before it",
            "remove it, or add the `{{if ...}}` it belongs to",
        )),
    }
}

/// Nodes up to the end of the template, an `{{end}}` or an `{{else}}`.
fn list(pieces: &[Piece], i: &mut usize) -> Result<(Vec<Node>, Stop), TemplateError> {
    let mut out = Vec::new();
    while let Some(piece) = pieces.get(*i) {
        *i += 1;
        let (at, tokens) = match piece {
            Piece::Text(t) => {
                out.push(Node::Text(t.clone()));
                continue;
            }
            Piece::Action { at, tokens } => (*at, tokens.as_slice()),
        };
        match tokens.first().map(|t| &t.kind) {
            None => {
                return Err(TemplateError::new(
                    at,
                    "an empty template action `{{}}`",
                    "write `{{.NAME}}`, or remove the braces",
                ));
            }
            Some(Tok::Ident(word)) if word == "end" => {
                only(at, "end", &tokens[1..])?;
                return Ok((out, Stop::End(at)));
            }
            Some(Tok::Ident(word)) if word == "else" => {
                let condition = match tokens.get(1).map(|t| &t.kind) {
                    None => None,
                    Some(Tok::Ident(w)) if w == "if" => Some(expression(at, &tokens[2..])?),
                    Some(_) => {
                        return Err(TemplateError::new(
                            tokens[1].at,
                            "coord renders `{{else}}` and `{{else if ...}}` only",
                            SUBSET_HELP,
                        ));
                    }
                };
                return Ok((out, Stop::Else(at, condition)));
            }
            Some(Tok::Ident(word)) if word == "if" => {
                let condition = expression(at, &tokens[1..])?;
                out.push(if_chain(pieces, i, at, condition)?);
            }
            Some(_) => out.push(Node::Print(expression(at, tokens)?)),
        }
    }
    Ok((out, Stop::Eof))
}

/// The rest of an `{{if}}` whose condition is read: its branches up to `{{end}}`.
fn if_chain(
    pieces: &[Piece],
    i: &mut usize,
    at: usize,
    first: Expr,
) -> Result<Node, TemplateError> {
    let mut branches = Vec::new();
    let mut condition = first;
    loop {
        let (body, end) = list(pieces, i)?;
        match end {
            Stop::Eof => {
                return Err(TemplateError::new(
                    at,
                    "`{{if}}` without its `{{end}}`",
                    "close it with `{{end}}`",
                ));
            }
            Stop::End(_) => {
                branches.push((condition, body));
                return Ok(Node::If(branches, Vec::new()));
            }
            Stop::Else(_, Some(next)) => {
                branches.push((condition, body));
                condition = next;
            }
            Stop::Else(else_at, None) => {
                branches.push((condition, body));
                let (otherwise, end) = list(pieces, i)?;
                return match end {
                    Stop::End(_) => Ok(Node::If(branches, otherwise)),
                    Stop::Else(at, _) => Err(TemplateError::new(
                        at,
                        "a second `{{else}}` after `{{else}}`",
                        "an `{{if}}` has at most one plain `{{else}}`, last",
                    )),
                    Stop::Eof => Err(TemplateError::new(
                        else_at,
                        "`{{if}}` without its `{{end}}`",
                        "close it with `{{end}}`",
                    )),
                };
            }
        }
    }
}

/// Refuses tokens after a keyword that takes none.
fn only(at: usize, keyword: &str, rest: &[Token]) -> Result<(), TemplateError> {
    match rest.first() {
        None => Ok(()),
        Some(t) => Err(TemplateError::new(
            t.at.max(at),
            format!("`{{{{{keyword}}}}}` takes nothing after it"),
            format!("write `{{{{{keyword}}}}}`"),
        )),
    }
}

/// The expression of a whole action (or of an `if`'s condition).
fn expression(at: usize, tokens: &[Token]) -> Result<Expr, TemplateError> {
    if tokens.is_empty() {
        return Err(TemplateError::new(
            at,
            "`{{if}}` without a condition",
            "write `{{if .NAME}}`",
        ));
    }
    let mut i = 0;
    let expr = command(tokens, &mut i)?;
    match tokens.get(i) {
        None => Ok(expr),
        Some(t) => Err(unexpected(t)),
    }
}

/// A function call (`eq .A "x"`) or a single operand, up to a `)` or the end.
fn command(tokens: &[Token], i: &mut usize) -> Result<Expr, TemplateError> {
    let first = &tokens[*i];
    let Tok::Ident(name) = &first.kind else {
        return operand(tokens, i);
    };
    *i += 1;
    let func = match name.as_str() {
        "not" => Func::Not,
        "and" => Func::And,
        "or" => Func::Or,
        "eq" => Func::Eq,
        "ne" => Func::Ne,
        _ => return Err(unexpected(first)),
    };
    let mut args = Vec::new();
    while let Some(t) = tokens.get(*i) {
        if t.kind == Tok::Close {
            break;
        }
        args.push(operand(tokens, i)?);
    }
    let arity_ok = match func {
        Func::Not => args.len() == 1,
        Func::Ne => args.len() == 2,
        Func::Eq => args.len() >= 2,
        Func::And | Func::Or => !args.is_empty(),
    };
    if !arity_ok {
        return Err(TemplateError::new(
            first.at,
            format!("`{name}` with {} argument(s)", args.len()),
            "not takes 1, ne 2, eq 2 or more, and/or 1 or more",
        ));
    }
    Ok(Expr {
        at: first.at,
        kind: ExprKind::Call(func, args),
    })
}

/// One operand: `.NAME`, a literal, or `( command )`.
fn operand(tokens: &[Token], i: &mut usize) -> Result<Expr, TemplateError> {
    let t = &tokens[*i];
    *i += 1;
    let kind = match &t.kind {
        Tok::Field(name) => ExprKind::Field(name.clone()),
        Tok::Str(s) => ExprKind::Lit(Value::Text(s.clone())),
        Tok::Int(n) => ExprKind::Lit(Value::Int(*n)),
        Tok::Bool(b) => ExprKind::Lit(Value::Bool(*b)),
        Tok::Open => {
            if tokens.get(*i).is_none_or(|t| t.kind == Tok::Close) {
                return Err(TemplateError::new(
                    t.at,
                    "empty parentheses",
                    "put an expression inside: (eq .NAME \"x\")",
                ));
            }
            let inner = command(tokens, i)?;
            match tokens.get(*i) {
                Some(c) if c.kind == Tok::Close => *i += 1,
                _ => {
                    return Err(TemplateError::new(
                        t.at,
                        "`(` without its `)`",
                        "close the parenthesis",
                    ));
                }
            }
            return Ok(inner);
        }
        _ => return Err(unexpected(t)),
    };
    Ok(Expr { at: t.at, kind })
}

/// The error for a token coord does not render where it is.
fn unexpected(t: &Token) -> TemplateError {
    let shown = match &t.kind {
        Tok::Field(n) => format!(".{n}"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Int(n) => n.to_string(),
        Tok::Bool(b) => b.to_string(),
        Tok::Ident(w) | Tok::Other(w) => w.clone(),
        Tok::Open => "(".into(),
        Tok::Close => ")".into(),
    };
    let what = match &t.kind {
        Tok::Other(w) if w == "|" => "pipelines (`|`)".to_string(),
        Tok::Other(w) if w.starts_with('$') => format!("template variables (`{w}`)"),
        Tok::Other(w) if w.starts_with('.') && w.len() > 1 => {
            format!("nested fields (`{w}`): vars are single values")
        }
        Tok::Ident(w) if OUTSIDE.contains(&w.as_str()) || w == "ge" => format!("`{w}`"),
        Tok::Ident(w) => format!("`{w}` (not a Go template builtin)"),
        _ => format!("`{shown}` here"),
    };
    TemplateError::new(
        t.at,
        format!("coord's Go-template subset has no {what}"),
        SUBSET_HELP,
    )
}
