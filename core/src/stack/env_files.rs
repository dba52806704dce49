//! Environment files and interpolation: which `env_file`s a stack names (collected while
//! validating), and, once the runtime has read them, the environment each service gets and its
//! strings with `${VAR}` references resolved ([`Parsed::resolve_env`]).
//!
//! Precedence, lowest first: coord's own environment < env files (the stack's, then the
//! service's, later files winning) < the service's `env` < `PORT` and the discovery variables
//! (set at spawn). `env` values are resolved against coord's environment and the env files;
//! `command` and `working_dir` against those and the service's resolved `env`.

use super::diagnostics::Diagnostics;
use super::interpolate::{InterpolationError, interpolate, is_left_for_spawn};
use super::raw::{RawCommand, RawEnvFile, RawEnvFiles, RawService};
use super::tree::Spanned;
use super::values::{env_prefix, no_nul};
use super::{CommandSpec, ConfigError, ConfigErrors, Parsed, Place};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// One entry of an `env_file` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFile {
    /// The path as written, relative to the stack file's directory.
    pub path: String,
    /// Whether a missing file is an error (the default) or skipped.
    pub required: bool,
    /// Where the entry is written.
    pub place: Place,
}

/// What the runtime found when it read an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvFileContent {
    /// The variables, in file order.
    Loaded(Vec<(String, String)>),
    /// There is no such file.
    Missing,
    /// It exists but could not be read or is not dotenv syntax: why.
    Unreadable(String),
}

/// Everything resolving a stack's environment needs from outside the core.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvInputs {
    /// coord's own environment.
    pub process: BTreeMap<String, String>,
    /// The env files, by their path as written in the stack file.
    pub files: BTreeMap<String, EnvFileContent>,
}

/// A string that may hold references: where it is written, and whether the text there is the
/// string itself between quotes (then an error can point at the very `$`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    place: Place,
    verbatim: bool,
}

/// The strings of one service that are resolved at load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServiceSites {
    command: Vec<Site>,
    env: Vec<(String, Site)>,
    working_dir: Option<Site>,
}

/// The env files of a stack and the strings to resolve, kept from validation for
/// [`Parsed::resolve_env`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvPlan {
    /// The stack's `env_file` entries.
    pub stack_files: Vec<EnvFile>,
    /// `service_files[id]`: service `id`'s own `env_file` entries.
    pub service_files: Vec<Vec<EnvFile>>,
    sites: Vec<ServiceSites>,
    interpolate: bool,
}

impl EnvPlan {
    /// Every env file the stack names (stack level first), each path once.
    pub fn files(&self) -> Vec<&EnvFile> {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for f in self
            .stack_files
            .iter()
            .chain(self.service_files.iter().flatten())
        {
            if !seen.contains(&f.path.as_str()) {
                seen.push(&f.path);
                out.push(f);
            }
        }
        out
    }

    /// No `${...}` resolution (a Procfile: its commands are the shell's, as foreman runs them).
    pub(crate) fn without_interpolation(mut self) -> Self {
        self.interpolate = false;
        self
    }
}

/// Converts an `env_file` key (absent: none), reporting empty paths and NUL bytes.
pub(crate) fn env_files(d: &mut Diagnostics, raw: Option<&Spanned<RawEnvFiles>>) -> Vec<EnvFile> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let one;
    let entries = match raw.get_ref() {
        RawEnvFiles::One(path) => {
            one = [Spanned::new(raw.span(), RawEnvFile::Path(path.clone()))];
            &one[..]
        }
        RawEnvFiles::Many(entries) => &entries[..],
    };
    let mut files = Vec::new();
    for entry in entries {
        let (path, span, required) = match entry.get_ref() {
            RawEnvFile::Path(p) => (p.clone(), entry.span(), true),
            RawEnvFile::Table(t) => {
                let Some(path) = &t.path else {
                    d.error_at(
                        entry,
                        "an `env_file` table has no `path`",
                        "write `{ path = \".env.local\", required = false }`",
                    );
                    continue;
                };
                let required = t.required.as_ref().is_none_or(|r| *r.get_ref());
                (path.get_ref().clone(), path.span(), required)
            }
        };
        if path.trim().is_empty() {
            d.error(
                span,
                "an `env_file` path is empty",
                "write the file's path relative to the stack file, such as `env_file = [\".env\"]`",
            );
            continue;
        }
        no_nul(d, "an `env_file` path", &path, span.clone());
        files.push(EnvFile {
            path,
            required,
            place: d.place(span.start),
        });
    }
    files
}

/// The plan of a whole stack: its `env_file`s and every service's resolvable strings.
pub(crate) fn plan(
    d: &mut Diagnostics,
    stack_files: Option<&Spanned<RawEnvFiles>>,
    services: &[&RawService],
) -> EnvPlan {
    let stack_files = env_files(d, stack_files);
    let service_files = services
        .iter()
        .map(|s| env_files(d, s.env_file.as_ref()))
        .collect();
    let sites = services.iter().map(|s| sites(d, s)).collect();
    EnvPlan {
        stack_files,
        service_files,
        sites,
        interpolate: true,
    }
}

fn sites(d: &Diagnostics, r: &RawService) -> ServiceSites {
    let site = |s: &Spanned<String>| site(d, s.span(), s.get_ref());
    let command = match r.command.as_ref().map(|c| (c, c.get_ref())) {
        Some((c, RawCommand::Shell(line))) => vec![self::site(d, c.span(), line)],
        Some((_, RawCommand::Argv(argv))) => argv.iter().map(site).collect(),
        None => Vec::new(),
    };
    let env = r.env.as_ref().map_or_else(Vec::new, |e| {
        e.0.iter()
            .map(|(k, v)| (k.get_ref().clone(), site(v)))
            .collect()
    });
    ServiceSites {
        command,
        env,
        working_dir: r.working_dir.as_ref().map(site),
    }
}

fn site(d: &Diagnostics, span: Range<usize>, value: &str) -> Site {
    let verbatim = d.source(span.clone()).is_some_and(|src| {
        src.len() == value.len() + 2 && src.get(1..src.len() - 1) == Some(value)
    });
    Site {
        place: d.place(span.start),
        verbatim,
    }
}

impl Parsed {
    /// Applies the env files and resolves `${...}` references, given what the runtime read
    /// (`inputs`): each service's `env` becomes its env files' variables overlaid with its own
    /// resolved `env` (the keys kept from the files, and the own keys whose value interpolates a
    /// file's variable, are recorded in `env_from_files`), and its
    /// `command` and `working_dir` are resolved. Errors (a missing
    /// required env file, an unreadable one, `${VAR:?message}` with `VAR` unset) name the
    /// place in the stack file.
    pub fn resolve_env(mut self, inputs: &EnvInputs) -> Result<Parsed, ConfigErrors> {
        let mut errors: Vec<ConfigError> = Vec::new();
        let plan = &self.places.env;
        for f in plan.files() {
            if let Some(e) = file_error(self.places.file_of(f.place), f, inputs.files.get(&f.path))
            {
                errors.push(e);
            }
        }
        let prefixes: Vec<String> = self
            .stack
            .services
            .iter()
            .map(|s| env_prefix(&s.name))
            .collect();
        let left = |name: &str| is_left_for_spawn(name, &prefixes);
        for (id, service) in self.stack.services.iter_mut().enumerate() {
            let mut from_files: BTreeMap<String, String> = BTreeMap::new();
            let own = plan.service_files.get(id).map_or(&[][..], Vec::as_slice);
            for f in plan.stack_files.iter().chain(own) {
                if let Some(EnvFileContent::Loaded(vars)) = inputs.files.get(&f.path) {
                    from_files.extend(vars.iter().cloned());
                }
            }
            let mut visible = inputs.process.clone();
            visible.extend(from_files.iter().map(|(k, v)| (k.clone(), v.clone())));
            let empty = ServiceSites::default();
            let sites = plan
                .sites
                .get(id)
                .filter(|_| plan.interpolate)
                .unwrap_or(&empty);
            let mut resolve = |text: &str, site: &Site, vars: &BTreeMap<String, String>| {
                let lookup = |n: &str| vars.get(n).map(String::as_str);
                interpolate(text, &lookup, &left).unwrap_or_else(|e| {
                    errors.push(located(self.places.file_of(site.place), site, text, e));
                    text.to_string()
                })
            };
            let mut derived: BTreeSet<String> = BTreeSet::new();
            for (key, site) in &sites.env {
                if let Some(value) = service.env.get(key) {
                    if refers_to_any(value, &visible, &from_files, &left) {
                        derived.insert(key.clone());
                    }
                    let resolved = resolve(value, site, &visible);
                    service.env.insert(key.clone(), resolved);
                }
            }
            visible.extend(service.env.iter().map(|(k, v)| (k.clone(), v.clone())));
            match &mut service.command {
                CommandSpec::Shell(line) => {
                    if let Some(site) = sites.command.first() {
                        *line = resolve(line, site, &visible);
                    }
                }
                CommandSpec::Argv(argv) => {
                    for (arg, site) in argv.iter_mut().zip(&sites.command) {
                        *arg = resolve(arg, site, &visible);
                    }
                }
            }
            if let (Some(dir), Some(site)) = (&mut service.working_dir, &sites.working_dir) {
                *dir = resolve(dir, site, &visible);
            }
            let own_env = std::mem::take(&mut service.env);
            service.env_from_files = from_files
                .keys()
                .filter(|k| !own_env.contains_key(*k))
                .cloned()
                .chain(derived)
                .collect();
            from_files.extend(own_env);
            service.env = from_files;
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(ConfigErrors(errors))
        }
    }
}

/// Whether `text` interpolates a variable of an env file (`files`): then its resolved value
/// carries that file's value (`URL = "postgres://app:${DB_PASSWORD}@db/app"`).
fn refers_to_any(
    text: &str,
    visible: &BTreeMap<String, String>,
    files: &BTreeMap<String, String>,
    left: &dyn Fn(&str) -> bool,
) -> bool {
    let hit = Cell::new(false);
    let lookup = |name: &str| {
        if files.contains_key(name) {
            hit.set(true);
        }
        visible.get(name).map(String::as_str)
    };
    // Errors are reported by the resolution itself.
    let _ = interpolate(text, &lookup, left);
    hit.get()
}

/// The error for an env file that is required but missing, or unreadable.
fn file_error(file: &str, f: &EnvFile, content: Option<&EnvFileContent>) -> Option<ConfigError> {
    let (message, help) = match content {
        Some(EnvFileContent::Loaded(_)) => return None,
        Some(EnvFileContent::Missing) | None if !f.required => return None,
        Some(EnvFileContent::Missing) | None => (
            format!("the env file `{}` does not exist", f.path),
            format!(
                "create it (the path is relative to the stack file's directory), or make it optional: `{{ path = \"{}\", required = false }}`",
                f.path
            ),
        ),
        Some(EnvFileContent::Unreadable(why)) => (
            format!("cannot read the env file `{}`: {why}", f.path),
            "an env file holds `KEY=value` lines (`#` comments, quotes and an `export ` prefix allowed), as dotenv reads them".to_string(),
        ),
    };
    Some(ConfigError {
        file: file.to_string(),
        line: f.place.line,
        column: f.place.column,
        message,
        help,
    })
}

/// An interpolation error at its place: at the very `$` when the string is written verbatim on
/// one line, else at the start of the string.
fn located(file: &str, site: &Site, text: &str, e: InterpolationError) -> ConfigError {
    let before = text.get(..e.offset).unwrap_or_default();
    let column = if site.verbatim && !before.contains('\n') {
        site.place.column + 1 + before.chars().count()
    } else {
        site.place.column
    };
    ConfigError {
        file: file.to_string(),
        line: site.place.line,
        column,
        message: e.message,
        help: e.help,
    }
}
