//! Collects the errors found while validating a stack file, each located by a byte span.

use super::location::LineIndex;
use super::sources::Sources;
use super::tree::Spanned;
use super::{ConfigError, ConfigErrors, Place};
use std::ops::Range;

/// The errors found so far in one stack file (or in the files of a merged stack: see
/// [`Sources`]).
pub(crate) struct Diagnostics<'t> {
    /// Per file: its name, the offset of its first byte, and its lines.
    files: Vec<(String, usize, LineIndex<'t>)>,
    /// The (combined) text the spans point into.
    text: &'t str,
    errors: Vec<(usize, ConfigError)>,
}

impl<'t> Diagnostics<'t> {
    /// An empty collector for `file` whose text is `text`.
    pub(crate) fn new(file: &str, text: &'t str) -> Self {
        Diagnostics {
            files: vec![(file.to_string(), 0, LineIndex::new(text))],
            text,
            errors: Vec::new(),
        }
    }

    /// An empty collector for spans into the combined text of `sources`: each error names the
    /// file its offset belongs to.
    pub(crate) fn over(sources: &'t Sources) -> Self {
        let files = sources
            .files()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    f.name.clone(),
                    f.start,
                    LineIndex::new(sources.file_text(i)),
                )
            })
            .collect();
        Diagnostics {
            files,
            text: sources.text(),
            errors: Vec::new(),
        }
    }

    /// The file index, line and column of byte `offset`.
    fn locate(&self, offset: usize) -> (usize, usize, usize) {
        let index = self
            .files
            .partition_point(|(_, start, _)| *start <= offset)
            .saturating_sub(1);
        match self.files.get(index) {
            Some((_, start, lines)) => {
                let (line, column) = lines.line_column(offset - start.min(&offset));
                (index, line, column)
            }
            None => (0, 1, 1),
        }
    }

    /// The name of file `index` (see [`Place::file`]).
    pub(crate) fn file_name(&self, index: usize) -> &str {
        self.files.get(index).map_or("", |(name, _, _)| name)
    }

    /// The names of the files, in order.
    pub(crate) fn file_names(&self) -> Vec<String> {
        self.files.iter().map(|(name, _, _)| name.clone()).collect()
    }

    /// Records an error at the start of `span`.
    pub(crate) fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let (file, line, column) = self.locate(span.start);
        let error = ConfigError {
            file: self.file_name(file).to_string(),
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

    /// The file, line and column of byte `offset`.
    pub(crate) fn place(&self, offset: usize) -> Place {
        let (file, line, column) = self.locate(offset);
        Place { line, column, file }
    }

    /// The text at `span`, if it is inside the file.
    pub(crate) fn source(&self, span: Range<usize>) -> Option<&'t str> {
        self.text.get(span)
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

/// Names longer than this (in bytes) get no "did you mean": comparing two names costs the product
/// of their lengths, and nobody mistypes a name that long.
const MAX_SUGGESTED_LEN: usize = 64;

/// At most this many names are listed in a help text.
const MAX_LISTED: usize = 20;

/// The name among `candidates` closest to `name`, if it is close enough to be a likely typo.
/// Names (and candidates) longer than [`MAX_SUGGESTED_LEN`] are not compared.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if name.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    candidates
        .into_iter()
        .filter(|c| c.len() <= MAX_SUGGESTED_LEN)
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A help text suggesting the closest of `candidates` to `name`, and listing them (the first
/// [`MAX_LISTED`] of them, with the count of the others).
pub(crate) fn suggest<'a>(
    name: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    let mut listed: Vec<String> = Vec::new();
    let mut more = 0usize;
    for c in candidates.clone() {
        if listed.len() < MAX_LISTED {
            listed.push(format!("`{c}`"));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        listed.push(format!("and {more} more"));
    }
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

    #[test]
    fn long_names_get_no_suggestion_and_long_lists_are_cut() {
        let long = "a".repeat(40_000);
        let near = format!("{}b", "a".repeat(39_999));
        assert_eq!(closest(&long, [near.as_str(), "a"]), None);
        assert_eq!(
            closest("databse", [long.as_str(), "database"]),
            Some("database")
        );
        let names: Vec<String> = (0..25).map(|i| format!("s{i}")).collect();
        let help = suggest("zzz", "service", names.iter().map(String::as_str));
        assert!(help.ends_with("`s18`, `s19`, and 5 more"), "{help}");
    }
}
