//! process-compose renders some strings of a process as Go `text/template`s before it runs
//! anything: `command`, `working_dir`, `description`, every `environment` entry and the probes
//! (`exec.command`, or `http_get`'s `host`, `port`, `path` and `scheme` when there is no `exec`).
//! The data is one map: the file's `vars`, overlaid by the process's `vars`, plus
//! `PC_REPLICA_NUM` (the replica's index, 0 without replicas). No function beyond Go's builtins
//! is registered, and a missing key prints `<no value>` (Go's default `missingkey` option).
//!
//! coord renders the subset of the language such files use, with the same results:
//! - text, and `{{/* comments */}}`;
//! - `{{.NAME}}` / `{{ .NAME }}` and the trim markers `{{- ` / ` -}}`;
//! - `{{if X}}...{{else if Y}}...{{else}}...{{end}}` (Go's truth: false, 0, "" and a missing
//!   key are false);
//! - the operands `.NAME`, `"text"` (or `` `raw` ``), whole numbers, `true`/`false`, `( ... )`,
//!   and the builtins `not`, `and`, `or`, `eq`, `ne` (so `{{or .PORT "8080"}}` works).
//!
//! Anything else (`range`, `with`, pipelines `|`, `$variables`, `printf`, `.A.B`, ...) is refused
//! with the offset of the action that uses it, instead of being rendered half-way.

mod eval;
mod lex;
mod parse;

use std::collections::BTreeMap;

/// A value of `vars`, typed as process-compose's YAML reader types it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A string.
    Text(String),
    /// A whole number.
    Int(i64),
    /// `true` / `false`.
    Bool(bool),
}

/// The data a template is rendered with.
pub(crate) type Vars = BTreeMap<String, Value>;

/// A rendered template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rendered {
    /// The text.
    pub text: String,
    /// `(offset, name)` of every `.NAME` printed without a value: the text has `<no value>`
    /// there, as process-compose writes.
    pub no_value: Vec<(usize, String)>,
}

/// Why a template cannot be rendered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TemplateError {
    /// Byte offset in the template text of the action at fault.
    pub at: usize,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: String,
}

impl TemplateError {
    fn new(at: usize, message: impl Into<String>, help: impl Into<String>) -> TemplateError {
        TemplateError {
            at,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// What Go prints for a key that is not in the data.
pub(crate) const NO_VALUE: &str = "<no value>";

/// The help of every "not in coord's subset" error.
const SUBSET_HELP: &str = "coord renders `{{.NAME}}`, `{{if}}`/`{{else}}`/`{{end}}` and not, and, or, eq, ne: compute the value in the shell command instead, or write the value itself";

/// Renders `template` with `vars`.
pub(crate) fn render(template: &str, vars: &Vars) -> Result<Rendered, TemplateError> {
    if !template.contains("{{") {
        return Ok(Rendered {
            text: template.to_string(),
            no_value: Vec::new(),
        });
    }
    let pieces = lex::pieces(template)?;
    let nodes = parse::nodes(&pieces)?;
    eval::run(&nodes, vars)
}

#[cfg(test)]
mod tests;
