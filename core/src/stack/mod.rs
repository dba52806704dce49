//! The stack model: a validated `coord.toml`.
//!
//! [`Stack::parse`] turns the text of a stack file into a [`Stack`] or a list of
//! [`ConfigError`]s, each naming the file, line and column and what to write instead. Parsing does
//! no I/O: the caller reads the file and passes its name along for the messages.

mod duration;
mod error;
mod model;
mod parse;

pub use duration::parse_duration;
pub use error::{ConfigError, ConfigErrors};
pub use model::*;
