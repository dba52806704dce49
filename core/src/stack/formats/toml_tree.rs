//! coord.toml text -> raw tree. The `toml` crate reads the syntax (its `DeTable` keeps every
//! key's and value's span); this only copies its values into the format-neutral tree, tables in
//! file order.

use crate::stack::tree::{RawNode, RawValue, Spanned};
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// A TOML syntax error (or a number too large for coord): the reader's message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TomlError {
    pub message: String,
    pub span: Option<Range<usize>>,
}

/// Reads a whole TOML document into a root table node.
pub(crate) fn parse(text: &str) -> Result<RawNode, TomlError> {
    let root = DeTable::parse(text).map_err(|e| TomlError {
        message: e.message().to_string(),
        span: e.span(),
    })?;
    let span = root.span();
    table(span, root.into_inner())
}

fn table(span: Range<usize>, items: DeTable<'_>) -> Result<RawNode, TomlError> {
    let mut entries = Vec::with_capacity(items.len());
    for (key, value) in items {
        let key = Spanned::new(key.span(), key.into_inner().into_owned());
        let value_span = value.span();
        entries.push((key, node(value_span, value.into_inner())?));
    }
    // Tables opened by `[a.b]` headers may be handed over in another order: spans give it back.
    entries.sort_by_key(|(key, _)| key.span().start);
    Ok(RawNode::table(span, entries))
}

fn node(span: Range<usize>, value: DeValue<'_>) -> Result<RawNode, TomlError> {
    let too_large = |what: &str| TomlError {
        message: format!("{what} number overflowed"),
        span: Some(span.clone()),
    };
    let value = match value {
        DeValue::String(s) => RawValue::String(s.into_owned()),
        DeValue::Integer(n) => RawValue::Integer(
            i64::from_str_radix(n.as_str(), n.radix()).map_err(|_| too_large("integer"))?,
        ),
        DeValue::Float(x) => {
            let parsed: f64 = x
                .as_str()
                .parse()
                .map_err(|_| too_large("floating-point"))?;
            if parsed.is_infinite() && !x.as_str().contains("inf") {
                return Err(too_large("floating-point"));
            }
            RawValue::Float(parsed)
        }
        DeValue::Boolean(b) => RawValue::Bool(b),
        DeValue::Datetime(d) => RawValue::Datetime(d.to_string()),
        DeValue::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for item in items {
                let item_span = item.span();
                nodes.push(node(item_span, item.into_inner())?);
            }
            RawValue::Array(nodes)
        }
        DeValue::Table(items) => return table(span, items),
    };
    Ok(RawNode::new(span, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(node: &RawNode) -> Vec<&str> {
        match &node.value {
            RawValue::Table(entries) => entries.iter().map(|(k, _)| k.get_ref().as_str()).collect(),
            _ => panic!("not a table"),
        }
    }

    #[test]
    fn every_kind_of_value_with_spans_in_file_order() {
        let text = "[services.zeta]\ncommand = \"z\"\nport = 0x10\nx = 1.5\nb = true\nd = 1979-05-27\nargs = [\"a\", 2]\n[services.alpha]\ncommand = \"a\"\n";
        let root = parse(text).unwrap();
        let services = root.get("services").unwrap();
        assert_eq!(keys(services), ["zeta", "alpha"]);
        let zeta = services.get("zeta").unwrap();
        assert_eq!(keys(zeta), ["command", "port", "x", "b", "d", "args"]);
        let command = zeta.get("command").unwrap();
        assert_eq!(command.as_str(), Some("z"));
        assert_eq!(&text[command.span.clone()], "\"z\"");
        assert_eq!(zeta.get("port").unwrap().value, RawValue::Integer(16));
        assert_eq!(zeta.get("x").unwrap().value, RawValue::Float(1.5));
        assert_eq!(zeta.get("b").unwrap().value, RawValue::Bool(true));
        assert_eq!(
            zeta.get("d").unwrap().value,
            RawValue::Datetime("1979-05-27".into())
        );
        let RawValue::Array(args) = &zeta.get("args").unwrap().value else {
            panic!("an array");
        };
        assert_eq!(args[1].value, RawValue::Integer(2));
        assert_eq!(&text[args[1].span.clone()], "2");
    }

    #[test]
    fn syntax_errors_and_huge_numbers_are_located() {
        let e = parse("[a]\nx = 'open\n").unwrap_err();
        assert!(e.span.is_some());
        let text = "port = 99999999999999999999\n";
        let e = parse(text).unwrap_err();
        assert_eq!(e.message, "integer number overflowed");
        assert_eq!(e.span, Some(7..27));
    }
}
