//! Which stack file a command reads: the one given with `-f FILE`, else the first of
//! [`DEFAULT_FILES`] in the current directory (said on stderr, since it may not be coord.toml).

use crate::cli::Failure;
use coord_core::stack::DEFAULT_FILES;
use std::path::{Path, PathBuf};

/// The stack file: `given`, or the first default file present in `dir` (said on stderr).
pub fn resolve_in(dir: &Path, given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    let searched = given.is_none();
    let file = find_in(dir, given)?;
    if searched {
        crate::errln!("coord: using {}", file.display());
    }
    Ok(file)
}

/// [`resolve`] without the "using" line: for the commands that talk to a running coord
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

/// [`resolve_in`] the current directory.
pub fn resolve(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    resolve_in(&here(), given)
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
        assert_eq!(resolve_in(&dir, None).unwrap_err().code, 2);
        std::fs::write(dir.join("Procfile"), "web: ./web\n").unwrap();
        assert_eq!(resolve_in(&dir, None).unwrap(), PathBuf::from("Procfile"));
        std::fs::write(dir.join("process-compose.yml"), "processes: {}\n").unwrap();
        assert_eq!(
            resolve_in(&dir, None).unwrap(),
            PathBuf::from("process-compose.yml")
        );
        std::fs::write(dir.join("coord.toml"), "").unwrap();
        assert_eq!(resolve_in(&dir, None).unwrap(), PathBuf::from("coord.toml"));
        let given = PathBuf::from("x/Procfile");
        assert_eq!(resolve_in(&dir, Some(given.clone())).unwrap(), given);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
