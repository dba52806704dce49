//! Port reservations made real machine-wide: a lock file per port in the directory shared by
//! every user's coord (see [`crate::port_dir`]), held (with `File::try_lock`) for as long as the
//! service owns the port, plus a bind check on the wildcard addresses of both families before
//! the service is spawned. The lock dies with the process holding it, so a crashed coord never
//! leaves a stale reservation.
//!
//! Every lock held here has an owner: the service and the generation whose `Spawn` carried the
//! port. A `ReleasePort` drops the lock only for its owner, so a late release of one attempt can
//! never drop the lock another attempt (or another service) now holds.

use crate::port_dir::LockDir;
use coord_core::{Generation, ServiceId};
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

/// Why a port could not be reserved.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// Another coord (or another service of this one) holds the port's lock file.
    #[error("port {0} is reserved by another coord instance")]
    Locked(u16),
    /// Something on the machine is already listening on (or bound to) the port.
    #[error("port {port} is in use on this machine ({source})")]
    InUse {
        /// The port.
        port: u16,
        /// The bind error.
        source: io::Error,
    },
    /// The lock file could not be created or locked for another reason.
    #[error("cannot lock port {port} in {dir}: {source}")]
    Io {
        /// The port.
        port: u16,
        /// The lock directory.
        dir: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// Who a lock is held for: a service and the generation whose spawn reserved the port.
pub type LockOwner = (ServiceId, Generation);

/// One lock file held by this process, and for whom.
#[derive(Debug)]
struct Held {
    _file: File,
    owner: LockOwner,
}

/// The port lock files held by this process, by port.
#[derive(Debug)]
pub struct PortLocks {
    dir: LockDir,
    held: BTreeMap<u16, Held>,
}

impl PortLocks {
    /// Locks kept in the private directory `dir` only (created with mode 0700 if missing).
    pub fn new(dir: PathBuf) -> io::Result<PortLocks> {
        Ok(PortLocks {
            dir: LockDir::private(dir)?,
            held: BTreeMap::new(),
        })
    }

    /// Machine-wide locks: in [`crate::port_dir::SHARED_LOCK_DIR`], falling back to the private
    /// directory `private` for what cannot be used there safely.
    pub fn machine_wide(private: PathBuf) -> io::Result<PortLocks> {
        let shared = Path::new(crate::port_dir::SHARED_LOCK_DIR);
        Ok(PortLocks {
            dir: LockDir::shared(shared, private)?,
            held: BTreeMap::new(),
        })
    }

    /// Locks in the user's runtime directory: `$XDG_RUNTIME_DIR/coord/ports`.
    pub fn in_user_runtime_dir() -> io::Result<PortLocks> {
        PortLocks::new(crate::paths::user_runtime_dir()?.join("ports"))
    }

    /// The directory of the lock files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether this process holds the lock of `port`.
    pub fn holds(&self, port: u16) -> bool {
        self.held.contains_key(&port)
    }

    /// Takes the lock of `port` for `owner` (see [`PortLocks::lock`]), then checks that
    /// 127.0.0.1:`port` can be bound. On a bind failure the lock is dropped again.
    pub fn reserve(&mut self, port: u16, owner: LockOwner) -> Result<(), PortError> {
        self.lock(port, owner)?;
        if let Err(source) = bind_check(port) {
            self.release(port, owner);
            return Err(PortError::InUse { port, source });
        }
        Ok(())
    }

    /// Takes the lock of `port` for `owner` without a bind check. A lock already held here
    /// passes to `owner`: the core's ledger handed it the port, so whoever held it before no
    /// longer does (and its late release must not drop the lock).
    pub fn lock(&mut self, port: u16, owner: LockOwner) -> Result<(), PortError> {
        if let Some(held) = self.held.get_mut(&port) {
            held.owner = owner;
            return Ok(());
        }
        let io_err = |source| PortError::Io {
            port,
            dir: self.dir.path().to_path_buf(),
            source,
        };
        let file: File = self.dir.open(port).map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {
                self.held.insert(port, Held { _file: file, owner });
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(PortError::Locked(port)),
            Err(std::fs::TryLockError::Error(e)) => Err(io_err(e)),
        }
    }

    /// Drops the lock of `port` if `owner` holds it (a no-op otherwise: not held, or held for
    /// another owner). The lock file stays: deleting it would race with another process
    /// locking it.
    pub fn release(&mut self, port: u16, owner: LockOwner) {
        if self.held.get(&port).is_some_and(|h| h.owner == owner) {
            self.held.remove(&port);
        }
    }

    /// Who holds the lock of `port` here, if this process holds it.
    pub fn owner(&self, port: u16) -> Option<LockOwner> {
        self.held.get(&port).map(|h| h.owner)
    }

    /// The ports held, ascending.
    pub fn held_ports(&self) -> Vec<u16> {
        self.held.keys().copied().collect()
    }
}

/// Checks that `port` is free on every local address of both families right now: binds the
/// dual-stack wildcard `[::]:port` (which conflicts with any listener of the port, on 127.0.0.1,
/// ::1, 0.0.0.0 or [::]), or `0.0.0.0:port` where IPv6 is unavailable. `SO_REUSEADDR` is set,
/// as servers do, so a connection in TIME_WAIT does not count. The socket is closed at once.
pub fn bind_check(port: u16) -> io::Result<()> {
    use rustix::net::{AddressFamily, SocketType, sockopt};
    let dual = || -> io::Result<()> {
        let fd = rustix::net::socket(AddressFamily::INET6, SocketType::STREAM, None)?;
        sockopt::set_socket_reuseaddr(&fd, true)?;
        sockopt::set_ipv6_v6only(&fd, false)?;
        rustix::net::bind(&fd, &SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)))?;
        Ok(())
    };
    match dual() {
        Err(e) if ipv6_unavailable(&e) => {
            TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port))).map(drop)
        }
        other => other,
    }
}

/// Whether `e` says this machine has no IPv6 (module absent or disabled).
fn ipv6_unavailable(e: &io::Error) -> bool {
    use rustix::io::Errno;
    let errno = e.raw_os_error().map(Errno::from_raw_os_error);
    matches!(
        errno,
        Some(Errno::AFNOSUPPORT) | Some(Errno::ADDRNOTAVAIL) | Some(Errno::PROTONOSUPPORT)
    )
}

/// Binds the listener of a socket-activated service on 127.0.0.1:`port`.
pub fn bind_listener(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind(loopback(port))
}

/// 127.0.0.1:`port`.
pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use coord_core::ServiceId;

    fn lock_dir(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("coord-ports-test-{tag}-{}", std::process::id()))
    }

    /// Retries `reserve` until it succeeds (generous deadline): a lock just released can stay
    /// held for an instant by a child another test is forking (the fork shares the lock until
    /// its exec closes the descriptor).
    fn eventually(what: &str, mut attempt: impl FnMut() -> Result<(), PortError>) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match attempt() {
                Ok(()) => return,
                Err(e) if std::time::Instant::now() > deadline => panic!("{what}: {e}"),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
            }
        }
    }

    /// A port that binds now, below the kernel's ephemeral range (32768+), so that parallel
    /// tests binding port 0 or connecting out never land on it.
    fn free_port() -> u16 {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = std::process::id().wrapping_mul(37) % 12_000;
        loop {
            let offset = (base + NEXT.fetch_add(1, Ordering::Relaxed)) % 12_000;
            let port = 20_000 + offset as u16;
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
    }

    const OWNER: LockOwner = (ServiceId::from_index(0), 1);

    #[test]
    fn only_the_owner_releases_a_lock() {
        let dir = lock_dir("owner");
        let port = free_port();
        let mut locks = PortLocks::new(dir.clone()).unwrap();
        let mut other = PortLocks::new(dir.clone()).unwrap();
        locks.lock(port, (ServiceId::from_index(0), 1)).unwrap();
        // The ledger hands the port to service 1 (the reservation of service 0 expired)...
        locks.lock(port, (ServiceId::from_index(1), 1)).unwrap();
        assert_eq!(locks.owner(port), Some((ServiceId::from_index(1), 1)));
        // ...and the late release of service 0, or of an older generation, changes nothing.
        locks.release(port, (ServiceId::from_index(0), 1));
        locks.release(port, (ServiceId::from_index(1), 0));
        assert!(locks.holds(port));
        assert!(matches!(other.lock(port, OWNER), Err(PortError::Locked(_))));
        locks.release(port, (ServiceId::from_index(1), 1));
        assert!(!locks.holds(port));
        eventually("lock after the owner released it", || {
            other.lock(port, OWNER)
        });
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_second_holder_is_refused_until_release() {
        let dir = lock_dir("second");
        let port = free_port();
        let mut a = PortLocks::new(dir.clone()).unwrap();
        let mut b = PortLocks::new(dir.clone()).unwrap();
        a.reserve(port, OWNER).unwrap();
        assert!(a.holds(port));
        assert!(matches!(b.reserve(port, OWNER), Err(PortError::Locked(p)) if p == port));
        a.release(port, OWNER);
        eventually("reserve after release", || b.reserve(port, OWNER));
        assert_eq!(b.held_ports(), vec![port]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bound_port_is_reported_in_use_and_not_kept_locked() {
        let dir = lock_dir("bound");
        let port = free_port();
        let listener = TcpListener::bind(loopback(port)).unwrap();
        let mut locks = PortLocks::new(dir.clone()).unwrap();
        assert!(matches!(
            locks.reserve(port, OWNER),
            Err(PortError::InUse { .. })
        ));
        assert!(!locks.holds(port));
        drop(listener);
        eventually("reserve after the listener closed", || {
            locks.reserve(port, OWNER)
        });
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn listeners_on_any_address_of_either_family_make_the_port_busy() {
        use rustix::net::{AddressFamily, SocketType, sockopt};
        let listen = |family, addr: SocketAddr, v6only: bool| {
            let fd = rustix::net::socket(family, SocketType::STREAM, None).unwrap();
            sockopt::set_socket_reuseaddr(&fd, true).unwrap();
            if family == AddressFamily::INET6 {
                sockopt::set_ipv6_v6only(&fd, v6only).unwrap();
            }
            rustix::net::bind(&fd, &addr).ok()?;
            rustix::net::listen(&fd, 8).unwrap();
            Some(fd)
        };
        let ipv6 = TcpListener::bind("[::1]:0").is_ok();
        let cases: [(&str, AddressFamily, std::net::IpAddr, bool); 5] = [
            (
                "127.0.0.1",
                AddressFamily::INET,
                Ipv4Addr::LOCALHOST.into(),
                false,
            ),
            (
                "0.0.0.0",
                AddressFamily::INET,
                Ipv4Addr::UNSPECIFIED.into(),
                false,
            ),
            (
                "::1",
                AddressFamily::INET6,
                Ipv6Addr::LOCALHOST.into(),
                true,
            ),
            (
                "[::] v6only",
                AddressFamily::INET6,
                Ipv6Addr::UNSPECIFIED.into(),
                true,
            ),
            (
                "[::]",
                AddressFamily::INET6,
                Ipv6Addr::UNSPECIFIED.into(),
                false,
            ),
        ];
        for (what, family, addr, v6only) in cases {
            if family == AddressFamily::INET6 && !ipv6 {
                eprintln!("{what}: skipped, no IPv6 on this machine");
                continue;
            }
            let port = free_port();
            let Some(outsider) = listen(family, SocketAddr::new(addr, port), v6only) else {
                continue;
            };
            assert!(
                bind_check(port).is_err(),
                "an outsider on {what} went unnoticed"
            );
            drop(outsider);
            eventually("the port is free again", || {
                bind_check(port).map_err(|source| PortError::InUse { port, source })
            });
        }
    }

    #[test]
    fn a_lock_held_by_another_process_dies_with_it() {
        let dir = lock_dir("dies");
        let port = free_port();
        crate::paths::create_private_dir(&dir).unwrap();
        let path = dir.join(format!("{port}.lock"));
        // flock(1) takes the same flock(2) lock as File::try_lock, in another process (`-o`:
        // flock itself holds it, not its `sleep`), in a group of its own to kill it whole.
        use std::os::unix::process::CommandExt;
        let mut holder = std::process::Command::new("flock")
            .arg("-o")
            .arg(&path)
            .args(["sleep", "300"])
            .process_group(0)
            .spawn()
            .unwrap();
        let mut locks = PortLocks::new(dir.clone()).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !matches!(locks.lock(port, OWNER), Err(PortError::Locked(_))) {
            locks.release(port, OWNER);
            assert!(
                std::time::Instant::now() < deadline,
                "flock never took the lock"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let group = rustix::process::Pid::from_raw(holder.id() as i32).unwrap();
        rustix::process::kill_process_group(group, rustix::process::Signal::KILL).unwrap();
        holder.wait().unwrap();
        eventually("lock after the holder died", || locks.lock(port, OWNER));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
