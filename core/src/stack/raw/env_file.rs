//! `env_file = ".env"` or `env_file = [".env", { path = ".env.local", required = false }]`.

use crate::stack::tree::Spanned;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
use std::fmt;

/// An `env_file` key: one path, or entries in order.
#[derive(Debug)]
pub(crate) enum RawEnvFiles {
    One(String),
    Many(Vec<Spanned<RawEnvFile>>),
}

/// One entry: a path, or a table with `path` and `required`.
#[derive(Debug)]
pub(crate) enum RawEnvFile {
    Path(String),
    Table(RawEnvFileTable),
}

/// `{ path = ".env.local", required = false }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEnvFileTable {
    pub path: Option<Spanned<String>>,
    pub required: Option<Spanned<bool>>,
}

impl<'de> Deserialize<'de> for RawEnvFiles {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FilesVisitor;
        impl<'de> Visitor<'de> for FilesVisitor {
            type Value = RawEnvFiles;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path such as \".env\" or an array such as [\".env\", { path = \".env.local\", required = false }]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut files = Vec::new();
                while let Some(file) = seq.next_element()? {
                    files.push(file);
                }
                Ok(RawEnvFiles::Many(files))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawEnvFiles::One(v.to_string()))
            }
        }
        deserializer.deserialize_any(FilesVisitor)
    }
}

impl<'de> Deserialize<'de> for RawEnvFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FileVisitor;
        impl<'de> Visitor<'de> for FileVisitor {
            type Value = RawEnvFile;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path such as \".env\" or a table such as { path = \".env.local\", required = false }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawEnvFile::Path(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawEnvFileTable::deserialize(MapAccessDeserializer::new(map)).map(RawEnvFile::Table)
            }
        }
        deserializer.deserialize_any(FileVisitor)
    }
}
