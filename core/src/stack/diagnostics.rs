//! Collects the errors found while validating a stack file, each located by a byte span.

use super::location::LineIndex;
use super::{ConfigError, ConfigErrors};
use std::ops::Range;
use toml::Spanned;

/// The errors found so far in one stack file.
pub(crate) struct Diagnostics<'t> {
    file: String,
    lines: LineIndex<'t>,
    errors: Vec<(usize, ConfigError)>,
}

impl<'t> Diagnostics<'t> {
    /// An empty collector for `file` whose text is `text`.
    pub(crate) fn new(file: &str, text: &'t str) -> Self {
        Diagnostics {
            file: file.to_string(),
            lines: LineIndex::new(text),
            errors: Vec::new(),
        }
    }

    /// Records an error at the start of `span`.
    pub(crate) fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let (line, column) = self.lines.line_column(span.start);
        let error = ConfigError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
            help: help.into(),
        };
        self.errors.push((span.start, error));
    }

    /// Records an error located at a spanned value.
    pub(crate) fn error_at<T>(
        &mut self,
        at: &Spanned<T>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.error(at.span(), message, help);
    }

    /// Whether any error was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The recorded errors in the order of the file (errors at the same place keep the order in
    /// which they were found).
    pub(crate) fn into_errors(mut self) -> ConfigErrors {
        self.errors.sort_by_key(|(offset, _)| *offset);
        ConfigErrors(self.errors.into_iter().map(|(_, e)| e).collect())
    }
}

/// The name among `candidates` closest to `name`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A help text suggesting the closest of `candidates` to `name`, or listing them all.
pub(crate) fn suggest<'a>(
    name: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    let listed: Vec<String> = candidates
        .clone()
        .into_iter()
        .map(|c| format!("`{c}`"))
        .collect();
    let known = if listed.is_empty() {
        format!("there are no {what}s")
    } else {
        format!("known {what}s: {}", listed.join(", "))
    };
    match closest(name, candidates) {
        Some(c) => format!("did you mean `{c}`? ({known})"),
        None => known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_come_out_in_file_order() {
        let mut d = Diagnostics::new("f.toml", "a = 1\nb = 2\n");
        d.error(6..7, "second", "");
        d.error(0..1, "first", "fix it");
        let errors = d.into_errors();
        assert_eq!(errors.0[0].message, "first");
        assert_eq!((errors.0[1].line, errors.0[1].column), (2, 1));
        assert_eq!(
            errors.to_string(),
            "f.toml:1:1: error: first\n  help: fix it\nf.toml:2:1: error: second"
        );
    }

    #[test]
    fn suggestions_only_for_close_names() {
        let names = ["database", "redis"];
        assert_eq!(closest("databse", names), Some("database"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(
            suggest("redsi", "service", names),
            "did you mean `redis`? (known services: `database`, `redis`)"
        );
        assert_eq!(suggest("x", "range", []), "there are no ranges");
    }
}
