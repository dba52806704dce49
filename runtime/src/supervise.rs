//! The supervising shim: `coord __supervise [--listen-fd N] -- PROGRAM ARGS...`.
//!
//! coord starts every service (and every exec probe) through this shim, as the leader of a new
//! process group. The shim runs the service in that same group and:
//! - survives the stop signals coord sends to the group (TERM, INT, QUIT, HUP, USR1, USR2 are
//!   caught), so it can reap the service and report its exit as its own;
//! - watches its stdin, a pipe whose write end only coord holds: end of file means coord is gone
//!   (even after SIGKILL), and the shim then kills the whole group with SIGKILL;
//! - is a child subreaper, so orphaned descendants of the service are re-parented to it (and
//!   reaped by it); when the service's main process ends, it kills whatever is left of the
//!   service's tree and group (grandchildren, daemons that left the group);
//! - for socket activation, receives the listener over the lifeline (`SCM_RIGHTS`) and hands it
//!   to the service as fd 3 with `LISTEN_PID` set to the service's own pid (`sh` sets it to
//!   `$$`, moves the listener from its stdin to fd 3, then `exec`s the service).

use rustix::process::{Pid, Signal};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// The signals the shim catches so that a stop signal sent to the group does not end it early.
const CAUGHT: [async_signal::Signal; 6] = [
    async_signal::Signal::Term,
    async_signal::Signal::Int,
    async_signal::Signal::Quit,
    async_signal::Signal::Hup,
    async_signal::Signal::Usr1,
    async_signal::Signal::Usr2,
];

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
    // Keep the caught signals' registration alive for the whole life of the shim.
    let signals = async_signal::Signals::new(CAUGHT);
    if let Err(e) = &signals {
        eprintln!("coord supervise: cannot catch stop signals: {e}");
    }

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
    // Orphans of the service's tree come to us rather than to init: none can slip away.
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    let child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("coord: cannot start `{program}`: {e}");
            std::process::exit(127);
        }
    };
    let main = child.id();
    drop(child);
    let status = reap_until(main);
    kill_leftovers();
    drop(signals);
    mirror(status)
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
                if pid.as_raw_nonzero().get() as u32 != main {
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

/// Blocks on stdin until end of file (coord is gone), then kills the whole group.
fn watch_parent() {
    let mut stdin = std::io::stdin();
    let mut buf = [0u8; 64];
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    kill_group_and_die();
}

/// SIGKILL to the service's whole tree and the shim's own group, the shim included.
fn kill_group_and_die() -> ! {
    let me = std::process::id();
    for pid in crate::procfs::descendants(me) {
        if pid != me
            && let Some(pid) = Pid::from_raw(pid as i32)
        {
            let _ = rustix::process::kill_process(pid, Signal::KILL);
        }
    }
    let _ = rustix::process::kill_process_group(rustix::process::getpgrp(), Signal::KILL);
    std::process::exit(137);
}

/// SIGKILL to everything left of the service: the shim's descendants (adopted orphans
/// included) and the other members of its group; reaps them, until none is left.
fn kill_leftovers() {
    let me = std::process::id();
    let children_listed = crate::procfs::children_listed();
    let group = rustix::process::getpgrp().as_raw_nonzero().get() as u32;
    for _ in 0..100 {
        // As a subreaper the shim has every process of the service's tree among its
        // descendants, whatever group or session they moved to (no need to scan all of /proc,
        // unless the kernel does not list children).
        let mut others: Vec<u32> = crate::procfs::descendants(me);
        if !children_listed {
            others.extend(crate::procfs::group_members(group));
        }
        others.retain(|&p| p != me && !crate::procfs::is_zombie(p));
        for &pid in &others {
            if let Some(pid) = Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, Signal::KILL);
            }
        }
        // Reap what died (our adopted children); never block.
        while let Ok(Some(_)) = rustix::process::wait(rustix::process::WaitOptions::NOHANG) {}
        if others.is_empty() {
            return;
        }
        std::thread::yield_now();
    }
}

/// Ends the shim the way the service ended: same exit code, or death by the same signal.
fn mirror(status: Ended) -> ! {
    let signo = match status {
        Ended::Code(code) => std::process::exit(code),
        Ended::Signal(signo) => signo,
    };
    let caught = CAUGHT.iter().any(|s| *s as i32 == signo);
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
