//! Where coord keeps its files: a state directory beside the stack file (registry, logs, control
//! socket; `.coord/` for `coord.toml`, `.coord-<stem>/` for any other stack file) and the
//! per-user runtime directory (notify sockets, per-user port locks). Every one of them is
//! created and opened without following links and must belong to the user running coord (see
//! [`crate::safe_fs`]).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The files of one stack: everything lives in its state directory beside the stack file.
#[derive(Debug, Clone)]
pub struct StackPaths {
    /// The directory of the stack file: services' working directories are relative to it.
    pub stack_dir: PathBuf,
    /// The state directory: `<stack_dir>/.coord` for `coord.toml` (or `coord.<any extension>`),
    /// `<stack_dir>/.coord-<stem>` for any other stack file, so that two stack files in one
    /// directory run side by side.
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
        let coord_dir = stack_dir.join(state_dir_name(&absolute));
        Ok(StackPaths {
            stack_dir,
            coord_dir,
        })
    }

    /// `registry.json` in the state directory.
    pub fn registry(&self) -> PathBuf {
        self.coord_dir.join("registry.json")
    }

    /// `registry.lock`, locked around every read-modify-write of the registry.
    pub fn registry_lock(&self) -> PathBuf {
        self.coord_dir.join("registry.lock")
    }

    /// `logs/` in the state directory.
    pub fn logs_dir(&self) -> PathBuf {
        self.coord_dir.join("logs")
    }

    /// `logs/<name>.log`.
    pub fn log_file(&self, service: &str) -> PathBuf {
        self.logs_dir().join(format!("{service}.log"))
    }

    /// `control.sock`: the running coord's control socket (`coord stop/restart/status`).
    pub fn control_socket(&self) -> PathBuf {
        self.coord_dir.join("control.sock")
    }

    /// Creates the state directory and its `logs/` (mode 0700) if missing, without following
    /// links; refuses either if it is a link, not a directory, or another user's.
    pub fn ensure_dirs(&self) -> io::Result<()> {
        let coord = crate::safe_fs::private_dir(&self.coord_dir)?;
        crate::safe_fs::private_dir_at(&coord, Path::new("logs"), &self.logs_dir()).map(drop)
    }
}

/// The name of the state directory of the stack file `file`: `.coord` for a file whose stem is
/// `coord` (the common single-file case), `.coord-<stem>` otherwise (`demo.toml` ->
/// `.coord-demo`).
pub fn state_dir_name(file: &Path) -> String {
    match file.file_stem().map(|s| s.to_string_lossy()) {
        Some(stem) if stem != "coord" && !stem.is_empty() => format!(".coord-{stem}"),
        _ => ".coord".to_owned(),
    }
}

/// Creates (truncating) the log file at `path` for writing, mode 0600, never through a link
/// (a link in its place is replaced); `O_CLOEXEC`, so services never inherit it.
pub fn create_log_file(path: &Path) -> io::Result<File> {
    crate::safe_fs::create_file(path)
}

/// The per-user runtime directory of coord: `$XDG_RUNTIME_DIR/coord`, or `<tmp>/coord-<uid>`
/// when `XDG_RUNTIME_DIR` is unset or names no directory of this user. Created with mode 0700, never through a
/// link, and refused if it belongs to another user (then nothing falls back silently: a planted
/// link or directory is reported).
pub fn user_runtime_dir() -> io::Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let uid = rustix::process::geteuid().as_raw();
    if let Some(xdg) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        let xdg = PathBuf::from(xdg);
        // The spec makes it the user's own directory; another user's (a variable kept across
        // `su`) is not ours to use.
        if std::fs::metadata(&xdg).is_ok_and(|m| m.is_dir() && m.uid() == uid) {
            let dir = xdg.join("coord");
            create_private_dir(&dir)?;
            return Ok(dir);
        }
    }
    let dir = std::env::temp_dir().join(format!("coord-{uid}"));
    create_private_dir(&dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{e}\n  help: or set XDG_RUNTIME_DIR to a private directory of yours"),
        )
    })?;
    Ok(dir)
}

/// Creates `dir` (and missing parents) with mode 0700 if missing and tightens an existing one to
/// 0700, without following a link at its last component; refuses a link, a non-directory, and
/// a directory of another user.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    crate::safe_fs::private_dir(dir).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

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
    fn each_stack_file_has_its_own_state_dir() {
        let dir = Path::new("/srv/app");
        let of = |f: &str| StackPaths::for_stack_file(&dir.join(f)).unwrap().coord_dir;
        assert_eq!(of("coord.toml"), dir.join(".coord"));
        assert_eq!(of("demo.toml"), dir.join(".coord-demo"));
        assert_eq!(of("Procfile"), dir.join(".coord-Procfile"));
        assert_ne!(of("a.toml"), of("b.toml"));
        assert_eq!(
            StackPaths::for_stack_file(&dir.join("demo.toml"))
                .unwrap()
                .log_file("db"),
            dir.join(".coord-demo/logs/db.log")
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
