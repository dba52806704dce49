//! The exec probe: a command run by `sh -c` (through the shim, in its own process group, with
//! the service's environment and working directory) that must exit 0 within the probe's timeout.

use super::fmt_duration;
use crate::process::{Launcher, ProcessSpec, exit_status, signal_group};
use coord_core::ProbeOutcome;
use coord_core::stack::CommandSpec;
use futures_lite::AsyncReadExt;
use std::path::Path;
use std::time::Duration;

/// Runs `command` once; Success on exit 0. On timeout the probe's whole group is killed.
pub async fn probe(
    launcher: &Launcher,
    command: &str,
    cwd: &Path,
    env: Vec<(String, String)>,
    timeout: Duration,
) -> ProbeOutcome {
    let spec = CommandSpec::Shell(command.to_owned());
    let started = match launcher.start(ProcessSpec {
        command: &spec,
        cwd,
        env,
        listener: None,
    }) {
        Ok(s) => s,
        Err(e) => return ProbeOutcome::Failure(format!("cannot run `{command}`: {e}")),
    };
    let crate::process::Started {
        pid,
        mut child,
        mut stdout,
        mut stderr,
        lifeline,
    } = started;
    let run = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let (_, status) = futures_lite::future::zip(
            futures_lite::future::zip(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err)),
            child.status(),
        )
        .await;
        (status, out, err)
    };
    let timed_out = async {
        async_io::Timer::after(timeout).await;
        None
    };
    let result = futures_lite::future::or(async { Some(run.await) }, timed_out).await;
    let outcome = match result {
        Some((Ok(status), out, err)) => {
            let status = exit_status(status);
            if status.success() {
                ProbeOutcome::Success
            } else {
                let said = last_line(&err).or_else(|| last_line(&out));
                let how = match status {
                    coord_core::ExitStatus::Code(c) => format!("exited with code {c}"),
                    coord_core::ExitStatus::Signal(s) => format!("was killed by signal {s}"),
                };
                match said {
                    Some(line) => ProbeOutcome::Failure(format!("`{command}` {how}: {line}")),
                    None => ProbeOutcome::Failure(format!("`{command}` {how}")),
                }
            }
        }
        Some((Err(e), _, _)) => ProbeOutcome::Failure(format!("waiting for `{command}`: {e}")),
        None => {
            let _ = signal_group(pid, rustix::process::Signal::KILL);
            let _ = child.status().await;
            ProbeOutcome::Failure(format!(
                "`{command}` did not finish within {}",
                fmt_duration(timeout)
            ))
        }
    };
    drop(lifeline);
    outcome
}

fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned())
}
