//! Helpers for the unit tests that look at sockets and processes from inside a test binary whose
//! other tests spawn children in parallel threads.
//!
//! A child another thread is spawning holds a copy of every descriptor of the test process from
//! its fork until its exec has closed them, and that instant reaches past the return of
//! `Command::spawn` (the kernel lets the parent go once the child's new memory is in place,
//! before it closes the close-on-exec descriptors). So a socket a test has just closed may still
//! listen for that instant, and a child a test has just spawned may still hold the test's
//! sockets: tests wait for such conditions (generous deadline) instead of asserting them at once.

use std::time::{Duration, Instant};

/// Polls `cond` until it holds; panics naming `what` after a generous deadline.
pub(crate) fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut delay = Duration::from_millis(1);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(50));
    }
}

/// Waits until no process listens on `port` any more (a socket this test closed may live on for
/// an instant in a child another test is forking).
pub(crate) fn wait_port_closed(port: u16) {
    wait_for(&format!("no listener left on port {port}"), || {
        crate::procfs::listening_inodes(port).is_empty()
    });
}

/// A `sleep` leading its own process group (kill and wait for it when done), returned once its
/// exec has closed the descriptors it inherited from the test process.
pub(crate) fn other_group() -> std::process::Child {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let child = std::process::Command::new("sleep")
        .arg("30")
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    wait_for(
        "the spawned sleep to close the sockets it inherited",
        || crate::procfs::socket_inodes(pid).is_empty(),
    );
    child
}

/// A port that binds now on 127.0.0.1, below the kernel's ephemeral range (32768+) so that
/// parallel tests binding port 0 or connecting out never land on it; returned once the socket
/// that checked it is closed everywhere (so binding it next does not fail).
pub(crate) fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = std::process::id().wrapping_mul(37) % 12_000;
    loop {
        let offset = (base + NEXT.fetch_add(1, Ordering::Relaxed)) % 12_000;
        let port = 20_000 + offset as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            wait_port_closed(port);
            return port;
        }
    }
}
