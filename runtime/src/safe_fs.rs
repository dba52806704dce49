//! coord's own directories and files, opened without following symbolic links: a directory is
//! created with `mkdirat` and opened with `O_NOFOLLOW | O_DIRECTORY`, its owner is checked, and
//! its mode is set on the open descriptor (`fchmod`), never by path. What is not ours is refused
//! with a message that says whose it is and what to do.

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Component, Path};

/// Flags of every directory opened here.
const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Opens the directory `path`, creating it (mode 0700) if missing, without following a link at
/// its last component; refuses it unless it is a directory owned by the effective user; makes it
/// mode 0700 through the descriptor. The components before the last are the user's own choice
/// (`XDG_RUNTIME_DIR`, the stack file's directory) and are followed as usual; missing ones are
/// created.
pub fn private_dir(path: &Path) -> io::Result<OwnedFd> {
    let (parent, name) = split(path)?;
    if !parent.as_os_str().is_empty() && !parent.is_dir() {
        std::fs::create_dir_all(parent)?;
    }
    let parent_fd = open_dir_path(parent)?;
    private_dir_at(&parent_fd, name, path)
}

/// [`private_dir`] for the entry `name` of the open directory `parent` (`shown` is its path, for
/// messages).
pub fn private_dir_at(parent: impl AsFd, name: &Path, shown: &Path) -> io::Result<OwnedFd> {
    let dir = dir_at(parent.as_fd(), name, shown, 0o700)?;
    let st = rustix::fs::fstat(&dir)?;
    let me = rustix::process::geteuid().as_raw();
    if st.st_uid != me {
        return Err(foreign(shown, st.st_uid));
    }
    if st.st_mode & 0o7777 != 0o700 {
        rustix::fs::fchmod(&dir, Mode::from_raw_mode(0o700))?;
    }
    Ok(dir)
}

/// Opens the directory `name` of `parent` without following a link, creating it with `mode`
/// (then set exactly, through the descriptor, as the umask may have narrowed it) if missing.
/// The owner is not checked here.
pub fn dir_at(parent: impl AsFd, name: &Path, shown: &Path, mode: u32) -> io::Result<OwnedFd> {
    let parent = parent.as_fd();
    let created = match rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(mode)) {
        Ok(()) => true,
        Err(Errno::EXIST) => false,
        Err(e) => return Err(with_path(e.into(), shown)),
    };
    let dir = match rustix::fs::openat(parent, name, DIR_FLAGS, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::LOOP) | Err(Errno::NOTDIR) => return Err(not_a_dir(parent, name, shown)),
        Err(e) => return Err(with_path(e.into(), shown)),
    };
    if created {
        rustix::fs::fchmod(&dir, Mode::from_raw_mode(mode))?;
    }
    Ok(dir)
}

/// Creates (truncating) the file `name` of the directory `dir` for writing, mode 0600, without
/// following a link: a link or other non-file in its place is removed first (the directory is
/// ours, so whatever lies in it is a leftover, never a target to write through).
pub fn create_file_at(dir: impl AsFd, name: &Path, shown: &Path) -> io::Result<File> {
    let dir = dir.as_fd();
    let flags = OFlags::WRONLY
        | OFlags::CREATE
        | OFlags::TRUNC
        | OFlags::NOFOLLOW
        | OFlags::CLOEXEC
        | OFlags::NONBLOCK;
    let mode = Mode::from_raw_mode(0o600);
    let fd = match rustix::fs::openat(dir, name, flags, mode) {
        Ok(fd) if is_regular(&fd) => fd,
        Ok(_) | Err(Errno::LOOP) | Err(Errno::NXIO) | Err(Errno::ISDIR) => {
            match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => return Err(with_path(e.into(), shown)),
            }
            rustix::fs::openat(dir, name, flags | OFlags::EXCL, mode)
                .map_err(|e| with_path(e.into(), shown))?
        }
        Err(e) => return Err(with_path(e.into(), shown)),
    };
    let file = File::from(fd);
    // Writes block as usual from here (O_NONBLOCK only guarded the open against a FIFO).
    rustix::fs::fcntl_setfl(&file, OFlags::empty())?;
    Ok(file)
}

/// Creates (truncating) the file at `path` as [`create_file_at`] does; the directory holding it
/// must be one of coord's own (see [`private_dir`]).
pub fn create_file(path: &Path) -> io::Result<File> {
    let (parent, name) = split(path)?;
    let dir = open_dir_path(parent)?;
    create_file_at(&dir, name, path)
}

/// Opens `path` for reading without following a link at its last component.
pub fn open_read(path: &Path) -> io::Result<File> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::openat(CWD, path, flags, Mode::empty()) {
        Ok(fd) => Ok(File::from(fd)),
        Err(Errno::LOOP) => Err(io::Error::other(format!(
            "{} is a symbolic link; coord does not follow links to its own files\n  help: remove it",
            path.display()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Opens `path` to write a file the user asked for (`coord import -o`, `coord export -o`), never
/// through a symbolic link at its last component: a new file, or with `replace` a truncated
/// regular file, created with `mode`. A link is refused with an error that says so (checked only
/// once the open has failed); an existing file without `replace` keeps `AlreadyExists`.
pub fn create_output(path: &Path, mode: u32, replace: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options
        .write(true)
        .mode(mode)
        .custom_flags(nofollow_flags());
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options.open(path).map_err(|e| {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            io::Error::other(format!(
                "{} is a symbolic link: coord does not write through links (remove it, or write elsewhere)",
                path.display()
            ))
        } else {
            with_path(e, path)
        }
    })
}

/// The `O_NOFOLLOW | O_CLOEXEC` flags for `std::fs::OpenOptions::custom_flags`.
pub fn nofollow_flags() -> i32 {
    (OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32
}

fn is_regular(fd: &OwnedFd) -> bool {
    rustix::fs::fstat(fd)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile)
}

fn open_dir_path(path: &Path) -> io::Result<OwnedFd> {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    rustix::fs::openat(CWD, path, flags, Mode::empty()).map_err(|e| with_path(e.into(), path))
}

/// `path` split into its parent and its last component, which must be a plain name.
fn split(path: &Path) -> io::Result<(&Path, &Path)> {
    match (path.parent(), path.components().next_back()) {
        (Some(parent), Some(Component::Normal(name))) => Ok((parent, Path::new(name))),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not end in a file name", path.display()),
        )),
    }
}

/// The error for `name` when it could not be opened as a directory: a link, or something else.
fn not_a_dir(parent: impl AsFd, name: &Path, shown: &Path) -> io::Error {
    let what = match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => {
            let target = std::fs::read_link(shown)
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            format!(
                "is a symbolic link{target}; coord does not follow links for its own directories"
            )
        }
        _ => "is not a directory".to_owned(),
    };
    io::Error::other(format!(
        "{} {what}\n  help: remove it (coord creates the directory itself)",
        shown.display()
    ))
}

/// The error for a directory owned by someone else.
pub fn foreign(path: &Path, uid: u32) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} belongs to another user (uid {uid}); coord only uses directories of its own\n  help: remove it, or run coord as that user",
            path.display()
        ),
    )
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn temp(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("coord-safe-fs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_private_dir_is_created_and_tightened_to_0700() {
        let base = temp("create");
        let dir = base.join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_link_in_place_of_a_private_dir_is_refused_and_its_target_untouched() {
        let base = temp("link");
        let target = base.join("target");
        std::fs::create_dir(&target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        let link = base.join(".coord");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = private_dir(&link).unwrap_err().to_string();
        assert!(err.contains("is a symbolic link"), "{err}");
        assert!(err.contains(&link.display().to_string()), "{err}");
        assert_eq!(mode(&target), 0o755);
        // A file in its place is refused too.
        let file = base.join("file");
        std::fs::write(&file, "x").unwrap();
        let err = private_dir(&file).unwrap_err().to_string();
        assert!(err.contains("is not a directory"), "{err}");
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_dir_of_another_user_is_refused_by_name() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipped: needs root to give a directory to another user");
            return;
        }
        let base = temp("foreign");
        let dir = base.join(".coord");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let err = private_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("belongs to another user (uid 65534)"), "{err}");
        let meta = std::fs::metadata(&dir).unwrap();
        assert_eq!((meta.uid(), mode(&dir)), (65534, 0o755));
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_link_in_place_of_a_file_is_replaced_not_followed() {
        let base = temp("file-link");
        let secret = base.join("secret");
        std::fs::write(&secret, "keep me").unwrap();
        let log = base.join("api.log");
        std::os::unix::fs::symlink(&secret, &log).unwrap();
        use std::io::Write;
        let mut f = create_file(&log).unwrap();
        writeln!(f, "service output").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep me");
        assert!(std::fs::symlink_metadata(&log).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "service output\n");
        assert_eq!(mode(&log), 0o600);
        // Reading through a link is refused as well.
        std::os::unix::fs::symlink(&secret, base.join("r.json")).unwrap();
        let err = open_read(&base.join("r.json")).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_fifo_in_place_of_a_file_does_not_block() {
        let base = temp("fifo");
        let path = base.join("api.log");
        rustix::fs::mknodat(CWD, &path, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
        let f = create_file(&path).unwrap();
        drop(f);
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
        std::fs::remove_dir_all(base).unwrap();
    }
}
