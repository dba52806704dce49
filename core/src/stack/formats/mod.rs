//! The stack file formats coord reads, and which one a file is: the one place that decides.
//!
//! Every format is read into the raw tree ([`tree`](super::tree)) and validated by the same pass
//! ([`Stack::from_tree`]), so diagnostics look the same whatever the format. The core does no
//! I/O: the runtime reads the file (and looks for the default files) and hands over the name and
//! the bytes.

pub mod procfile;
pub(crate) mod toml_tree;

use super::encoding::decode;
use super::{ConfigError, ConfigErrors, Parsed, Stack};

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

impl Stack {
    /// Reads a stack file of any format: decodes the bytes (UTF-8), picks the format from the
    /// file name ([`Format::detect`]), reads it into the raw tree and validates it.
    pub fn parse_file_bytes(file: &str, bytes: &[u8]) -> Result<Parsed, ConfigErrors> {
        let text = decode(file, bytes)?;
        let format = Format::detect(file, text).map_err(|why| whole_file_error(file, why))?;
        match format {
            Format::Toml => Stack::parse_with_places(file, text),
            Format::Procfile => {
                let mut parsed = Stack::from_tree(file, text, &procfile::parse(file, text)?)?;
                parsed.places.env = parsed.places.env.without_interpolation();
                Ok(parsed)
            }
            Format::ProcessCompose => Err(whole_file_error(
                file,
                format!(
                    "{} files are not supported yet\n  help: describe the stack in coord.toml (see the README's configuration reference)",
                    format.name()
                ),
            )),
        }
    }
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
    fn yaml_formats_are_a_clear_error_until_they_are_read() {
        let errors = Stack::parse_file_bytes("process-compose.yaml", b"processes: {}\n")
            .unwrap_err()
            .0;
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
        assert!(
            errors[0].message.contains("not supported yet"),
            "{}",
            errors[0].message
        );
    }
}
