//! The stack model: a validated stack file (`coord.toml`, or another [`Format`]).
//!
//! [`Stack::parse`] turns the text of a coord.toml into a [`Stack`] or a list of
//! [`ConfigError`]s, each naming the file, line and column and what to write instead;
//! [`Stack::parse_file_bytes`] does the same for any format. Every format is read into the
//! format-neutral [`tree`] and validated by one pass ([`Stack::from_tree`]). Parsing does no I/O:
//! the caller reads the file and passes its name along for the messages.

mod checks;
mod coordination;
mod dependencies;
mod dependency_kind;
mod diagnostics;
pub mod discovery;
mod duration;
mod encoding;
mod env;
mod env_files;
mod error;
mod export;
mod formats;
mod interpolate;
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
mod service_id;
mod sources;
mod syntax;
pub mod tree;
mod values;
mod warnings;
mod watch;

pub use dependency_kind::DependencyKind;
pub(crate) use dependency_kind::WaitsFor;
pub use duration::parse_duration;
pub use encoding::decode;
pub use env_files::{EnvFileContent, EnvInputs, EnvPlan};
pub use error::{ConfigError, ConfigErrors, ConfigWarning};
pub use export::Export;
pub use formats::{DEFAULT_FILES, Format, Translation};
pub use model::*;
pub use places::{Parsed, Place, Places};
pub(crate) use sources::Sources;
pub use values::{env_prefix, env_prefix_char};
pub use warnings::optional_but_required;
