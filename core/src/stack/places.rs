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
    /// Which of the stack's files (an index into [`Places::files`]; 0, the first file, for a
    /// stack read from one file).
    pub file: usize,
}

/// The places of the keys later messages point at, per service id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places {
    /// The file, as given to the parser (the first file of a merged stack).
    pub file: String,
    /// Every file the stack was read from, in merge order ([`Place::file`] indexes it).
    pub files: Vec<String>,
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
            file: self.file_of(place).to_string(),
            line: place.line,
            column: place.column,
            message: message.into(),
            help: help.into(),
        }
    }
}

impl Places {
    /// The name of the file `place` is in.
    pub fn file_of(&self, place: Place) -> &str {
        self.files.get(place.file).unwrap_or(&self.file)
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
