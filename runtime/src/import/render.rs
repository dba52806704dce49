//! The raw tree (in coord.toml's shape) -> a commented coord.toml document, built with
//! `toml_edit`: services in the original order as `[services.NAME]` tables, nested settings as
//! inline tables, a comment above each service naming the line it came from and the notes about
//! it.

use coord_core::stack::tree::{RawNode, RawValue};
use coord_core::stack::{Format, Translation};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The coord.toml equivalent of `translation` (read from `file`, whose text is `text`).
pub fn render(file: &str, text: &str, translation: &Translation) -> String {
    let mut doc = DocumentMut::new();
    let RawValue::Table(top) = &translation.root.value else {
        return String::new();
    };
    for (key, node) in top {
        if key.get_ref() == "services" {
            continue;
        }
        doc.insert(key.get_ref(), table_item(node));
    }
    let mut services = Table::new();
    services.set_implicit(true);
    if let Some(RawValue::Table(entries)) = translation.root.get("services").map(|s| &s.value) {
        for (name, node) in entries {
            let mut table = match table_item(node) {
                Item::Table(t) => t,
                _ => Table::new(),
            };
            let first = line_of(text, name.span().start.min(node.span.start));
            let last = line_of(text, node.span.end);
            let mut comment = format!("\n# {}: {file} line {first}\n", name.get_ref());
            for (_, text) in translation
                .descriptions
                .iter()
                .filter(|(service, _)| service == name.get_ref())
            {
                for line in text.lines() {
                    comment.push_str(&format!("# {line}\n"));
                }
            }
            for note in translation
                .notes
                .iter()
                .filter(|n| (first..=last).contains(&n.place.line))
            {
                comment.push_str(&format!("# line {}: {}\n", note.place.line, note.message));
            }
            table.decor_mut().set_prefix(comment);
            services.insert(name.get_ref(), Item::Table(table));
        }
    }
    doc.insert("services", Item::Table(services));
    let format = match translation.format {
        Format::Toml => "coord.toml",
        Format::ProcessCompose => "process-compose",
        Format::Procfile => "Procfile",
    };
    let mut header = format!(
        "# Imported by `coord import` from {file} ({format}).\n# Commands run in this file's directory: keep it next to {file}, or adjust working_dir.\n"
    );
    let outside: Vec<_> = translation
        .notes
        .iter()
        .filter(|n| !service_lines(text, translation).any(|(a, b)| (a..=b).contains(&n.place.line)))
        .collect();
    if !outside.is_empty() {
        header.push_str("# Not carried over from the file's top level:\n");
        for note in outside {
            header.push_str(&format!("#   line {}: {}\n", note.place.line, note.message));
        }
    }
    format!("{header}{doc}")
}

/// The line ranges of the services' source text.
fn service_lines<'a>(
    text: &'a str,
    translation: &'a Translation,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let entries: &[_] = match translation.root.get("services").map(|s| &s.value) {
        Some(RawValue::Table(entries)) => entries,
        _ => &[],
    };
    entries.iter().map(move |(k, n)| {
        let first = line_of(text, k.span().start.min(n.span.start));
        (first, line_of(text, n.span.end))
    })
}

/// A table node as a `[table]` item (its nested tables inline).
fn table_item(node: &RawNode) -> Item {
    match &node.value {
        RawValue::Table(entries) => {
            let mut table = Table::new();
            for (key, value) in entries {
                table.insert(key.get_ref(), Item::Value(value_of(value)));
            }
            Item::Table(table)
        }
        _ => Item::Value(value_of(node)),
    }
}

/// Any node as an inline value.
fn value_of(node: &RawNode) -> Value {
    match &node.value {
        RawValue::Table(entries) => {
            let mut inline = InlineTable::new();
            for (key, value) in entries {
                inline.insert(key.get_ref(), value_of(value));
            }
            Value::InlineTable(inline)
        }
        RawValue::Array(items) => {
            let mut array = Array::new();
            for item in items {
                array.push(value_of(item));
            }
            Value::Array(array)
        }
        RawValue::String(s) => Value::from(s.as_str()),
        RawValue::Integer(n) => Value::from(*n),
        RawValue::Float(x) => Value::from(*x),
        RawValue::Bool(b) => Value::from(*b),
        RawValue::Datetime(d) => Value::from(d.as_str()),
    }
}
