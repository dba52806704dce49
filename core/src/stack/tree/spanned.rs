//! A value with the byte span of the text it was read from.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::ops::Range;

/// A value and the byte range of the stack file's text it was read from (offsets into the text
/// handed to the parser; messages turn them into line:column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    span: Range<usize>,
    value: T,
}

impl<T> Spanned<T> {
    /// `value`, read from the bytes `span` of the file.
    pub fn new(span: Range<usize>, value: T) -> Self {
        Spanned { span, value }
    }

    /// The byte range the value was read from.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The value.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The value, without its span.
    pub fn into_inner(self) -> T {
        self.value
    }
}

/// The struct name by which the tree's deserializer recognises a request for a span (the same
/// trick as `serde_spanned`: a struct of three fields that only this crate's deserializer fills).
pub(crate) const NAME: &str = "$__coord_private_Spanned";
/// Its fields: start and end offsets, then the value.
pub(crate) const START: &str = "$__coord_private_start";
pub(crate) const END: &str = "$__coord_private_end";
pub(crate) const VALUE: &str = "$__coord_private_value";
pub(crate) const FIELDS: &[&str] = &[START, END, VALUE];

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpannedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value read from a stack file")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let field = |name: &str, map: &mut A| -> Result<(), A::Error> {
                    match map.next_key::<String>()? {
                        Some(key) if key == name => Ok(()),
                        _ => Err(de::Error::custom("spanned value without its span")),
                    }
                };
                field(START, &mut map)?;
                let start: usize = map.next_value()?;
                field(END, &mut map)?;
                let end: usize = map.next_value()?;
                field(VALUE, &mut map)?;
                let value: T = map.next_value()?;
                Ok(Spanned::new(start..end, value))
            }
        }
        deserializer.deserialize_struct(NAME, FIELDS, SpannedVisitor(std::marker::PhantomData))
    }
}
