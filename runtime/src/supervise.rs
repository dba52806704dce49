//! The supervising shim: `coord __supervise [--listen] -- PROGRAM ARGS...`.
//!
//! coord starts every service (and every exec probe) through this shim, as the leader of a new
//! process group. The shim runs the service in that same group and:
//! - survives the stop signals coord sends to the group (TERM, INT, QUIT, HUP, USR1, USR2 are
//!   caught), so it can reap the service and report its exit as its own;
//! - never loses a stop that races the start: a stop signal caught before the service exists
//!   means the service is never started (the shim ends by that signal); one caught while the
//!   service is being started is sent on to the group once the service runs;
//! - tells coord the service's own pid (a `pid N` line on the lifeline);
//! - gives the service a parent-death signal (SIGKILL): if the shim itself is killed, the
//!   service dies with it instead of living on as an orphan;
//! - watches its stdin, a socket whose other end only coord holds: end of file means coord is
//!   gone (even after SIGKILL), and the shim then kills the whole tree and group;
//! - is a child subreaper, so orphaned descendants of the service are re-parented to it (and
//!   reaped by it); when the service's main process ends, it kills whatever is left of the
//!   service's tree and group (grandchildren, daemons that left the group), freezing and killing
//!   until nothing is left ([`crate::kill_tree`]);
//! - runs the service's `stop_command` when coord writes a `stop` line on the lifeline
//!   ([`crate::stop_command`]): in the group, so SIGKILL after the grace ends it too;
//! - carries coord's identity token in its own environment ([`TOKEN_VAR`], recorded in the
//!   registry, so that a later run can prove a leftover shim is coord's) but not in the
//!   service's;
//! - for socket activation, receives the listener over the lifeline (`SCM_RIGHTS`) and hands it
//!   to the service as fd 3 with `LISTEN_PID` set to the service's own pid (`sh` sets it to
//!   `$$`, moves the listener from its stdin to fd 3, then `exec`s the service).

use rustix::process::Signal;
use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

/// The signals the shim catches so that a stop signal sent to the group does not end it early.
const CAUGHT: [Signal; 6] = [
    Signal::TERM,
    Signal::INT,
    Signal::QUIT,
    Signal::HUP,
    Signal::USR1,
    Signal::USR2,
];

/// One flag per signal of [`CAUGHT`], set by the signal handler itself (so a signal is seen
/// the moment it is delivered, not when some thread gets round to reading it).
static CAUGHT_FLAGS: [AtomicBool; 6] = [const { AtomicBool::new(false) }; 6];

/// The environment variable that carries the shim's identity token (set by coord, recorded in
/// the registry, removed from the service's environment).
pub const TOKEN_VAR: &str = "COORD_SHIM_TOKEN";

/// The environment variable that carries the soft file-descriptor limit coord was started with:
/// coord raises its own, the service gets the usual one back.
pub const NOFILE_VAR: &str = "COORD_NOFILE_SOFT";

/// The environment variable that carries the service's `stop_command` to the shim (removed
/// from the service's environment).
pub const STOP_COMMAND_VAR: &str = "COORD_STOP_COMMAND";

/// The line coord writes on the lifeline to have the shim run the stop command.
pub const STOP_LINE: &[u8] = b"stop\n";

/// The `sh` script that sets `LISTEN_PID` to the final pid and moves the listener from stdin to
/// fd 3 (stdin becomes /dev/null).
const ACTIVATION_SCRIPT: &str = "LISTEN_PID=$$; export LISTEN_PID; exec \"$@\" 3<&0 0</dev/null";

/// The shim's own command line, `__supervise [--listen] -- PROGRAM ARGS...` (after the program
/// name): whether a listener comes over stdin, and the service's argv. `None` if `args` is not a
/// shim command line.
pub fn parse_args(args: &[String]) -> Option<(bool, &[String])> {
    let rest = args.strip_prefix(&["__supervise".to_string()])?;
    match rest {
        [flag, dashes, argv @ ..] if flag == "--listen" && dashes == "--" => Some((true, argv)),
        [dashes, argv @ ..] if dashes == "--" => Some((false, argv)),
        _ => None,
    }
}

/// Runs the shim; never returns.
pub fn supervise(listen: bool, argv: &[String]) -> ! {
    // coord starts the shim as a group leader. Started any other way, become one: killing "our
    // group" must never reach the caller's.
    if rustix::process::getpgrp() != rustix::process::getpid() {
        let _ = rustix::process::setpgid(None, None);
    }
    catch_stop_signals();
    restore_fd_limit();
    crate::stop_command::init();

    let listener = if listen {
        match crate::fdpass::recv_fd(std::io::stdin()) {
            Ok(fd) => Some(fd),
            Err(e) => {
                eprintln!("coord supervise: no listener to pass on: {e}");
                std::process::exit(127);
            }
        }
    } else {
        None
    };
    std::thread::spawn(watch_parent);

    let Some((program, args)) = argv.split_first() else {
        eprintln!("coord supervise: no command given");
        std::process::exit(127);
    };
    let mut command = match listener {
        Some(fd) => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(ACTIVATION_SCRIPT).arg("sh").args(argv);
            c.stdin(Stdio::from(fd));
            c
        }
        None => {
            let mut c = Command::new(program);
            c.args(args);
            c.stdin(Stdio::null());
            c
        }
    };
    command
        .env_remove(TOKEN_VAR)
        .env_remove(NOFILE_VAR)
        .env_remove(STOP_COMMAND_VAR);
    die_with_the_shim(&mut command);
    // Orphans of the service's tree come to us rather than to init: none can slip away.
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    // A stop that came before the service exists: it is never started, and the shim ends the
    // way the service would have.
    if let Some(first) = take_caught().first() {
        mirror(Ended::Signal(first.as_raw()));
    }
    let child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("coord: cannot start `{program}`: {e}");
            std::process::exit(127);
        }
    };
    let main = child.id();
    drop(child);
    // A stop caught while the service was being started may have reached the shim only (it
    // came before the fork) or the child before its exec (where the inherited handler ate it):
    // send it on now that the service runs. (Had it come after the exec, the service sees it
    // twice: a stop signal, which a service handles like the first.)
    for signal in take_caught() {
        let _ = rustix::process::kill_process_group(rustix::process::getpgrp(), signal);
    }
    report_pid(main);
    crate::stop_command::service_started(main);
    let status = reap_until(main);
    crate::stop_command::service_ended();
    kill_leftovers();
    mirror(status)
}

/// Catches the stop signals (each sets its flag in [`CAUGHT_FLAGS`]).
fn catch_stop_signals() {
    for (signal, flag) in CAUGHT.iter().zip(&CAUGHT_FLAGS) {
        if let Err(e) = signal_hook::flag::register(signal.as_raw(), flag) {
            eprintln!(
                "coord supervise: cannot catch signal {}: {e}",
                signal.as_raw()
            );
        }
    }
}

/// The stop signals caught since the last call (flags cleared).
fn take_caught() -> Vec<Signal> {
    CAUGHT
        .iter()
        .zip(&CAUGHT_FLAGS)
        .filter(|(_, flag)| flag.swap(false, Ordering::SeqCst))
        .map(|(signal, _)| *signal)
        .collect()
}

/// Gives the service the soft file-descriptor limit coord was started with (coord raised its
/// own to the hard limit; programs using `select` break above 1024). The shim needs few.
fn restore_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let Some(soft) = std::env::var(NOFILE_VAR)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = Some(soft);
    let _ = setrlimit(Resource::Nofile, limit);
}

/// Makes the service die (SIGKILL) when the shim dies, whatever kills the shim.
fn die_with_the_shim(command: &mut Command) {
    let shim = rustix::process::getpid();
    #[allow(unsafe_code)]
    // SAFETY: the closure runs in the child between fork and exec. It only makes two system
    // calls (prctl and getppid, both async-signal-safe), allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            // The shim may have died before the prctl: then no signal would ever come.
            if rustix::process::getppid() != Some(shim) {
                return Err(rustix::io::Errno::SRCH.into());
            }
            Ok(())
        });
    }
}

/// Tells coord the service's own pid: one line on the lifeline (ignored when started by hand).
fn report_pid(pid: u32) {
    let line = format!("pid {pid}\n");
    let _ = rustix::io::write(std::io::stdin().as_fd(), line.as_bytes());
}

/// How the service's main process ended.
#[derive(Debug, Clone, Copy)]
enum Ended {
    Code(i32),
    Signal(i32),
}

/// Reaps children (the service and adopted orphans) until `main` has ended.
fn reap_until(main: u32) -> Ended {
    loop {
        match rustix::process::wait(rustix::process::WaitOptions::empty()) {
            Ok(Some((pid, status))) => {
                let pid = pid.as_raw_nonzero().get() as u32;
                if crate::stop_command::reaped(pid, status) || pid != main {
                    continue;
                }
                if let Some(code) = status.exit_status() {
                    return Ended::Code(code);
                }
                if let Some(sig) = status.terminating_signal() {
                    return Ended::Signal(sig);
                }
            }
            Ok(None) => continue,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => {
                eprintln!("coord supervise: waiting for the service failed: {e}");
                kill_group_and_die();
            }
        }
    }
}

/// Blocks on stdin until end of file (coord is gone), then kills the whole group. A `stop`
/// line on the way runs the stop command.
fn watch_parent() {
    let mut stdin = std::io::stdin();
    let mut buf = [0u8; 64];
    let mut seen = Vec::new();
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                seen.extend_from_slice(&buf[..n]);
                if seen.windows(STOP_LINE.len()).any(|w| w == STOP_LINE) {
                    seen.clear();
                    crate::stop_command::requested();
                } else if seen.len() > 64 {
                    seen.drain(..seen.len() - STOP_LINE.len());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    kill_group_and_die();
}

/// The service's processes: the shim's descendants (adopted orphans included, whatever group
/// or session they moved to) and, when the kernel does not list children, the members of the
/// shim's group. The shim itself excluded.
fn service_processes() -> Vec<u32> {
    let me = std::process::id();
    let mut all = crate::procfs::descendants(me);
    if !crate::procfs::children_listed() {
        let group = rustix::process::getpgrp().as_raw_nonzero().get() as u32;
        all.extend(crate::procfs::group_members(group));
    }
    all.sort_unstable();
    all.dedup();
    all.retain(|&p| p != me);
    all
}

/// Reaps whatever of our children has ended; never blocks.
fn reap_ended() {
    while let Ok(Some(_)) = rustix::process::wait(rustix::process::WaitOptions::NOHANG) {}
}

/// SIGKILL to the service's whole tree and the shim's own group, until none is left, then the
/// shim itself.
fn kill_group_and_die() -> ! {
    crate::kill_tree::kill_until_empty(service_processes, reap_ended);
    let _ = rustix::process::kill_process_group(rustix::process::getpgrp(), Signal::KILL);
    std::process::exit(137);
}

/// SIGKILL to everything left of the service (its tree, adopted orphans included, and its
/// group), reaping them, until none is left.
fn kill_leftovers() {
    crate::kill_tree::kill_until_empty(service_processes, reap_ended);
}

/// Ends the shim the way the service ended: same exit code, or death by the same signal.
fn mirror(status: Ended) -> ! {
    let signo = match status {
        Ended::Code(code) => std::process::exit(code),
        Ended::Signal(signo) => signo,
    };
    let caught = CAUGHT.iter().any(|s| s.as_raw() == signo);
    if caught {
        // Our handler would swallow it: exec a shell (handlers reset on exec) that kills itself
        // with the same signal, keeping our pid so coord sees exactly that death.
        let err = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("kill -{signo} $$"))
            .exec();
        eprintln!("coord supervise: cannot re-raise signal {signo}: {err}");
    } else if let Some(sig) = Signal::from_named_raw(signo) {
        let _ = rustix::process::kill_process(rustix::process::getpid(), sig);
    }
    std::process::exit(128 + signo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn shim_command_lines_are_recognised() {
        let a = strings(&["__supervise", "--", "sh", "-c", "x"]);
        assert_eq!(parse_args(&a), Some((false, &a[2..])));
        let b = strings(&["__supervise", "--listen", "--", "srv"]);
        assert_eq!(parse_args(&b), Some((true, &b[3..])));
        assert_eq!(parse_args(&strings(&["run", "-f", "x"])), None);
        assert_eq!(parse_args(&strings(&["__supervise", "srv"])), None);
    }
}
