//! A syntax error, or a value of the wrong shape (unknown key, wrong type), turned into a
//! located [`ConfigError`](super::ConfigError) with a help line. Reading stops at the first such
//! error.

use super::ConfigErrors;
use super::diagnostics::{Diagnostics, closest};
use std::ops::Range;

/// The single error of a file the reader rejected: `message` in serde's or the TOML reader's
/// words, at the start of `span` (the file's start when unknown).
pub(crate) fn reading_error(
    file: &str,
    text: &str,
    span: Option<Range<usize>>,
    message: &str,
) -> ConfigErrors {
    let mut d = Diagnostics::new(file, text);
    let (message, help) = explain(message);
    d.error(span.unwrap_or(0..0), message, help);
    d.into_errors()
}

/// Message and help for a reader message.
pub(crate) fn explain(message: &str) -> (String, String) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = backticked(allowed);
        let listed = allowed
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match closest(key, allowed.iter().copied()) {
            Some(close) => format!("did you mean `{close}`? allowed keys here: {listed}"),
            None => format!("allowed keys here: {listed}"),
        };
        return (format!("unknown key `{key}`"), help);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let expected = readable_type(expected);
        return (
            format!("wrong type: found {found}, expected {expected}"),
            format!("write {expected} here"),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another value"));
        let expected = readable_type(expected);
        return (
            format!("invalid value: found {found}, expected {expected}"),
            format!("write {expected} here"),
        );
    }
    (
        format!("invalid TOML: {}", message.trim_end()),
        "fix the TOML syntax here (strings in quotes, one `key = value` per line, tables as [name]); see https://toml.io".to_string(),
    )
}

/// The words written between backticks in `text`.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// serde's type names in words a stack file's author would use.
fn readable_type(expected: &str) -> String {
    match expected {
        "i64" | "u64" | "i32" | "u32" | "u16" | "usize" => "a whole number".to_string(),
        "a sequence" => "an array".to_string(),
        "a map" => "a table".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_lists_allowed_keys_and_suggests() {
        let (message, help) = explain("unknown field `prefered`, expected `preferred` or `range`");
        assert_eq!(message, "unknown key `prefered`");
        assert_eq!(
            help,
            "did you mean `preferred`? allowed keys here: `preferred`, `range`"
        );
    }

    #[test]
    fn wrong_type_in_plain_words() {
        let (message, help) = explain("invalid type: string \"x\", expected i64");
        assert_eq!(
            message,
            "wrong type: found string \"x\", expected a whole number"
        );
        assert_eq!(help, "write a whole number here");
    }

    #[test]
    fn syntax_errors_keep_the_reader_message() {
        let text = "[a]\nx = 'open\n";
        let e = crate::stack::formats::toml_tree::parse(text).unwrap_err();
        let errors = reading_error("f.toml", text, e.span, &e.message);
        assert_eq!(errors.0.len(), 1);
        assert_eq!((errors.0[0].line, errors.0[0].column), (2, 10));
        assert!(errors.0[0].message.starts_with("invalid TOML: "));
    }
}
