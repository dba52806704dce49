//! Which stack file a command reads: the one given with `-f FILE`, else the first of
//! [`DEFAULT_FILES`] in the current directory (said on stderr, since it may not be coord.toml).
//! Commands that load the stack ([`resolve_files`]) take `-f` repeated (process-compose files,
//! merged), and beside a found `process-compose.yaml` also its `process-compose.override.yml`
//! (or `.yaml`), as process-compose does.

use crate::cli::Failure;
use crate::stack_files::StackFiles;
use coord_core::stack::DEFAULT_FILES;
use std::path::{Path, PathBuf};

/// The one stack file, without a "using" line: for the commands that talk to a running coord
/// (`status`, `logs`, `down`, ...), whose output should be only their answer.
pub fn resolve_quietly(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    find_in(&here(), given)
}

/// `given`, or the first of [`DEFAULT_FILES`] present in `dir`.
fn find_in(dir: &Path, given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    if let Some(file) = given {
        return Ok(file);
    }
    for name in DEFAULT_FILES {
        if dir.join(name).is_file() {
            return Ok(PathBuf::from(name));
        }
    }
    Err(Failure::new(
        2,
        format!(
            "no stack file here: looked for {} in {}\n  help: pass the stack file with -f FILE, or run coord where one of them is",
            DEFAULT_FILES.join(", "),
            dir.display()
        ),
    ))
}

/// The override files process-compose reads beside a found `process-compose.yaml`/`.yml`, in
/// its order of preference (the first present is used).
pub const OVERRIDE_FILES: [&str; 2] = [
    "process-compose.override.yml",
    "process-compose.override.yaml",
];

/// The stack files: the `-f` files given (in merge order), else the default file found in `dir`
/// and, for a found `process-compose.yaml`/`.yml`, the override file beside it. The files used
/// are said on stderr when they were found rather than given.
pub fn resolve_files_in(dir: &Path, given: Vec<PathBuf>) -> Result<StackFiles, Failure> {
    if let Some(files) = StackFiles::new(given) {
        return Ok(files);
    }
    let file = find_in(dir, None)?;
    let mut files = vec![file.clone()];
    let process_compose = file
        .to_str()
        .is_some_and(|f| f.starts_with("process-compose."));
    if let Some(over) = OVERRIDE_FILES
        .iter()
        .find(|n| process_compose && dir.join(n).is_file())
    {
        files.push(PathBuf::from(over));
    }
    let files = StackFiles::new(files).unwrap_or_else(|| StackFiles::one(file));
    crate::errln!("coord: using {}", files.shown());
    Ok(files)
}

/// [`resolve_files_in`] the current directory.
pub fn resolve_files(given: Vec<PathBuf>) -> Result<StackFiles, Failure> {
    resolve_files_in(&here(), given)
}

/// The current directory (`.` if it cannot be read).
fn here() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("coord-stack-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn coord_toml_comes_first_then_process_compose_then_procfile() {
        let dir = scratch("order");
        assert_eq!(find_in(&dir, None).unwrap_err().code, 2);
        std::fs::write(dir.join("Procfile"), "web: ./web\n").unwrap();
        assert_eq!(find_in(&dir, None).unwrap(), PathBuf::from("Procfile"));
        std::fs::write(dir.join("process-compose.yml"), "processes: {}\n").unwrap();
        assert_eq!(
            find_in(&dir, None).unwrap(),
            PathBuf::from("process-compose.yml")
        );
        std::fs::write(dir.join("coord.toml"), "").unwrap();
        assert_eq!(find_in(&dir, None).unwrap(), PathBuf::from("coord.toml"));
        let given = PathBuf::from("x/Procfile");
        assert_eq!(find_in(&dir, Some(given.clone())).unwrap(), given);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_found_process_compose_file_brings_its_override_and_given_files_stay_as_given() {
        let dir = scratch("override");
        std::fs::write(dir.join("process-compose.yaml"), "processes: {}\n").unwrap();
        let files = resolve_files_in(&dir, Vec::new()).unwrap();
        assert_eq!(files.paths(), [PathBuf::from("process-compose.yaml")]);
        std::fs::write(dir.join("process-compose.override.yaml"), "processes: {}\n").unwrap();
        let files = resolve_files_in(&dir, Vec::new()).unwrap();
        assert_eq!(
            files.shown(),
            "process-compose.yaml + process-compose.override.yaml"
        );
        std::fs::write(dir.join("process-compose.override.yml"), "processes: {}\n").unwrap();
        let files = resolve_files_in(&dir, Vec::new()).unwrap();
        assert_eq!(
            files.shown(),
            "process-compose.yaml + process-compose.override.yml",
            "process-compose prefers .yml"
        );
        let given = vec![PathBuf::from("process-compose.yaml")];
        let files = resolve_files_in(&dir, given.clone()).unwrap();
        assert_eq!(files.paths(), given, "an explicit -f brings no override");
        // A coord.toml found first brings no override.
        std::fs::write(dir.join("coord.toml"), "").unwrap();
        let files = resolve_files_in(&dir, Vec::new()).unwrap();
        assert_eq!(files.paths(), [PathBuf::from("coord.toml")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
