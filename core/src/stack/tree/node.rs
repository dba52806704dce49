//! The nodes of the raw tree and their construction API.

use super::Spanned;
use std::ops::Range;

/// One value of a stack file and the byte span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct RawNode {
    /// Where the value is written (byte offsets into the file's text).
    pub span: Range<usize>,
    /// The value.
    pub value: RawValue,
}

/// The kinds of values a stack file holds, whatever its format.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Keys (with their own spans) and values, in file order. A reader must not put the same key
    /// twice in one table (report that as its own error instead).
    Table(Vec<(Spanned<String>, RawNode)>),
    /// Values in file order.
    Array(Vec<RawNode>),
    /// Text.
    String(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// A TOML date or time, as written. No stack key takes one: it is only there to be reported
    /// as a value of the wrong type.
    Datetime(String),
}

impl RawNode {
    /// A node of any kind.
    pub fn new(span: Range<usize>, value: RawValue) -> Self {
        RawNode { span, value }
    }

    /// A table whose entries are in file order.
    pub fn table(span: Range<usize>, entries: Vec<(Spanned<String>, RawNode)>) -> Self {
        RawNode::new(span, RawValue::Table(entries))
    }

    /// An array.
    pub fn array(span: Range<usize>, items: Vec<RawNode>) -> Self {
        RawNode::new(span, RawValue::Array(items))
    }

    /// A string.
    pub fn string(span: Range<usize>, text: impl Into<String>) -> Self {
        RawNode::new(span, RawValue::String(text.into()))
    }

    /// A whole number.
    pub fn integer(span: Range<usize>, n: i64) -> Self {
        RawNode::new(span, RawValue::Integer(n))
    }

    /// A number with a fraction.
    pub fn float(span: Range<usize>, x: f64) -> Self {
        RawNode::new(span, RawValue::Float(x))
    }

    /// A boolean.
    pub fn bool(span: Range<usize>, b: bool) -> Self {
        RawNode::new(span, RawValue::Bool(b))
    }

    /// The entry `key` of a table node (`None` for other kinds or a missing key).
    pub fn get(&self, key: &str) -> Option<&RawNode> {
        match &self.value {
            RawValue::Table(entries) => entries
                .iter()
                .find(|(k, _)| k.get_ref() == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            RawValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The kind of the value in words, for messages ("a string", "a table", ...).
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            RawValue::Table(_) => "a table",
            RawValue::Array(_) => "an array",
            RawValue::String(_) => "a string",
            RawValue::Integer(_) => "a whole number",
            RawValue::Float(_) => "a number with a fraction",
            RawValue::Bool(_) => "a boolean",
            RawValue::Datetime(_) => "a date",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_keep_their_order_and_answer_lookups() {
        let key = |s: &str, at: usize| Spanned::new(at..at + s.len(), s.to_string());
        let node = RawNode::table(
            0..20,
            vec![
                (key("zeta", 0), RawNode::integer(7..8, 1)),
                (key("alpha", 10), RawNode::string(18..20, "x")),
            ],
        );
        let RawValue::Table(entries) = &node.value else {
            panic!("a table");
        };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.get_ref().as_str()).collect();
        assert_eq!(keys, ["zeta", "alpha"]);
        assert_eq!(node.get("alpha").and_then(RawNode::as_str), Some("x"));
        assert_eq!(node.get("zeta").map(|n| n.span.clone()), Some(7..8));
        assert_eq!(node.get("beta"), None);
        assert_eq!(RawNode::bool(0..1, true).get("x"), None);
        assert_eq!(
            RawNode::float(0..1, 1.5).kind_name(),
            "a number with a fraction"
        );
    }
}
