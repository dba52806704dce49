//! The raw tree (in coord.toml's shape) -> a commented coord.toml document, built with
//! `toml_edit`: services in the original order as `[services.NAME]` tables, nested settings as
//! inline tables, a comment above each service naming the line it came from and the notes about
//! it.

use coord_core::stack::tree::{RawNode, RawValue};
use coord_core::stack::{Format, Translation};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// The file and 1-based line of byte `offset` of the translation's text.
fn line_of(translation: &Translation, offset: usize) -> (&str, usize) {
    let (file, line, _) = translation.sources.locate(offset);
    (file, line)
}

/// The coord.toml equivalent of `translation` (read from `file`: its name, or the names of the
/// merged files, for the header; `beside` is the file whose directory the commands run in).
pub fn render(file: &str, beside: &str, translation: &Translation) -> String {
    let merged = translation.sources.files().len() > 1;
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
            let (from, first) = line_of(translation, name.span().start.min(node.span.start));
            let (_, last) = line_of(translation, node.span.end);
            let mut comment = format!("\n# {}: {from} line {first}\n", name.get_ref());
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
                .filter(|n| n.file == from && (first..=last).contains(&n.place.line))
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
        "# Imported by `coord import` from {file} ({format}).\n# Commands run in this file's directory: keep it next to {beside}, or adjust working_dir.\n"
    );
    let outside: Vec<_> = translation
        .notes
        .iter()
        .filter(|n| {
            !service_lines(translation)
                .any(|(f, a, b)| f == n.file && (a..=b).contains(&n.place.line))
        })
        .collect();
    if !outside.is_empty() {
        header.push_str("# Not carried over from the file's top level:\n");
        for note in outside {
            let at = if merged {
                format!("{} line", note.file)
            } else {
                "line".to_string()
            };
            header.push_str(&format!("#   {at} {}: {}\n", note.place.line, note.message));
        }
    }
    format!("{header}{doc}")
}

/// The file and line range of each service's source text.
fn service_lines(translation: &Translation) -> impl Iterator<Item = (&str, usize, usize)> {
    let entries: &[_] = match translation.root.get("services").map(|s| &s.value) {
        Some(RawValue::Table(entries)) => entries,
        _ => &[],
    };
    entries.iter().map(move |(k, n)| {
        let (file, first) = line_of(translation, k.span().start.min(n.span.start));
        (file, first, line_of(translation, n.span.end).1)
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
