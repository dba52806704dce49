//! Where coord keeps its files: `.coord/` beside the stack file (registry, logs, control socket)
//! and the per-user runtime directory (port locks, notify sockets).

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The files of one stack: everything lives in `.coord/` beside the stack file.
#[derive(Debug, Clone)]
pub struct StackPaths {
    /// The directory of the stack file: services' working directories are relative to it.
    pub stack_dir: PathBuf,
    /// `<stack_dir>/.coord`.
    pub coord_dir: PathBuf,
}

impl StackPaths {
    /// The paths for the stack file `file` (relative paths are taken from the current directory).
    pub fn for_stack_file(file: &Path) -> io::Result<StackPaths> {
        let absolute = std::path::absolute(file)?;
        let stack_dir = absolute
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        let coord_dir = stack_dir.join(".coord");
        Ok(StackPaths {
            stack_dir,
            coord_dir,
        })
    }

    /// `.coord/registry.json`.
    pub fn registry(&self) -> PathBuf {
        self.coord_dir.join("registry.json")
    }

    /// `.coord/registry.lock`, locked around every read-modify-write of the registry.
    pub fn registry_lock(&self) -> PathBuf {
        self.coord_dir.join("registry.lock")
    }

    /// `.coord/logs`.
    pub fn logs_dir(&self) -> PathBuf {
        self.coord_dir.join("logs")
    }

    /// `.coord/logs/<name>.log`.
    pub fn log_file(&self, service: &str) -> PathBuf {
        self.logs_dir().join(format!("{service}.log"))
    }

    /// `.coord/control.sock`: the running coord's control socket (`coord stop/restart/status`).
    pub fn control_socket(&self) -> PathBuf {
        self.coord_dir.join("control.sock")
    }

    /// Creates `.coord/` and `.coord/logs/` (mode 0700) if missing.
    pub fn ensure_dirs(&self) -> io::Result<()> {
        create_private_dir(&self.coord_dir)?;
        create_private_dir(&self.logs_dir())
    }
}

/// The per-user runtime directory of coord: `$XDG_RUNTIME_DIR/coord`, or `<tmp>/coord-<uid>`
/// when `XDG_RUNTIME_DIR` is unset or unusable. Created with mode 0700.
pub fn user_runtime_dir() -> io::Result<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(xdg).join("coord");
        if create_private_dir(&dir).is_ok() {
            return Ok(dir);
        }
    }
    let uid = rustix::process::getuid().as_raw();
    let dir = std::env::temp_dir().join(format!("coord-{uid}"));
    create_private_dir(&dir)?;
    // A directory in a shared temp dir must be ours and private, or someone could plant locks.
    let meta = fs::metadata(&dir)?;
    use std::os::unix::fs::MetadataExt;
    if meta.uid() != uid {
        return Err(io::Error::other(format!(
            "{} belongs to another user; set XDG_RUNTIME_DIR to a private directory",
            dir.display()
        )));
    }
    Ok(dir)
}

/// Creates `dir` (and parents) with mode 0700 if missing, and tightens an existing one to 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = fs::metadata(dir)?;
    if meta.permissions().mode() & 0o777 != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_paths_live_beside_the_stack_file() {
        let p = StackPaths::for_stack_file(Path::new("/srv/app/coord.toml")).unwrap();
        assert_eq!(p.stack_dir, PathBuf::from("/srv/app"));
        assert_eq!(p.registry(), PathBuf::from("/srv/app/.coord/registry.json"));
        assert_eq!(
            p.log_file("db"),
            PathBuf::from("/srv/app/.coord/logs/db.log")
        );
    }

    #[test]
    fn private_dirs_get_mode_0700() {
        let base = std::env::temp_dir().join(format!("coord-paths-test-{}", std::process::id()));
        let dir = base.join("a/b");
        create_private_dir(&dir).unwrap();
        let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&dir).unwrap();
        let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        fs::remove_dir_all(&base).unwrap();
    }
}
