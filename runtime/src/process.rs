//! Starting services: each through the supervising shim ([`crate::supervise`]), as the leader of
//! its own process group, with its working directory and environment; stopping them by
//! signalling the whole group.

use coord_core::stack::{CommandSpec, StopSignal};
use rustix::process::{Pid, Signal};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

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
    /// The write end of the shim's lifeline: dropping it makes the shim kill the group.
    pub lifeline: async_process::ChildStdin,
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
        // The listener must survive exec into the shim: a dup has no close-on-exec flag. coord
        // spawns only from its event loop thread, so no other spawn can inherit it meanwhile.
        let inheritable: Option<OwnedFd> = match &spec.listener {
            Some(l) => Some(rustix::io::dup(l)?),
            None => None,
        };
        if let Some(fd) = &inheritable {
            command.arg("--listen-fd").arg(fd.as_raw_fd().to_string());
            command.env("LISTEN_FDS", "1");
        }
        command.arg("--");
        match spec.command {
            CommandSpec::Shell(line) => {
                command.arg("/bin/sh").arg("-c").arg(line);
            }
            CommandSpec::Argv(argv) => {
                command.args(argv);
            }
        }
        command.current_dir(spec.cwd);
        command.envs(spec.env.iter().map(|(k, v)| (k, v)));
        command.process_group(0);
        let mut command = async_process::Command::from(command);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(false);
        let result = command.spawn();
        drop(inheritable);
        drop(spec.listener);
        let mut child = result?;
        let pid = child.id();
        let (Some(stdout), Some(stderr), Some(lifeline)) =
            (child.stdout.take(), child.stderr.take(), child.stdin.take())
        else {
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
