//! The stack model: a validated `coord.toml`.
//!
//! [`Stack::parse`] turns the text of a stack file into a [`Stack`] or a list of
//! [`ConfigError`]s, each naming the file, line and column and what to write instead. Parsing does
//! no I/O: the caller reads the file and passes its name along for the messages.

mod checks;
mod coordination;
mod dependencies;
mod dependency_kind;
mod diagnostics;
pub mod discovery;
mod duration;
mod encoding;
mod env;
mod error;
mod export;
mod location;
mod model;
mod names;
mod parse;
mod places;
mod port;
mod probe;
mod ranges;
mod raw;
mod restart;
mod run_set;
mod service;
mod syntax;
mod values;
mod warnings;

pub use dependency_kind::{DependencyKind, KindSemantics, WaitsFor};
pub use duration::{DurationError, MAX_DURATION, parse_duration};
pub use encoding::decode;
pub use error::{ConfigError, ConfigErrors, ConfigWarning};
pub use export::Export;
pub use model::*;
pub use places::{Parsed, Place, Places};
pub use values::{env_prefix, env_prefix_char};
pub use warnings::optional_but_required;
