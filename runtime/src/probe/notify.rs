//! The notify probe's socket: a unix datagram socket per attempt whose path reaches the service
//! as `$NOTIFY_SOCKET`; a datagram holding the line `READY=1` marks the attempt ready.

use std::io;
use std::path::{Path, PathBuf};

/// One attempt's notify socket; the socket file is removed on drop.
#[derive(Debug)]
pub struct NotifySocket {
    path: PathBuf,
    socket: async_net::unix::UnixDatagram,
}

impl NotifySocket {
    /// Binds a fresh socket at `dir/<tag>.sock` (a stale file of that name is replaced).
    pub fn bind(dir: &Path, tag: &str) -> io::Result<NotifySocket> {
        crate::paths::create_private_dir(dir)?;
        let path = dir.join(format!("{tag}.sock"));
        let _ = std::fs::remove_file(&path);
        let socket = async_net::unix::UnixDatagram::bind(&path)?;
        Ok(NotifySocket { path, socket })
    }

    /// The path for `NOTIFY_SOCKET`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits until a datagram says `READY=1`. Returns an error only if the socket fails.
    pub async fn ready(&self) -> io::Result<()> {
        let mut buf = vec![0u8; 4096];
        loop {
            let n = self.socket.recv(&mut buf).await?;
            if says_ready(&buf[..n]) {
                return Ok(());
            }
        }
    }
}

impl Drop for NotifySocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Removes notify sockets in `dir` left by coord processes that are gone (a crashed run). Socket
/// files are named `<coord pid>-<service>-<generation>.sock`.
pub fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if crate::procfs::start_time(pid).is_none() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether an sd_notify datagram (newline-separated assignments) contains `READY=1`.
pub fn says_ready(datagram: &[u8]) -> bool {
    datagram
        .split(|&b| b == b'\n')
        .any(|line| line == b"READY=1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ready_among_other_assignments() {
        assert!(says_ready(b"READY=1"));
        assert!(says_ready(b"STATUS=warming up\nREADY=1\n"));
        assert!(!says_ready(b"STATUS=READY=1"));
        assert!(!says_ready(b"READY=0"));
    }

    #[test]
    fn stale_sockets_of_dead_coords_are_removed() {
        let dir = std::env::temp_dir().join(format!("coord-notify-stale-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mine = dir.join(format!("{}-0-1.sock", std::process::id()));
        // pid_max is at most 2^22: this pid cannot exist.
        let dead = dir.join("4194305-0-1.sock");
        std::fs::write(&mine, "").unwrap();
        std::fs::write(&dead, "").unwrap();
        remove_stale(&dir);
        assert!(mine.exists());
        assert!(!dead.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_ready_datagram_is_seen() {
        let dir = std::env::temp_dir().join(format!("coord-notify-test-{}", std::process::id()));
        let socket = NotifySocket::bind(&dir, "svc-1").unwrap();
        let path = socket.path().to_path_buf();
        let sender = std::os::unix::net::UnixDatagram::unbound().unwrap();
        sender.send_to(b"STATUS=starting", &path).unwrap();
        sender.send_to(b"READY=1\n", &path).unwrap();
        smol::block_on(socket.ready()).unwrap();
        drop(socket);
        assert!(!path.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
