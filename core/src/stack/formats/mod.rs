//! The stack file formats coord reads, and which one a file is: the one place that decides.
//!
//! Every format is read into the raw tree ([`tree`](super::tree)) and validated by the same pass
//! ([`Stack::from_tree`]), so diagnostics look the same whatever the format. The core does no
//! I/O: the runtime reads the file (and looks for the default files) and hands over the name and
//! the bytes.

pub(crate) mod process_compose;
pub mod procfile;
pub(crate) mod toml_tree;
pub(crate) mod yaml_tree;

use super::diagnostics::Diagnostics;
use super::encoding::decode;
use super::syntax::reading_error;
use super::tree::RawNode;
use super::{ConfigError, ConfigErrors, ConfigWarning, Parsed, Place, Sources, Stack};

/// A stack file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// coord's own `coord.toml` (any `*.toml`, and any name no other format claims).
    Toml,
    /// process-compose's `process-compose.yaml` (also a `compose.yaml` with `processes:`).
    ProcessCompose,
    /// A foreman / honcho / overmind `Procfile` (or `Procfile.*`).
    Procfile,
}

/// The files `coord` looks for, in this order, when no `-f FILE` is given.
pub const DEFAULT_FILES: [&str; 4] = [
    "coord.toml",
    "process-compose.yaml",
    "process-compose.yml",
    "Procfile",
];

impl Format {
    /// The format of a file, from its name (`file` may be a path) and, for the ambiguous
    /// `compose.yaml`, its text. `Err` is a one-paragraph reason and what to do.
    pub fn detect(file: &str, text: &str) -> Result<Format, String> {
        let name = file.rsplit('/').next().unwrap_or(file);
        let (stem, extension) = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext)),
            _ => (name, None),
        };
        let yaml = matches!(extension, Some("yaml" | "yml"));
        if name == "Procfile" || name.starts_with("Procfile.") {
            return Ok(Format::Procfile);
        }
        if yaml && stem.starts_with("process-compose") {
            return Ok(Format::ProcessCompose);
        }
        if yaml && (stem == "compose" || stem == "docker-compose") {
            return if stem == "compose" && has_top_level_key(text, "processes") {
                Ok(Format::ProcessCompose)
            } else {
                Err(format!(
                    "{file} looks like a Docker Compose file (it has no top-level `processes:`), which coord does not read\n  help: describe the stack in coord.toml (see the README), or pass a process-compose file with -f"
                ))
            };
        }
        if yaml {
            return Err(format!(
                "coord cannot tell which format {file} is in\n  help: name it process-compose.yaml (or compose.yaml with a top-level `processes:`) if it is a process-compose file"
            ));
        }
        Ok(Format::Toml)
    }

    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "coord.toml",
            Format::ProcessCompose => "process-compose.yaml",
            Format::Procfile => "Procfile",
        }
    }
}

/// Whether a YAML text has `key:` at the start of a line (a top-level key).
fn has_top_level_key(text: &str, key: &str) -> bool {
    text.lines().any(|line| {
        line.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// A stack file read into the raw tree, before validation: what `coord import` writes out.
#[derive(Debug, Clone)]
pub struct Translation {
    /// The format the file was read as.
    pub format: Format,
    /// The tree, in coord.toml's shape, its spans pointing into the file's text.
    pub root: RawNode,
    /// Every field translated approximately or dropped (process-compose files), in file order.
    pub notes: Vec<ConfigWarning>,
    /// `(service, description)`: what the file says a service is (process-compose's
    /// `description`), for comments.
    pub descriptions: Vec<(String, String)>,
    /// The file(s) the tree was read from: its spans point into their combined text.
    pub sources: Sources,
}

impl Stack {
    /// Reads the text of a stack file of any format into the raw tree (no validation yet).
    pub fn read_tree(file: &str, text: &str) -> Result<Translation, ConfigErrors> {
        let format = Format::detect(file, text).map_err(|why| whole_file_error(file, why))?;
        let mut descriptions = Vec::new();
        let (root, notes) = match format {
            Format::Toml => (
                toml_tree::parse(text)
                    .map_err(|e| reading_error(file, text, e.span, &e.message))?,
                Vec::new(),
            ),
            Format::Procfile => (procfile::parse(file, text)?, Vec::new()),
            Format::ProcessCompose => {
                let translated = process_compose::parse(file, text)?;
                descriptions = translated.descriptions;
                (translated.root, translated.notes)
            }
        };
        Ok(Translation {
            format,
            root,
            notes,
            descriptions,
            sources: Sources::single(file, text),
        })
    }

    /// Reads one stack file, or several process-compose files merged into one tree as
    /// process-compose merges them (`-f a.yaml -f b.yaml`, an override file, `extends`: see
    /// [`process_compose::merge`]). `files` are `(name, text)` in merge order (the first is the
    /// base). Every error and note names the file its place is in. Several files must all be
    /// process-compose (YAML) files: a coord.toml or a Procfile is one file.
    pub fn read_trees(files: &[(&str, &str)]) -> Result<Translation, ConfigErrors> {
        let [(file, text)] = files else {
            return read_merged(files);
        };
        Stack::read_tree(file, text)
    }

    /// Validates a tree read by [`Stack::read_trees`] (or [`Stack::read_tree`]).
    pub fn from_translation(translation: &Translation) -> Result<Parsed, ConfigErrors> {
        let mut parsed = Stack::from_sources(&translation.sources, &translation.root)?;
        if translation.format != Format::Toml {
            // Procfile and process-compose commands are the shell's, as foreman and
            // process-compose run them: `$VAR` is left to the shell.
            parsed.places.env = parsed.places.env.without_interpolation();
        }
        Ok(parsed)
    }

    /// [`Stack::parse_file_bytes_with_notes`] for one or several files (see
    /// [`Stack::read_trees`]): `files` are `(name, bytes)` in merge order.
    pub fn parse_files_bytes_with_notes(
        files: &[(&str, &[u8])],
    ) -> Result<(Parsed, Vec<ConfigWarning>), ConfigErrors> {
        let mut texts = Vec::new();
        for (name, bytes) in files {
            texts.push((*name, decode(name, bytes)?));
        }
        let translation = Stack::read_trees(&texts)?;
        let parsed = Stack::from_translation(&translation)?;
        Ok((parsed, translation.notes))
    }

    /// The file a process-compose file `extends` (its top-level `extends:`), with where that is
    /// written (for a message about it: the file is missing, or the chain makes a cycle). The
    /// path is as written: relative paths are relative to the directory of `file`. `None` for a
    /// file without `extends` and for other formats.
    pub fn extends_of(file: &str, text: &str) -> Result<Option<(String, Place)>, ConfigErrors> {
        if !is_yaml_name(file) {
            return Ok(None);
        }
        let yaml = yaml_tree::parse(file, text)?;
        let Some(node) = yaml.get("extends") else {
            return Ok(None);
        };
        let d = Diagnostics::new(file, text);
        match node.scalar() {
            Some(path) if !path.trim().is_empty() => {
                Ok(Some((path.to_string(), d.place(node.span.start))))
            }
            _ if node.is_null() => Ok(None),
            _ => {
                let mut d = d;
                d.error(
                    node.span.clone(),
                    "`extends` must name one file",
                    "write the path of the file this one extends, such as `extends: process-compose.yaml`",
                );
                Err(d.into_errors())
            }
        }
    }

    /// Reads a stack file of any format: decodes the bytes (UTF-8), picks the format from the
    /// file name ([`Format::detect`]), reads it into the raw tree and validates it.
    pub fn parse_file_bytes(file: &str, bytes: &[u8]) -> Result<Parsed, ConfigErrors> {
        Stack::parse_file_bytes_with_notes(file, bytes).map(|(parsed, _)| parsed)
    }

    /// Like [`Stack::parse_file_bytes`], with the notes about fields another format's file had
    /// that coord translated approximately or dropped (to print as warnings).
    pub fn parse_file_bytes_with_notes(
        file: &str,
        bytes: &[u8],
    ) -> Result<(Parsed, Vec<ConfigWarning>), ConfigErrors> {
        Stack::parse_files_bytes_with_notes(&[(file, bytes)])
    }
}

/// Whether a file name ends in `.yaml`/`.yml`.
fn is_yaml_name(file: &str) -> bool {
    file.ends_with(".yaml") || file.ends_with(".yml")
}

/// Several process-compose files merged into one tree, then translated.
fn read_merged(files: &[(&str, &str)]) -> Result<Translation, ConfigErrors> {
    for (file, text) in files {
        let format = if is_yaml_name(file) {
            Format::ProcessCompose
        } else {
            Format::detect(file, text).unwrap_or(Format::Toml)
        };
        if format != Format::ProcessCompose {
            return Err(whole_file_error(
                file,
                format!(
                    "{file} is a {}, which is one file: repeated -f is for process-compose files (merged as process-compose merges them)\n  help: pass one {} with -f, or only process-compose .yaml/.yml files",
                    format.name(),
                    format.name()
                ),
            ));
        }
    }
    let sources = Sources::new(files);
    let mut merged: Option<yaml_tree::YNode> = None;
    let mut merge_notes = Vec::new();
    for (i, (file, text)) in files.iter().enumerate() {
        let mut yaml = yaml_tree::parse(file, text)?;
        process_compose::merge::shift(&mut yaml, sources.files()[i].start);
        merged = Some(match merged {
            None => yaml,
            Some(base) => process_compose::merge::merge_project(base, yaml, &mut merge_notes),
        });
    }
    let Some(merged) = merged else {
        return Err(whole_file_error("coord", "no stack file given".to_string()));
    };
    let translated = process_compose::translate(&sources, &merged, merge_notes)?;
    Ok(Translation {
        format: Format::ProcessCompose,
        root: translated.root,
        notes: translated.notes,
        descriptions: translated.descriptions,
        sources,
    })
}

/// An error about the whole file (located at its start): `why` is "message\n  help: help".
fn whole_file_error(file: &str, why: String) -> ConfigErrors {
    let (message, help) = match why.split_once("\n  help: ") {
        Some((m, h)) => (m.to_string(), h.to_string()),
        None => (why, String::new()),
    };
    ConfigErrors(vec![ConfigError {
        file: file.to_string(),
        line: 1,
        column: 1,
        message,
        help,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_file_name() {
        let f = |name: &str| Format::detect(name, "");
        assert_eq!(f("coord.toml"), Ok(Format::Toml));
        assert_eq!(f("/srv/app/demo.toml"), Ok(Format::Toml));
        assert_eq!(f("stack"), Ok(Format::Toml));
        assert_eq!(f("process-compose.yaml"), Ok(Format::ProcessCompose));
        assert_eq!(f("dir/process-compose.yml"), Ok(Format::ProcessCompose));
        assert_eq!(f("Procfile"), Ok(Format::Procfile));
        assert_eq!(f("./Procfile.dev"), Ok(Format::Procfile));
        assert!(f("stack.yaml").is_err());
    }

    #[test]
    fn compose_yaml_is_process_compose_only_with_processes() {
        let pc = "version: \"0.5\"\nprocesses:\n  web:\n    command: ./web\n";
        assert_eq!(
            Format::detect("compose.yaml", pc),
            Ok(Format::ProcessCompose)
        );
        let docker = "services:\n  web:\n    image: nginx\n";
        let why = Format::detect("compose.yml", docker).unwrap_err();
        assert!(why.contains("Docker Compose"), "{why}");
        let nested = "services:\n  processes: 1\n";
        assert!(Format::detect("compose.yaml", nested).is_err());
    }

    #[test]
    fn a_procfile_becomes_services_run_by_sh_with_foreman_ports() {
        use crate::stack::{CommandSpec, PortSpec};
        let text = "web: ./web --port $PORT\nworker: ./work\nadmin: ./admin -p ${PORT}\n";
        let stack = Stack::parse_file_bytes("app/Procfile", text.as_bytes())
            .unwrap()
            .stack;
        let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["web", "worker", "admin"]);
        assert_eq!(
            stack.services[1].command,
            CommandSpec::Shell("./work".into())
        );
        let preferred = |id: usize| match &stack.services[id].port {
            Some(PortSpec::Allocated { preferred, .. }) => *preferred,
            _ => None,
        };
        assert_eq!(
            (preferred(0), preferred(1), preferred(2)),
            (Some(5000), None, Some(5200))
        );
        assert!(stack.services.iter().all(|s| s.depends_on.is_empty()));
    }

    #[test]
    fn procfile_errors_name_the_procfile_line() {
        let errors = Stack::parse_file_bytes("Procfile.dev", b"web: ./a\nweb: ./b\n")
            .unwrap_err()
            .to_string();
        assert!(
            errors.starts_with("Procfile.dev:2:1: error: `web` is defined twice, on lines 1 and 2"),
            "{errors}"
        );
    }

    #[test]
    fn process_compose_files_are_read_with_notes() {
        let text = "processes:\n  db:\n    command: postgres -D data\n    is_daemon: true\n  api:\n    command: ./api\n    depends_on:\n      db:\n        condition: process_started\n";
        let (parsed, notes) =
            Stack::parse_file_bytes_with_notes("process-compose.yaml", text.as_bytes()).unwrap();
        let names: Vec<&str> = parsed
            .stack
            .services
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["db", "api"]);
        let lines: Vec<usize> = notes.iter().map(|n| n.place.line).collect();
        // `process_started` maps onto `started` exactly: no note for it.
        assert_eq!(lines, [4], "{notes:?}");
    }
}
