//! Template text -> text pieces and actions (split into tokens), with Go's trim markers applied
//! and comments dropped.

use super::TemplateError;

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Piece {
    /// Text printed as it is.
    Text(String),
    /// `{{ ... }}`: where its `{{` is, and its tokens.
    Action { at: usize, tokens: Vec<Token> },
}

/// A token of an action, at a byte offset of the template.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub at: usize,
    pub kind: Tok,
}

/// The kinds of tokens.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// `.NAME`.
    Field(String),
    /// A quoted or raw string.
    Str(String),
    /// A whole number.
    Int(i64),
    /// `true` / `false`.
    Bool(bool),
    /// A keyword or a function name.
    Ident(String),
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// Anything coord does not render (`|`, `$x`, `.A.B`, `nil`, `1.5`, ...), as written.
    Other(String),
}

/// Go's white space for trim markers.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits `template` into pieces.
pub(super) fn pieces(template: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut out: Vec<Piece> = Vec::new();
    let mut rest = 0;
    let mut trim_next = false;
    while let Some(found) = template[rest..].find("{{") {
        let open = rest + found;
        let mut text = &template[rest..open];
        if trim_next {
            text = text.trim_start_matches(is_space);
        }
        let mut body_start = open + 2;
        let after = &template[body_start..];
        let trim_left = after.starts_with('-') && after[1..].starts_with(is_space);
        if trim_left {
            text = text.trim_end_matches(is_space);
            body_start += 1;
        }
        if !text.is_empty() {
            out.push(Piece::Text(text.to_string()));
        }
        let (body_end, close) = action_end(template, open, body_start)?;
        let mut body = &template[body_start..body_end];
        trim_next =
            body.ends_with('-') && body[..body.len() - 1].ends_with(is_space) && body.len() >= 2;
        if trim_next {
            body = &body[..body.len() - 1];
        }
        if !body.trim_start_matches(is_space).starts_with("/*") {
            out.push(Piece::Action {
                at: open,
                tokens: tokens(body, body_start)?,
            });
        }
        rest = close + 2;
    }
    let mut text = &template[rest..];
    if trim_next {
        text = text.trim_start_matches(is_space);
    }
    if !text.is_empty() {
        out.push(Piece::Text(text.to_string()));
    }
    Ok(out)
}

/// Where the action whose `{{` is at `open` ends: (end of its body, offset of its `}}`).
/// `}}` inside a string or a comment does not end it.
fn action_end(
    template: &str,
    open: usize,
    body_start: usize,
) -> Result<(usize, usize), TemplateError> {
    let unclosed = || {
        TemplateError::new(
            open,
            "a template action `{{` without its closing `}}`",
            "close the action: `{{.NAME}}`",
        )
    };
    let body = &template[body_start..];
    let lead = body.len() - body.trim_start_matches(is_space).len();
    if body[lead..].starts_with("/*") {
        let end = body[lead + 2..].find("*/").ok_or_else(unclosed)? + lead + 4;
        let tail = &body[end..];
        let close = tail.find("}}").ok_or_else(unclosed)?;
        if !tail[..close].chars().all(|c| is_space(c) || c == '-') {
            return Err(TemplateError::new(
                open,
                "text after a template comment `*/` in the same action",
                "end the comment action right after `*/`: `{{/* ... */}}`",
            ));
        }
        return Ok((body_start + end + close, body_start + end + close));
    }
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    i += 1;
                }
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                return Ok((body_start + i, body_start + i));
            }
            _ => {}
        }
        i += 1;
    }
    Err(unclosed())
}

/// The tokens of an action's body; `base` is the body's offset in the template.
fn tokens(body: &str, base: usize) -> Result<Vec<Token>, TemplateError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    let mut i = 0;
    let word_end = |mut j: usize, ok: &dyn Fn(char) -> bool| {
        while j < chars.len() && ok(chars[j].1) {
            j += 1;
        }
        j
    };
    let offset = |j: usize| chars.get(j).map_or(body.len(), |(o, _)| *o);
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let (start, c) = chars[i];
        let at = base + start;
        if is_space(c) {
            i += 1;
            continue;
        }
        let (kind, next) = match c {
            '.' => {
                let end = word_end(i + 1, &is_word);
                if end == i + 1 {
                    (Tok::Other(".".into()), end)
                } else if end < chars.len() && chars[end].1 == '.' {
                    let chain = word_end(end, &|c| is_word(c) || c == '.');
                    (Tok::Other(body[start..offset(chain)].to_string()), chain)
                } else {
                    (Tok::Field(body[start + 1..offset(end)].to_string()), end)
                }
            }
            '"' => {
                let (text, end) = quoted(body, &chars, i, base)?;
                (Tok::Str(text), end)
            }
            '`' => {
                let end = word_end(i + 1, &|c| c != '`');
                if end >= chars.len() {
                    return Err(TemplateError::new(
                        at,
                        "a raw string without its closing backquote",
                        "close it: `text`",
                    ));
                }
                (Tok::Str(body[start + 1..offset(end)].to_string()), end + 1)
            }
            '(' => (Tok::Open, i + 1),
            ')' => (Tok::Close, i + 1),
            c if c.is_ascii_digit() || (c == '-' || c == '+') => {
                let end = word_end(i + 1, &|c| is_word(c) || c == '.');
                let word = &body[start..offset(end)];
                match word.parse::<i64>() {
                    Ok(n) => (Tok::Int(n), end),
                    Err(_) => (Tok::Other(word.to_string()), end),
                }
            }
            c if is_word(c) => {
                let end = word_end(i, &is_word);
                let word = &body[start..offset(end)];
                let kind = match word {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "nil" => Tok::Other(word.into()),
                    _ => Tok::Ident(word.to_string()),
                };
                (kind, end)
            }
            '$' => {
                let end = word_end(i + 1, &is_word);
                (Tok::Other(body[start..offset(end)].to_string()), end)
            }
            other => (Tok::Other(other.to_string()), i + 1),
        };
        out.push(Token { at, kind });
        i = next;
    }
    Ok(out)
}

/// A `"..."` string starting at char index `i`: its value and the char index after it.
fn quoted(
    body: &str,
    chars: &[(usize, char)],
    i: usize,
    base: usize,
) -> Result<(String, usize), TemplateError> {
    let at = base + chars[i].0;
    let mut text = String::new();
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j].1 {
            '"' => return Ok((text, j + 1)),
            '\\' => {
                let escaped = chars.get(j + 1).map(|(_, c)| *c);
                text.push(match escaped {
                    Some('\\') => '\\',
                    Some('"') => '"',
                    Some('\'') => '\'',
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    _ => {
                        let shown = &body[chars[j].0..chars.get(j + 2).map_or(body.len(), |c| c.0)];
                        return Err(TemplateError::new(
                            at,
                            format!(
                                "the escape `{shown}` is not one coord reads in a template string"
                            ),
                            "write the character itself, or use \\\\ \\\" \\n \\t \\r",
                        ));
                    }
                });
                j += 2;
            }
            c => {
                text.push(c);
                j += 1;
            }
        }
    }
    Err(TemplateError::new(
        at,
        "a template string without its closing `\"`",
        "close the string: \"text\"",
    ))
}
