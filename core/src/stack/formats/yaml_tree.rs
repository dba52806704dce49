//! YAML text -> a small spanned YAML tree, read with `saphyr`'s event parser (its markers give
//! every node's position). Mappings keep their keys in file order; anchors and aliases are
//! resolved; merge keys (`<<: *base`) are applied as YAML 1.1 defines them (keys written in the
//! mapping win). Scalars stay text: the reader of each field decides what type it needs.

use crate::stack::ConfigErrors;
use crate::stack::diagnostics::Diagnostics;
use crate::stack::tree::Spanned;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::BTreeMap;
use std::ops::Range;

/// Deeper nesting than this is refused (no stack file needs it, and it keeps recursion bounded).
const MAX_DEPTH: usize = 64;

/// Aliases may copy at most this many nodes in all (a "billion laughs" file is refused instead of
/// filling the memory).
const MAX_ALIASED_NODES: usize = 100_000;

/// The number of nodes in `node`.
fn size(node: &YNode) -> usize {
    1 + match &node.value {
        YValue::Map(entries) => entries.iter().map(|(_, v)| size(v)).sum(),
        YValue::Seq(items) => items.iter().map(size).sum(),
        YValue::Scalar { .. } => 0,
    }
}

/// One YAML node and the byte span of its text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YNode {
    /// Byte offsets into the file's text.
    pub span: Range<usize>,
    /// The value.
    pub value: YValue,
}

/// The kinds of YAML nodes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum YValue {
    /// Keys (scalars) and values in file order, without repeated keys.
    Map(Vec<(Spanned<String>, YNode)>),
    /// Items in order.
    Seq(Vec<YNode>),
    /// A scalar's text; `plain` when it was written without quotes or block style (only those
    /// can mean null, a boolean or a number).
    Scalar { text: String, plain: bool },
}

impl YNode {
    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&YNode> {
        self.entries()
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v)
    }

    /// The entries of a mapping (none for other kinds).
    pub fn entries(&self) -> &[(Spanned<String>, YNode)] {
        match &self.value {
            YValue::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Whether this is a null (`~`, `null`, or nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, YValue::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a scalar that is not null.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            YValue::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// A plain `true`/`false` (YAML 1.2 core schema spellings).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            YValue::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A whole number, plain or quoted (process-compose reads ports from either).
    pub fn as_int(&self) -> Option<i64> {
        self.scalar().and_then(|t| t.trim().parse().ok())
    }

    /// The kind of node in words, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            YValue::Map(_) => "a mapping",
            YValue::Seq(_) => "a list",
            _ if self.is_null() => "empty",
            YValue::Scalar { .. } => "a scalar",
        }
    }
}

/// Reads the first YAML document of `text`; every problem is located at its line:column.
pub(crate) fn parse(file: &str, text: &str) -> Result<YNode, ConfigErrors> {
    let mut reader = Reader {
        parser: Parser::new_from_str(text),
        bytes: char_offsets(text),
        anchors: BTreeMap::new(),
        aliased: 0,
        d: Diagnostics::new(file, text),
    };
    match reader.document() {
        Ok(node) => Ok(node),
        Err((span, message, help)) => {
            reader.d.error(span, message, help);
            Err(reader.d.into_errors())
        }
    }
}

/// A located problem: span, message, help.
type Problem = (Range<usize>, String, String);

struct Reader<'t> {
    parser: Parser<'t, saphyr_parser::StrInput<'t>>,
    /// Byte offset of every character index (and of the end).
    bytes: Vec<usize>,
    anchors: BTreeMap<usize, YNode>,
    /// Nodes copied by aliases so far.
    aliased: usize,
    d: Diagnostics<'t>,
}

/// The byte offset of each character, plus the text's length at the end.
fn char_offsets(text: &str) -> Vec<usize> {
    let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    offsets.push(text.len());
    offsets
}

impl Reader<'_> {
    fn byte(&self, char_index: usize) -> usize {
        self.bytes
            .get(char_index)
            .copied()
            .unwrap_or_else(|| self.bytes.last().copied().unwrap_or(0))
    }

    fn next(&mut self) -> Result<(Event<'_>, Range<usize>), Problem> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                let range = {
                    let start = self
                        .bytes
                        .get(span.start.index())
                        .copied()
                        .unwrap_or_else(|| self.bytes.last().copied().unwrap_or(0));
                    let end = self
                        .bytes
                        .get(span.end.index())
                        .copied()
                        .unwrap_or(start)
                        .max(start);
                    start..end
                };
                Ok((event, range))
            }
            Some(Err(e)) => {
                let at = self.byte(e.marker().index());
                Err((
                    at..at,
                    format!("YAML syntax error: {}", e.info()),
                    "fix the YAML at this place (indentation, a missing `:` or an unclosed quote are the usual causes)".into(),
                ))
            }
            None => {
                let end = self.bytes.last().copied().unwrap_or(0);
                Err((
                    end..end,
                    "the YAML ends too early".into(),
                    "complete the file".into(),
                ))
            }
        }
    }

    fn document(&mut self) -> Result<YNode, Problem> {
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::Nothing => continue,
                Event::DocumentStart(_) => break,
                _ => {
                    return Err((
                        0..span.start,
                        "the file has no YAML document".into(),
                        "write the process-compose settings, starting with `processes:`".into(),
                    ));
                }
            }
        }
        let (event, span) = self.next()?;
        let event = owned(event);
        self.node(event, span, 0)
    }

    fn node(
        &mut self,
        event: OwnedEvent,
        span: Range<usize>,
        depth: usize,
    ) -> Result<YNode, Problem> {
        if depth > MAX_DEPTH {
            return Err((
                span,
                format!("the YAML is nested more than {MAX_DEPTH} levels deep"),
                "a process-compose file needs a few levels only".into(),
            ));
        }
        let (node, anchor) = match event {
            OwnedEvent::Scalar(text, style, anchor) => (
                YNode {
                    span,
                    value: YValue::Scalar {
                        text,
                        plain: style == ScalarStyle::Plain,
                    },
                },
                anchor,
            ),
            OwnedEvent::Alias(id) => match self.anchors.get(&id) {
                Some(node) => {
                    self.aliased += size(node);
                    if self.aliased > MAX_ALIASED_NODES {
                        return Err((
                            span,
                            format!("aliases copy more than {MAX_ALIASED_NODES} YAML nodes"),
                            "write the repeated settings out, or alias fewer times".into(),
                        ));
                    }
                    (node.clone(), 0)
                }
                None => {
                    return Err((
                        span,
                        "an alias to an anchor that is not defined before it".into(),
                        "define the anchor (`&name`) before using it (`*name`)".into(),
                    ));
                }
            },
            OwnedEvent::SequenceStart(anchor) => {
                let mut items = Vec::new();
                let end = loop {
                    let (event, item_span) = self.next()?;
                    let event = owned(event);
                    if event == OwnedEvent::SequenceEnd {
                        break item_span.end;
                    }
                    items.push(self.node(event, item_span, depth + 1)?);
                };
                let whole = span.start..end.max(span.start);
                (
                    YNode {
                        span: whole,
                        value: YValue::Seq(items),
                    },
                    anchor,
                )
            }
            OwnedEvent::MappingStart(anchor) => (self.mapping(span, depth)?, anchor),
            other => {
                return Err((
                    span,
                    format!("unexpected YAML structure ({other:?})"),
                    "check the indentation here".into(),
                ));
            }
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn mapping(&mut self, span: Range<usize>, depth: usize) -> Result<YNode, Problem> {
        let mut entries: Vec<(Spanned<String>, YNode)> = Vec::new();
        let mut merged: Vec<(Spanned<String>, YNode)> = Vec::new();
        let end = loop {
            let (event, key_span) = self.next()?;
            let event = owned(event);
            let key = match event {
                OwnedEvent::MappingEnd => break key_span.end,
                OwnedEvent::Scalar(text, _, _) => Spanned::new(key_span.clone(), text),
                _ => {
                    return Err((
                        key_span,
                        "a mapping key that is not a plain name".into(),
                        "keys are names such as `command:`".into(),
                    ));
                }
            };
            let (event, value_span) = self.next()?;
            let event = owned(event);
            let value = self.node(event, value_span, depth + 1)?;
            if key.get_ref() == "<<" {
                let sources = match &value.value {
                    YValue::Seq(items) => items.clone(),
                    _ => vec![value],
                };
                for source in sources {
                    let YValue::Map(source_entries) = source.value else {
                        return Err((
                            source.span,
                            "a merge key (`<<`) whose value is not a mapping".into(),
                            "merge an anchored mapping: `<<: *defaults`".into(),
                        ));
                    };
                    for (k, v) in source_entries {
                        if !merged.iter().any(|(m, _)| m.get_ref() == k.get_ref()) {
                            merged.push((k, v));
                        }
                    }
                }
                continue;
            }
            if let Some((first, _)) = entries.iter().find(|(k, _)| k.get_ref() == key.get_ref()) {
                let line = self.d.place(first.span().start).line;
                return Err((
                    key.span(),
                    format!(
                        "`{}` is written twice in this mapping (first on line {line})",
                        key.get_ref()
                    ),
                    "keep one of them".into(),
                ));
            }
            entries.push((key, value));
        };
        for (k, v) in merged {
            if !entries.iter().any(|(e, _)| e.get_ref() == k.get_ref()) {
                entries.push((k, v));
            }
        }
        Ok(YNode {
            span: span.start..end.max(span.start),
            value: YValue::Map(entries),
        })
    }
}

/// The events the reader needs, owned (the parser's borrow ends before recursion).
#[derive(Debug, PartialEq)]
enum OwnedEvent {
    Scalar(String, ScalarStyle, usize),
    Alias(usize),
    SequenceStart(usize),
    SequenceEnd,
    MappingStart(usize),
    MappingEnd,
    Other(&'static str),
}

fn owned(event: Event<'_>) -> OwnedEvent {
    match event {
        Event::Scalar(text, style, anchor, _) => {
            OwnedEvent::Scalar(text.into_owned(), style, anchor)
        }
        Event::Alias(id) => OwnedEvent::Alias(id),
        Event::SequenceStart(anchor, _) => OwnedEvent::SequenceStart(anchor),
        Event::SequenceEnd => OwnedEvent::SequenceEnd,
        Event::MappingStart(anchor, _) => OwnedEvent::MappingStart(anchor),
        Event::MappingEnd => OwnedEvent::MappingEnd,
        Event::DocumentEnd => OwnedEvent::Other("document end"),
        Event::StreamEnd => OwnedEvent::Other("end of file"),
        _ => OwnedEvent::Other("document start"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_keep_order_spans_aliases_and_merges() {
        let text = "base: &b\n  x: 1\n  y: two\nproc:\n  <<: *b\n  y: \"mine\"\n  list: [a, 'b']\n";
        let root = parse("pc.yaml", text).unwrap();
        let keys: Vec<&str> = root
            .entries()
            .iter()
            .map(|(k, _)| k.get_ref().as_str())
            .collect();
        assert_eq!(keys, ["base", "proc"]);
        let proc = root.get("proc").unwrap();
        assert_eq!(proc.get("y").unwrap().scalar(), Some("mine"));
        assert_eq!(proc.get("x").unwrap().as_int(), Some(1));
        let y = proc.get("y").unwrap();
        assert_eq!(&text[y.span.clone()], "\"mine\"");
        let YValue::Seq(items) = &proc.get("list").unwrap().value else {
            panic!("a list");
        };
        assert_eq!(items[1].scalar(), Some("b"));
    }

    #[test]
    fn errors_are_located_and_repeated_keys_refused() {
        let e = parse("pc.yaml", "a: 1\nb: [1, 2\n").unwrap_err().0;
        assert!(
            e[0].message.starts_with("YAML syntax error"),
            "{}",
            e[0].message
        );
        let e = parse("pc.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err().0;
        assert_eq!((e[0].line, e[0].column), (3, 1));
        let e = parse("pc.yaml", "").unwrap_err().0;
        assert_eq!(e[0].line, 1);
    }
}
