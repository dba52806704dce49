//! Where port lock files live: a machine-wide directory shared by every user's coord
//! ([`SHARED_LOCK_DIR`], mode 1777 like `/tmp`), with the user's private runtime directory as
//! the fallback.
//!
//! Nothing in the shared directory can hurt or block a coord beyond what binding the port would:
//! lock files are opened read-only (`flock` needs no more), without following links, without
//! blocking (a FIFO in their place), and only if they are regular files. A lock file that
//! cannot be used that way, or one of a privileged port owned by an unprivileged other user (who
//! could not bind that port), is "unknown": the lock is then taken in the private directory,
//! and the bind check decides. A lock held by another user's live coord means "taken", exactly
//! as a bound port would.

use rustix::fs::{CWD, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// The machine-wide lock directory (fixed, not `$TMPDIR`, which differs between users).
pub const SHARED_LOCK_DIR: &str = "/tmp/coord-ports";

/// The directories lock files are taken in.
#[derive(Debug)]
pub struct LockDir {
    /// The shared directory, open, if it is usable.
    shared: Option<(PathBuf, OwnedFd)>,
    /// The user's private directory (mode 0700): the fallback.
    private: PathBuf,
}

impl LockDir {
    /// Only the private directory `private` (created mode 0700 if missing).
    pub fn private(private: PathBuf) -> io::Result<LockDir> {
        crate::paths::create_private_dir(&private)?;
        Ok(LockDir {
            shared: None,
            private,
        })
    }

    /// The shared directory `shared` (created mode 1777 if missing) with `private` as the
    /// fallback. An unusable shared directory (a link, not a directory, or another user's
    /// without mode 1777) is reported as a warning, and only `private` is used.
    pub fn shared(shared: &Path, private: PathBuf) -> io::Result<LockDir> {
        let mut dir = LockDir::private(private)?;
        match open_shared(shared) {
            Ok(fd) => dir.shared = Some((shared.to_path_buf(), fd)),
            Err(e) => tracing::warn!(
                "port locks are per-user in this run ({e}); other users' coords are seen only by the bind check"
            ),
        }
        Ok(dir)
    }

    /// The directory shown in messages: the shared one if in use, else the private one.
    pub fn path(&self) -> &Path {
        self.shared.as_ref().map_or(&self.private, |(p, _)| p)
    }

    /// Whether the shared directory is in use.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Opens the lock file of `port`: in the shared directory if it can be used safely, else in
    /// the private one.
    pub fn open(&self, port: u16) -> io::Result<File> {
        if let Some((path, fd)) = &self.shared {
            match open_shared_lock(fd, port) {
                Ok(file) => return Ok(file),
                Err(e) => tracing::debug!(
                    "port {port}: the lock file in {} is unusable ({e}); using the private one",
                    path.display()
                ),
            }
        }
        open_private_lock(&self.private, port)
    }
}

/// Opens (creating with mode 1777) the shared directory without following a link; it must be a
/// directory of mode 1777 (sticky: nobody removes another's files), or ours (then made so).
fn open_shared(path: &Path) -> io::Result<OwnedFd> {
    let (parent, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) => (p, Path::new(n)),
        _ => {
            return Err(io::Error::other(format!(
                "{} is not a directory path",
                path.display()
            )));
        }
    };
    let parent_fd = rustix::fs::openat(
        CWD,
        parent,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let fd = crate::safe_fs::dir_at(&parent_fd, name, path, 0o1777)?;
    let st = rustix::fs::fstat(&fd)?;
    if st.st_mode & 0o7777 != 0o1777 {
        if st.st_uid != rustix::process::geteuid().as_raw() {
            return Err(io::Error::other(format!(
                "{} has mode {:o}, not 1777, and belongs to another user (uid {})",
                path.display(),
                st.st_mode & 0o7777,
                st.st_uid
            )));
        }
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o1777))?;
    }
    Ok(fd)
}

/// The lock file of `port` in the shared directory `dir`, read-only: an existing regular file
/// (not through a link, never blocking), or a new one of mode 0644 so that every user can lock it.
fn open_shared_lock(dir: &OwnedFd, port: u16) -> io::Result<File> {
    let name = format!("{port}.lock");
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = match rustix::fs::openat(dir, &name, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => {
            let mode = Mode::from_raw_mode(0o644);
            match rustix::fs::openat(dir, &name, flags | OFlags::CREATE | OFlags::EXCL, mode) {
                Ok(fd) => {
                    rustix::fs::fchmod(&fd, mode)?;
                    fd
                }
                // Created by someone else in between: open theirs.
                Err(Errno::EXIST) => rustix::fs::openat(dir, &name, flags, Mode::empty())?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    let st = rustix::fs::fstat(&fd)?;
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err(io::Error::other(format!("{name} is not a regular file")));
    }
    let me = rustix::process::geteuid().as_raw();
    if st.st_uid != me && st.st_uid != 0 && port < unprivileged_port_start() {
        return Err(io::Error::other(format!(
            "{name} belongs to uid {}, who cannot bind port {port}",
            st.st_uid
        )));
    }
    Ok(File::from(fd))
}

/// The lock file of `port` in the private directory `dir` (ours, mode 0700).
fn open_private_lock(dir: &Path, port: u16) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(crate::safe_fs::nofollow_flags())
        .open(dir.join(format!("{port}.lock")))
}

/// The first port an unprivileged user may bind (`net.ipv4.ip_unprivileged_port_start`).
fn unprivileged_port_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("coord-port-dir-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_shared_dir_is_created_sticky_and_lock_files_readable_by_all() {
        let base = temp("create");
        let shared = base.join("shared");
        let dir = LockDir::shared(&shared, base.join("private")).unwrap();
        assert!(dir.is_shared());
        let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&shared), 0o1777);
        let file = dir.open(40123).unwrap();
        file.try_lock().unwrap();
        assert_eq!(mode(&shared.join("40123.lock")), 0o644);
        // A second opener (another coord, maybe another user) sees the lock as taken.
        let other = LockDir::shared(&shared, base.join("private2")).unwrap();
        assert!(other.open(40123).unwrap().try_lock().is_err());
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_planted_link_or_fifo_is_never_followed_nor_blocks() {
        let base = temp("planted");
        let shared = base.join("shared");
        let dir = LockDir::shared(&shared, base.join("private")).unwrap();
        let victim = base.join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, shared.join("41000.lock")).unwrap();
        rustix::fs::mknodat(
            CWD,
            shared.join("41001.lock"),
            FileType::Fifo,
            Mode::from_raw_mode(0o666),
            0,
        )
        .unwrap();
        for port in [41000, 41001] {
            let file = dir.open(port).unwrap();
            file.try_lock().unwrap();
            assert!(base.join(format!("private/{port}.lock")).exists());
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_link_in_place_of_the_shared_dir_falls_back_to_the_private_one() {
        let base = temp("dirlink");
        let elsewhere = base.join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o755)).unwrap();
        let shared = base.join("shared");
        std::os::unix::fs::symlink(&elsewhere, &shared).unwrap();
        let dir = LockDir::shared(&shared, base.join("private")).unwrap();
        assert!(!dir.is_shared());
        dir.open(41002).unwrap().try_lock().unwrap();
        let meta = std::fs::metadata(&elsewhere).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o755);
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_privileged_ports_lock_held_by_an_unprivileged_user_does_not_deny_it() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipped: needs root to plant another user's lock file");
            return;
        }
        let base = temp("privileged");
        let shared = base.join("shared");
        let dir = LockDir::shared(&shared, base.join("private")).unwrap();
        for port in [80u16, 41003] {
            let path = shared.join(format!("{port}.lock"));
            std::fs::write(&path, "").unwrap();
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        }
        // "Their" coord holds both locks (another open file description: flock conflicts).
        let theirs: Vec<File> = [80u16, 41003]
            .iter()
            .map(|p| {
                let f = File::open(shared.join(format!("{p}.lock"))).unwrap();
                f.try_lock().unwrap();
                f
            })
            .collect();
        // They could not bind port 80, so their lock means nothing there; 41003 is taken.
        dir.open(80).unwrap().try_lock().unwrap();
        assert!(dir.open(41003).unwrap().try_lock().is_err());
        drop(theirs);
        std::fs::remove_dir_all(base).unwrap();
    }
}
