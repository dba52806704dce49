//! Reading the raw tree into typed structs with serde, keeping spans: every error carries the
//! span of the innermost node it is about (an unknown key points at the key, a wrong type at the
//! value), the way the TOML reader reports them, so the messages do not depend on the format.

use super::spanned::{self, END, START, VALUE};
use super::{RawNode, RawValue, Spanned};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    Visitor,
};
use std::fmt;
use std::ops::Range;

/// A value of the wrong shape (unknown key, wrong type), in serde's words, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShapeError {
    /// serde's message, such as "unknown field `x`, expected `a` or `b`".
    pub message: String,
    /// The innermost span the error was raised under.
    pub span: Option<Range<usize>>,
}

impl ShapeError {
    fn located(mut self, span: &Range<usize>) -> Self {
        if self.span.is_none() {
            self.span = Some(span.clone());
        }
        self
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShapeError {}

impl de::Error for ShapeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ShapeError {
            message: msg.to_string(),
            span: None,
        }
    }
}

/// Reads `node` as a `T`, stopping at the first value of the wrong shape.
pub(crate) fn from_tree<T: DeserializeOwned>(node: &RawNode) -> Result<T, ShapeError> {
    T::deserialize(NodeDe(node))
}

/// A deserializer over one node.
struct NodeDe<'a>(&'a RawNode);

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        let node = self.0;
        match &node.value {
            RawValue::String(s) => visitor.visit_str(s),
            RawValue::Integer(n) => visitor.visit_i64(*n),
            RawValue::Float(x) => visitor.visit_f64(*x),
            RawValue::Bool(b) => visitor.visit_bool(*b),
            // The TOML reader hands a date over as a (private) map: the same words here.
            RawValue::Datetime(_) => Err(de::Error::invalid_type(Unexpected::Map, &visitor)),
            RawValue::Array(items) => visitor.visit_seq(Items(items.iter())),
            RawValue::Table(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
            }),
        }
        .map_err(|e| e.located(&node.span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        let span = self.0.span.clone();
        visitor.visit_some(self).map_err(|e| e.located(&span))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        let span = self.0.span.clone();
        visitor
            .visit_newtype_struct(self)
            .map_err(|e| e.located(&span))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        if name == spanned::NAME {
            let span = self.0.span.clone();
            return visitor.visit_map(SpanAccess::new(span, self));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        let node = self.0;
        match &node.value {
            RawValue::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => Err(de::Error::custom("wanted string or table")),
        }
        .map_err(|e: ShapeError| e.located(&node.span))
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 char str string seq
        bytes byte_buf map unit i128 u128
        ignored_any unit_struct tuple_struct tuple identifier
    }
}

/// A deserializer over a table key, which may be asked for with its span.
struct KeyDe<'a>(&'a Spanned<String>);

impl<'de> de::Deserializer<'de> for KeyDe<'_> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor
            .visit_str(self.0.get_ref())
            .map_err(|e: ShapeError| e.located(&self.0.span()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        if name == spanned::NAME {
            return visitor.visit_map(SpanAccess::new(self.0.span(), self));
        }
        self.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 char str string seq
        bytes byte_buf map unit i128 u128 option newtype_struct enum
        ignored_any unit_struct tuple_struct tuple identifier
    }
}

/// The items of an array.
struct Items<'a>(std::slice::Iter<'a, RawNode>);

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = ShapeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ShapeError> {
        match self.0.next() {
            Some(node) => seed.deserialize(NodeDe(node)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of a table, in file order.
struct Entries<'a> {
    entries: std::slice::Iter<'a, (Spanned<String>, RawNode)>,
    value: Option<&'a RawNode>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = ShapeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ShapeError> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDe(key))
                    .map(Some)
                    .map_err(|e| e.located(&key.span()))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ShapeError> {
        match self.value.take() {
            Some(node) => seed.deserialize(NodeDe(node)),
            None => Err(de::Error::custom("a value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// The three fields of a [`Spanned`] request: start, end, then the value itself.
struct SpanAccess<D> {
    span: Range<usize>,
    step: usize,
    value: Option<D>,
}

impl<D> SpanAccess<D> {
    fn new(span: Range<usize>, value: D) -> Self {
        SpanAccess {
            span,
            step: 0,
            value: Some(value),
        }
    }
}

impl<'de, D: de::Deserializer<'de, Error = ShapeError>> MapAccess<'de> for SpanAccess<D> {
    type Error = ShapeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ShapeError> {
        let key = match self.step {
            0 => START,
            1 => END,
            2 => VALUE,
            _ => return Ok(None),
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ShapeError> {
        let step = self.step;
        self.step += 1;
        match step {
            0 => seed.deserialize(self.span.start.into_deserializer()),
            1 => seed.deserialize(self.span.end.into_deserializer()),
            _ => match self.value.take() {
                Some(value) => seed.deserialize(value),
                None => Err(de::Error::custom("a spanned value was read twice")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Probe {
        period: Option<Spanned<String>>,
        count: Option<Spanned<i64>>,
        args: Option<Vec<Spanned<String>>>,
    }

    fn key(s: &str, at: usize) -> Spanned<String> {
        Spanned::new(at..at + s.len(), s.to_string())
    }

    #[test]
    fn values_come_with_their_spans() {
        let node = RawNode::table(
            0..40,
            vec![
                (key("period", 0), RawNode::string(9..13, "1s")),
                (
                    key("args", 14),
                    RawNode::array(21..30, vec![RawNode::string(22..25, "-v")]),
                ),
            ],
        );
        let probe: Probe = from_tree(&node).unwrap();
        let period = probe.period.unwrap();
        assert_eq!((period.get_ref().as_str(), period.span()), ("1s", 9..13));
        assert_eq!(probe.args.unwrap()[0].span(), 22..25);
        assert!(probe.count.is_none());
    }

    #[test]
    fn an_unknown_key_points_at_the_key_and_a_wrong_type_at_the_value() {
        let unknown = RawNode::table(0..9, vec![(key("perod", 3), RawNode::string(6..9, "x"))]);
        let e = from_tree::<Probe>(&unknown).unwrap_err();
        assert_eq!(
            e.message,
            "unknown field `perod`, expected one of `period`, `count`, `args`"
        );
        assert_eq!(e.span, Some(3..8));
        let wrong = RawNode::table(0..9, vec![(key("count", 0), RawNode::string(6..9, "x"))]);
        let e = from_tree::<Probe>(&wrong).unwrap_err();
        assert_eq!(e.message, "invalid type: string \"x\", expected i64");
        assert_eq!(e.span, Some(6..9));
    }
}
