//! Starting services: each through the supervising shim ([`crate::supervise`]), as the leader of
//! its own process group, with its working directory and environment; stopping them by
//! signalling the whole group.

use coord_core::stack::{CommandSpec, StopSignal};
use rustix::process::{Pid, Signal};
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Mutex, OnceLock};

/// The shims coord started (pids) and has not seen end: its only legitimate children. Anything
/// else among coord's children is an orphan of a shim that died ([`reap_orphans`]).
static SHIMS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// The soft file-descriptor limit coord was started with, recorded by [`raise_fd_limit`] and
/// handed to every shim (which gives it back to its service).
static ORIGINAL_NOFILE: OnceLock<u64> = OnceLock::new();

/// About how many descriptors coord holds per running service: the lifeline, stdout and stderr
/// pipes, the child's pidfd, and room for a probe's socket and a notify socket.
pub const FDS_PER_SERVICE: u64 = 6;

/// Descriptors coord needs besides its services (registry, logs, control socket, runtime).
pub const FDS_BASE: u64 = 64;

/// Raises coord's soft `RLIMIT_NOFILE` to the hard limit (as most servers do) and returns the
/// soft limit now in force. The original soft limit is remembered for the services.
pub fn raise_fd_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let Some(soft) = limit.current else {
        // Unlimited already.
        return u64::MAX;
    };
    let _ = ORIGINAL_NOFILE.set(soft);
    if limit.maximum.is_none_or(|hard| hard > soft) {
        // An unlimited hard limit is not a valid soft one for NOFILE: use the kernel's cap.
        limit.current = Some(limit.maximum.unwrap_or_else(nr_open));
        if setrlimit(Resource::Nofile, limit).is_ok() {
            return limit.current.unwrap_or(soft);
        }
    }
    soft
}

/// The kernel's cap on open files per process (`/proc/sys/fs/nr_open`).
fn nr_open() -> u64 {
    std::fs::read_to_string("/proc/sys/fs/nr_open")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1 << 20)
}

/// The descriptors a stack of `services` services needs, about.
pub fn fds_needed(services: usize) -> u64 {
    FDS_BASE + FDS_PER_SERVICE * services as u64
}

/// A fresh random identity token for a shim (32 hex digits from the kernel's random source).
pub fn new_token() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No random source: still unique per process and time, which is what a token needs.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (now ^ (u128::from(std::process::id()) << 96)).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes coord a child subreaper: what a dying shim leaves behind (its service's daemons that
/// left the group) is re-parented to coord, for [`reap_orphans`] to kill.
pub fn become_subreaper() {
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
}

/// Forgets the shim `pid`, which has ended and been reaped.
pub fn shim_ended(pid: u32) {
    SHIMS.lock().unwrap_or_else(|e| e.into_inner()).remove(&pid);
}

/// Kills (with their trees, until none is left) and reaps coord's children that are not shims
/// it started: orphans re-parented to coord when a shim died. Returns how many there were.
/// Blocking: run it off the loop.
pub fn reap_orphans() -> usize {
    let me = std::process::id();
    let orphans: Vec<u32> = {
        let shims = SHIMS.lock().unwrap_or_else(|e| e.into_inner());
        crate::procfs::children(me)
            .into_iter()
            .filter(|c| !shims.contains(c))
            .collect()
    };
    for &orphan in &orphans {
        crate::kill_tree::kill_until_empty(|| crate::procfs::descendants(orphan), || {});
        let Some(pid) = Pid::from_raw(orphan as i32) else {
            continue;
        };
        // Reap exactly this pid (never "any child": the shims' statuses belong to their waiters).
        for _ in 0..500 {
            match rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG) {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
    }
    orphans.len()
}

/// Cuts the lifeline (end of file for the shim, whoever else holds a copy of coord's end): the
/// shim then kills the service's whole tree and group, itself last.
pub fn cut_lifeline(lifeline: &UnixStream) {
    let _ = lifeline.shutdown(std::net::Shutdown::Both);
}

/// Asks the shim at the other end of `lifeline` to run the service's stop command (the
/// `stop` line of the lifeline protocol, see [`crate::supervise`]).
pub fn request_stop_command(lifeline: &UnixStream) -> std::io::Result<()> {
    use std::io::Write;
    let mut stream = lifeline;
    stream.write_all(crate::supervise::STOP_LINE)
}

/// Reads the service's own pid, which the shim reports on its lifeline (`pid N`); None if the
/// shim ended before it could.
pub async fn read_service_pid(lifeline: UnixStream) -> Option<u32> {
    use futures_lite::{AsyncBufReadExt, AsyncReadExt};
    let stream = async_io::Async::new(lifeline).ok()?;
    let mut reader = futures_lite::io::BufReader::new(stream.take(64));
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    line.trim().strip_prefix("pid ")?.parse().ok()
}

/// How to start processes: where the `coord` executable (the shim) is.
#[derive(Debug, Clone)]
pub struct Launcher {
    /// The `coord` binary, re-executed as `coord __supervise`.
    pub shim: PathBuf,
}

/// A process to start.
#[derive(Debug)]
pub struct ProcessSpec<'a> {
    /// What to run.
    pub command: &'a CommandSpec,
    /// Working directory.
    pub cwd: &'a Path,
    /// Variables added to coord's own environment, later ones winning.
    pub env: Vec<(String, String)>,
    /// For socket activation: the listener handed to the service as fd 3.
    pub listener: Option<TcpListener>,
}

/// A started process: the shim leading the group, with the pipes coord reads.
#[derive(Debug)]
pub struct Started {
    /// The shim's pid, which is also the process group id.
    pub pid: u32,
    /// The shim (wait on it for the service's exit status).
    pub child: async_process::Child,
    /// The service's stdout.
    pub stdout: async_process::ChildStdout,
    /// The service's stderr.
    pub stderr: async_process::ChildStderr,
    /// coord's end of the shim's lifeline: closing or cutting it ([`cut_lifeline`]) makes the
    /// shim kill the service's whole tree and group. The shim reports the service's pid on it
    /// ([`read_service_pid`]).
    pub lifeline: UnixStream,
}

impl Launcher {
    /// The launcher of the running executable (the `coord` binary itself).
    pub fn current() -> std::io::Result<Launcher> {
        Ok(Launcher {
            shim: std::env::current_exe()?,
        })
    }

    /// Starts `spec` through the shim in a new process group.
    pub fn start(&self, spec: ProcessSpec<'_>) -> std::io::Result<Started> {
        if !spec.cwd.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("working directory {} does not exist", spec.cwd.display()),
            ));
        }
        let mut command = std::process::Command::new(&self.shim);
        command.arg("__supervise");
        if let Some(soft) = ORIGINAL_NOFILE.get() {
            command.env(crate::supervise::NOFILE_VAR, soft.to_string());
        }
        if spec.listener.is_some() {
            command.arg("--listen");
            command.env("LISTEN_FDS", "1");
        }
        command.arg("--");
        match spec.command {
            CommandSpec::Shell(line) => {
                command.arg("/bin/sh").arg("-c").arg(line);
            }
            CommandSpec::Argv(argv) => {
                command.args(argv.iter().map(|a| expand_vars(a, &spec.env)));
            }
        }
        command.current_dir(spec.cwd);
        command.envs(spec.env.iter().map(|(k, v)| (k, v)));
        command.process_group(0);
        // The lifeline: the shim's stdin is one end of a socket pair; coord keeps the other.
        // Its end of file tells the shim that coord is gone. The listener travels over it.
        let (lifeline, shim_end) = UnixStream::pair()?;
        if let Some(listener) = &spec.listener {
            crate::fdpass::send_fd(&lifeline, listener)?;
        }
        let mut command = async_process::Command::from(command);
        command
            .stdin(Stdio::from(OwnedFd::from(shim_end)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(false);
        // Spawn and record under the lock: `reap_orphans` never sees a shim it does not know.
        let mut shims = SHIMS.lock().unwrap_or_else(|e| e.into_inner());
        let result = command.spawn();
        if let Ok(child) = &result {
            shims.insert(child.id());
        }
        drop(shims);
        drop(command);
        drop(spec.listener);
        let mut child = result?;
        let pid = child.id();
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(std::io::Error::other("the child's pipes are missing"));
        };
        Ok(Started {
            pid,
            child,
            stdout,
            stderr,
            lifeline,
        })
    }
}

/// Expands `$NAME` and `${NAME}` in one argv item from `env` (later entries win). References to
/// variables not in `env` are left as written: an argv command has no shell to expand them.
pub fn expand_vars(item: &str, env: &[(String, String)]) -> String {
    let lookup = |name: &str| env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut out = String::with_capacity(item.len());
    let mut rest = item;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match lookup(name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(value);
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The platform signal of a stop signal.
pub fn platform_signal(signal: StopSignal) -> Signal {
    match signal {
        StopSignal::Term => Signal::TERM,
        StopSignal::Int => Signal::INT,
        StopSignal::Quit => Signal::QUIT,
        StopSignal::Hup => Signal::HUP,
        StopSignal::Usr1 => Signal::USR1,
        StopSignal::Usr2 => Signal::USR2,
        StopSignal::Kill => Signal::KILL,
    }
}

/// Sends `signal` to the whole process group `pgid`. A group that is already gone is not an
/// error.
pub fn signal_group(pgid: u32, signal: Signal) -> std::io::Result<()> {
    let Some(pid) = Pid::from_raw(pgid as i32) else {
        return Ok(());
    };
    match rustix::process::kill_process_group(pid, signal) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::SRCH) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Maps an exit status to the core's view.
pub fn exit_status(status: std::process::ExitStatus) -> coord_core::ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => coord_core::ExitStatus::Code(code),
        (None, Some(sig)) => coord_core::ExitStatus::Signal(sig),
        (None, None) => coord_core::ExitStatus::Code(-1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_items_expand_known_variables_only() {
        let env = vec![
            ("PORT".to_string(), "8080".to_string()),
            ("DB_URL".to_string(), "postgres://x".to_string()),
            ("PORT".to_string(), "9090".to_string()),
        ];
        assert_eq!(expand_vars("$PORT", &env), "9090");
        assert_eq!(expand_vars("--port=${PORT}", &env), "--port=9090");
        assert_eq!(expand_vars("$DB_URL/app", &env), "postgres://x/app");
        assert_eq!(expand_vars("$HOME and $", &env), "$HOME and $");
        assert_eq!(expand_vars("${PORT", &env), "${PORT");
        assert_eq!(expand_vars("cost: 5$", &env), "cost: 5$");
    }
}
