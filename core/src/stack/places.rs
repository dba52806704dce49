//! Where things are written in a stack file, kept after parsing for the messages that come later:
//! warnings about the run, and the runtime's checks against the file system (`working_dir`).

use super::{ConfigError, EnvPlan, ServiceId, Stack};

/// A 1-based line and column (in characters) in the stack file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The places of the keys later messages point at, per service id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places {
    /// The file, as given to the parser.
    pub file: String,
    /// `working_dir[id]`: where service `id`'s `working_dir` value is written, if it has one.
    pub working_dir: Vec<Option<Place>>,
    /// `dependencies[id][i]`: where the name of `services[id].depends_on[i]` is written.
    pub dependencies: Vec<Vec<Place>>,
    /// The env files and the strings resolved at load ([`Parsed::resolve_env`]).
    pub env: EnvPlan,
    /// `services[id]`: where the name of service `id` is written (its `[services.NAME]` key).
    pub services: Vec<Place>,
}

impl Places {
    /// An error at `place` of this file.
    pub fn error(
        &self,
        place: Place,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: place.line,
            column: place.column,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// A parsed stack and where its keys are written.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The validated stack.
    pub stack: Stack,
    /// Where its keys are written.
    pub places: Places,
}

/// Ids are indices: a helper for the per-service vectors above.
pub(crate) fn per_service<T>(services: usize, f: impl FnMut(ServiceId) -> T) -> Vec<T> {
    ServiceId::all(services).map(f).collect()
}
