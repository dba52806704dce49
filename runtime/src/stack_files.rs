//! The files a stack is read from: usually one, but a process-compose stack may be several
//! (repeated `-f`, the `process-compose.override.yaml` beside `process-compose.yaml`, and the
//! files their `extends:` name). The runtime reads them, following each `extends` chain; the
//! core merges them ([`Stack::parse_files_bytes_with_notes`]).
//!
//! The first file names the stack: its state directory, registry and `working_dir`s are those of
//! the first file, as process-compose takes paths relative to the first file.

use crate::cli::Failure;
use crate::load::errors_failure_named;
use coord_core::Stack;
use coord_core::stack::{ConfigError, ConfigErrors, Place, decode};
use std::path::{Path, PathBuf};

/// More `extends` links than this in one chain is refused (a chain that long is a mistake, and
/// the bound keeps a loop through links the cycle check cannot see from ever hanging).
const MAX_CHAIN: usize = 64;

/// The stack files given (or found), in merge order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFiles {
    files: Vec<PathBuf>,
}

/// One file read, with the name used in messages.
struct Read {
    name: String,
    canonical: PathBuf,
    bytes: Vec<u8>,
}

/// Where an `extends` was written: the file, the place, the path as written.
struct Link {
    file: String,
    place: Place,
    written: String,
}

impl StackFiles {
    /// One stack file.
    pub fn one(file: impl Into<PathBuf>) -> StackFiles {
        StackFiles {
            files: vec![file.into()],
        }
    }

    /// Several files, in merge order (`None` for none).
    pub fn new(files: Vec<PathBuf>) -> Option<StackFiles> {
        (!files.is_empty()).then_some(StackFiles { files })
    }

    /// The first file: the one that names the stack.
    pub fn primary(&self) -> &Path {
        &self.files[0]
    }

    /// The files, in merge order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.files
    }

    /// The files for messages: `a.yaml + b.yaml`.
    pub fn shown(&self) -> String {
        let names: Vec<String> = self.files.iter().map(|f| f.display().to_string()).collect();
        names.join(" + ")
    }

    /// Reads every file, each preceded by the files its `extends` chain names (base first):
    /// `(name, bytes)` in merge order. A file that cannot be read, an `extends` that names a
    /// missing file or makes a cycle, and a file loaded twice are errors (exit 2), located at
    /// the `extends` that led to them.
    pub fn read(&self) -> Result<Vec<(String, Vec<u8>)>, Failure> {
        let mut all: Vec<Read> = Vec::new();
        for file in &self.files {
            for read in chain(file)? {
                if let Some(first) = all.iter().find(|r| r.canonical == read.canonical) {
                    return Err(Failure::new(
                        2,
                        format!(
                            "{} would be loaded twice (once as {}): a file that `extends` another is loaded with the file it extends\n  help: pass only the last file of an `extends` chain with -f",
                            read.name, first.name
                        ),
                    ));
                }
                all.push(read);
            }
        }
        Ok(all.into_iter().map(|r| (r.name, r.bytes)).collect())
    }
}

/// `file` and the files its `extends` chain names, base first.
fn chain(file: &Path) -> Result<Vec<Read>, Failure> {
    let mut reads: Vec<Read> = Vec::new();
    let mut current = file.to_path_buf();
    let mut via: Option<Link> = None;
    loop {
        let name = current.display().to_string();
        let bytes = match std::fs::read(&current) {
            Ok(bytes) => bytes,
            Err(e) => return Err(unreadable(&current, via.as_ref(), &e)),
        };
        let canonical = std::fs::canonicalize(&current).unwrap_or_else(|_| current.clone());
        let seen = reads.iter().any(|r| r.canonical == canonical);
        if let Some(link) = via.as_ref().filter(|_| seen || reads.len() >= MAX_CHAIN) {
            let mut names: Vec<&str> = reads.iter().map(|r| r.name.as_str()).collect();
            names.push(&name);
            let what = if seen {
                "makes a cycle".to_string()
            } else {
                format!("makes a chain longer than {MAX_CHAIN} files")
            };
            return Err(at_link(
                link,
                format!("`extends` {what}: {}", names.join(" extends ")),
                "remove the `extends` that leads back to a file already in the chain",
            ));
        }
        let text = decode(&name, &bytes).map_err(|e| errors_failure_named(&name, &e))?;
        let extends =
            Stack::extends_of(&name, text).map_err(|e| errors_failure_named(&name, &e))?;
        reads.push(Read {
            name: name.clone(),
            canonical,
            bytes,
        });
        let Some((written, place)) = extends else {
            break;
        };
        let target = Path::new(&written);
        current = if target.is_absolute() {
            target.to_path_buf()
        } else {
            match current.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => tidy(&dir.join(target)),
                _ => target.to_path_buf(),
            }
        };
        via = Some(Link {
            file: name,
            place,
            written,
        });
    }
    reads.reverse();
    Ok(reads)
}

/// `path` without `.` components and with `dir/..` pairs collapsed, lexically: process-compose
/// joins the extending file's directory and the `extends` path the same way (Go's
/// `filepath.Join` cleans the result), so a `..` after a symbolic link means the same file in
/// both tools.
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// The failure for a file that cannot be read: at the `extends` that named it, if one did.
fn unreadable(file: &Path, via: Option<&Link>, e: &std::io::Error) -> Failure {
    match via {
        Some(link) => at_link(
            link,
            format!(
                "`extends` names {}, which cannot be read ({}: {e})",
                link.written,
                file.display()
            ),
            "the path is relative to the directory of the file that extends it; correct it or create the file",
        ),
        None => Failure::new(
            2,
            format!(
                "cannot read the stack file {}: {e}\n  help: pass the stack file with -f FILE, or run coord where coord.toml (or process-compose.yaml, or a Procfile) is",
                file.display()
            ),
        ),
    }
}

/// An error located at an `extends` value: exit 2.
fn at_link(link: &Link, message: String, help: &str) -> Failure {
    let error = ConfigError {
        file: link.file.clone(),
        line: link.place.line,
        column: link.place.column,
        message,
        help: help.to_string(),
    };
    errors_failure_named(&link.file, &ConfigErrors(vec![error]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("coord-stack-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        dir
    }

    fn names(files: &StackFiles) -> Result<Vec<String>, Failure> {
        files
            .read()
            .map(|all| all.into_iter().map(|(name, _)| name).collect())
    }

    #[test]
    fn extends_chains_come_first_and_resolve_against_the_extending_file() {
        let dir = scratch("chain");
        std::fs::write(dir.join("base.yaml"), "processes: {a: {command: a}}\n").unwrap();
        std::fs::write(dir.join("sub/mid.yaml"), "extends: ../base.yaml\n").unwrap();
        std::fs::write(dir.join("top.yaml"), "extends: sub/mid.yaml\n").unwrap();
        let got = names(&StackFiles::one(dir.join("top.yaml"))).unwrap();
        let d = dir.display();
        assert_eq!(
            got,
            [
                format!("{d}/base.yaml"),
                format!("{d}/sub/mid.yaml"),
                format!("{d}/top.yaml")
            ]
        );
        // The file it extends given too: loaded twice, refused.
        let twice = StackFiles::new(vec![dir.join("base.yaml"), dir.join("top.yaml")]).unwrap();
        let e = names(&twice).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("loaded twice"), "{}", e.message);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cycles_and_missing_files_are_errors_at_the_extends() {
        let dir = scratch("cycle");
        std::fs::write(dir.join("a.yaml"), "processes: {}\nextends: b.yaml\n").unwrap();
        std::fs::write(dir.join("b.yaml"), "extends: a.yaml\n").unwrap();
        let e = names(&StackFiles::one(dir.join("a.yaml"))).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.message.starts_with(&format!(
                "{}/b.yaml:1:10: error: `extends` makes a cycle",
                dir.display()
            )),
            "{}",
            e.message
        );
        std::fs::write(dir.join("self.yaml"), "extends: self.yaml\n").unwrap();
        let e = names(&StackFiles::one(dir.join("self.yaml"))).unwrap_err();
        assert!(e.message.contains("makes a cycle"), "{}", e.message);
        std::fs::write(dir.join("c.yaml"), "\nextends: gone.yaml\n").unwrap();
        let e = names(&StackFiles::one(dir.join("c.yaml"))).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.message.starts_with(&format!(
                "{}/c.yaml:2:10: error: `extends` names gone.yaml, which cannot be read",
                dir.display()
            )),
            "{}",
            e.message
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
