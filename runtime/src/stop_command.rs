//! The shim's side of a service's `stop_command` ([`crate::supervise`]).
//!
//! coord passes the command to the shim in [`crate::supervise::STOP_COMMAND_VAR`] (removed from
//! the service's own environment) and, when the core decides to stop the service, writes the
//! line [`crate::supervise::STOP_LINE`] on the lifeline instead of signalling the group. The
//! shim then runs the command through `sh -c` as its own child, in the service's process group,
//! working directory and environment (with `MAINPID` set to the service's own pid), its output
//! going where the service's goes. If it fails, the shim says so on stderr; if it hangs (or
//! the service does not stop), coord's SIGKILL after the grace ends the whole group, the stop
//! command included.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// The command to run, read once from the shim's environment.
static COMMAND: OnceLock<Option<String>> = OnceLock::new();
/// The service's own pid once it runs (0 before).
static MAIN_PID: AtomicU32 = AtomicU32::new(0);
/// coord asked for the stop.
static REQUESTED: AtomicBool = AtomicBool::new(false);
/// The stop command was started (it runs at most once).
static STARTED: AtomicBool = AtomicBool::new(false);
/// The stop command's pid (0 before it runs).
static PID: AtomicU32 = AtomicU32::new(0);
/// The service has ended: a stop asked for now has nothing left to stop.
static ENDED: AtomicBool = AtomicBool::new(false);

/// Reads the stop command from the shim's environment (call once, before the service starts).
pub fn init() {
    let command = std::env::var(crate::supervise::STOP_COMMAND_VAR).ok();
    let _ = COMMAND.set(command.filter(|c| !c.trim().is_empty()));
}

/// The service runs as `pid`: a stop asked for before it did is carried out now.
pub fn service_started(pid: u32) {
    MAIN_PID.store(pid, Ordering::SeqCst);
    if REQUESTED.load(Ordering::SeqCst) {
        run();
    }
}

/// The service's main process has ended (and been reaped).
pub fn service_ended() {
    ENDED.store(true, Ordering::SeqCst);
}

/// coord asked for the stop (a `stop` line on the lifeline): run the command if the service
/// runs, else as soon as it does.
pub fn requested() {
    REQUESTED.store(true, Ordering::SeqCst);
    if MAIN_PID.load(Ordering::SeqCst) != 0 {
        run();
    }
}

/// Whether `pid` is the stop command's process; if so, tells how it ended when that was not a
/// success (`status` as `wait` reported it).
pub fn reaped(pid: u32, status: rustix::process::WaitStatus) -> bool {
    if pid == 0 || PID.load(Ordering::SeqCst) != pid {
        return false;
    }
    match (status.exit_status(), status.terminating_signal()) {
        (Some(0), _) => {}
        (Some(code), _) => eprintln!("coord: the stop_command exited with code {code}"),
        (None, Some(signal)) => eprintln!("coord: the stop_command was killed by signal {signal}"),
        (None, None) => {}
    }
    true
}

/// Starts the stop command once.
fn run() {
    let Some(Some(line)) = COMMAND.get() else {
        return;
    };
    if ENDED.load(Ordering::SeqCst) || STARTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let main = MAIN_PID.load(Ordering::SeqCst);
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(line)
        .env("MAINPID", main.to_string())
        .env_remove(crate::supervise::TOKEN_VAR)
        .env_remove(crate::supervise::NOFILE_VAR)
        .env_remove(crate::supervise::STOP_COMMAND_VAR)
        .stdin(Stdio::null());
    match command.spawn() {
        Ok(child) => PID.store(child.id(), Ordering::SeqCst),
        Err(e) => eprintln!("coord: cannot run the stop_command: {e}"),
    }
}
