//! Helpers shared by the runtime's integration tests: temp stacks, the coord binary, waiting on
//! conditions with generous deadlines (never on fixed sleeps).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `coord` binary under test.
pub fn coord_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_coord"))
}

/// A fresh, empty temp directory for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "coord-rt-{tag}-{}-{}",
        std::process::id(),
        coord::registry::unix_ms()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A stack file in its own temp dir; the dir is removed when the test passes (kept for a look
/// when it fails).
pub struct TempStack(PathBuf);

impl std::ops::Deref for TempStack {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempStack {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempStack {
    fn drop(&mut self) {
        if !std::thread::panicking()
            && let Some(dir) = self.0.parent()
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Writes `coord.toml` with `text` into a fresh temp dir.
pub fn stack_file(tag: &str, text: &str) -> TempStack {
    let dir = temp_dir(tag);
    let file = dir.join("coord.toml");
    std::fs::write(&file, text).unwrap();
    TempStack(file)
}

/// Polls `cond` until it holds; panics with `what` after a generous deadline.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut delay = Duration::from_millis(2);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(100));
    }
}

/// Waits for `child` to exit (generous deadline) and returns its status.
pub fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let mut status = None;
    wait_until("the process to exit", || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    status.unwrap()
}

/// `coord run -f file` with stdout/stderr captured to files beside the stack file.
pub fn spawn_run(file: &Path, extra: &[&str]) -> Child {
    let dir = file.parent().unwrap();
    Command::new(coord_bin())
        .arg("run")
        .arg("-f")
        .arg(file)
        .args(extra)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("stdout.txt")).unwrap())
        .stderr(std::fs::File::create(dir.join("stderr.txt")).unwrap())
        .spawn()
        .unwrap()
}

/// What the run printed so far on (stdout, stderr).
pub fn printed(file: &Path) -> (String, String) {
    let dir = file.parent().unwrap();
    (
        std::fs::read_to_string(dir.join("stdout.txt")).unwrap_or_default(),
        std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default(),
    )
}

/// The registry of the stack at `file`.
pub fn registry(file: &Path) -> coord::registry::Registry {
    let paths = coord::paths::StackPaths::for_stack_file(file).unwrap();
    coord::registry::read(&paths).unwrap_or_default()
}

/// Sends `sig` to `pid`.
pub fn send(pid: u32, sig: rustix::process::Signal) {
    rustix::process::kill_process(rustix::process::Pid::from_raw(pid as i32).unwrap(), sig)
        .unwrap();
}

/// Live (non-zombie) members of process group `pgid`.
pub fn live_members(pgid: u32) -> Vec<u32> {
    coord::procfs::group_members(pgid)
        .into_iter()
        .filter(|&p| !coord::procfs::is_zombie(p))
        .collect()
}

/// A port that was free a moment ago.
/// (Below the kernel's ephemeral range, 32768+, so that parallel tests binding port 0 or
/// connecting out never land on it.)
pub fn free_port() -> u16 {
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
