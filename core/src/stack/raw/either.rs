//! Values that may be written in more than one shape (`port = 5432` or `port = { ... }`, a command
//! string or array, ...) and tables whose keys are names kept in file order.

use super::{RawDependencyTable, RawPortTable};
use crate::stack::tree::Spanned;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
use std::fmt;
use std::marker::PhantomData;

/// A table whose keys are names chosen by the user (services, ranges, dependencies), in the
/// order they appear in the file.
#[derive(Debug)]
pub(crate) struct Keyed<V>(pub Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Keyed<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyedVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for KeyedVisitor<V> {
            type Value = Keyed<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(Spanned<String>, V)> = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                // The TOML reader may hand keys over sorted; the spans give back the file order.
                entries.sort_by_key(|(key, _)| key.span().start);
                Ok(Keyed(entries))
            }
        }
        deserializer.deserialize_map(KeyedVisitor(PhantomData))
    }
}

/// `command = "sh string"` or `command = ["argv", ...]`.
#[derive(Debug)]
pub(crate) enum RawCommand {
    Shell(String),
    Argv(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawCommand {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CommandVisitor;
        impl<'de> Visitor<'de> for CommandVisitor {
            type Value = RawCommand;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command string such as \"./server --port $PORT\" or an array such as [\"./server\", \"--port\", \"$PORT\"]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawCommand::Shell(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut argv = Vec::new();
                while let Some(arg) = seq.next_element()? {
                    argv.push(arg);
                }
                Ok(RawCommand::Argv(argv))
            }
        }
        deserializer.deserialize_any(CommandVisitor)
    }
}

/// `port = 5432` or `port = { preferred = 5432, range = "development" }`.
#[derive(Debug)]
pub(crate) enum RawPort {
    Number(i64),
    Table(RawPortTable),
}

impl<'de> Deserialize<'de> for RawPort {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PortVisitor;
        impl<'de> Visitor<'de> for PortVisitor {
            type Value = RawPort;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a port number such as 5432 or a table such as { preferred = 5432, range = \"development\" }")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(RawPort::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(RawPort::Number(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawPortTable::deserialize(MapAccessDeserializer::new(map)).map(RawPort::Table)
            }
        }
        deserializer.deserialize_any(PortVisitor)
    }
}

/// `depends_on = { a = "required", ... }` or `depends_on = ["a", "b"]`.
#[derive(Debug)]
pub(crate) enum RawDependsOn {
    Table(Keyed<Spanned<RawDependency>>),
    List(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawDependsOn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DependsOnVisitor;
        impl<'de> Visitor<'de> for DependsOnVisitor {
            type Value = RawDependsOn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table such as { database = \"required\" } or an array of service names such as [\"database\"]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element()? {
                    names.push(name);
                }
                Ok(RawDependsOn::List(names))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Keyed::deserialize(MapAccessDeserializer::new(map)).map(RawDependsOn::Table)
            }
        }
        deserializer.deserialize_any(DependsOnVisitor)
    }
}

/// One entry of a `depends_on` table: `"required"` or `{ kind = "optional", timeout = "10s" }`.
#[derive(Debug)]
pub(crate) enum RawDependency {
    Kind(String),
    Table(RawDependencyTable),
}

impl<'de> Deserialize<'de> for RawDependency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DependencyVisitor;
        impl<'de> Visitor<'de> for DependencyVisitor {
            type Value = RawDependency;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"required\", \"optional\", \"soft\" or a table such as { kind = \"optional\", timeout = \"10s\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawDependency::Kind(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawDependencyTable::deserialize(MapAccessDeserializer::new(map))
                    .map(RawDependency::Table)
            }
        }
        deserializer.deserialize_any(DependencyVisitor)
    }
}
