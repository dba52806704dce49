//! The trace: one line per world step and per coordinator command, in fixed columns, with virtual
//! milliseconds, virtual pids and simulated ports only (no real pids, ports, paths or floats).

use coord_core::stack::{ServiceId, Stack};
use coord_core::{Action, Input, ProbeOutcome, ProbePurpose, RunOutcome, Timestamp};
use std::fmt::Write;

/// The lines of a run's trace. When disabled (sweeps), nothing is formatted at all.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    enabled: bool,
    lines: Vec<String>,
}

impl Trace {
    /// A trace that records (`enabled`) or ignores every line.
    pub fn new(enabled: bool) -> Trace {
        Trace {
            enabled,
            lines: Vec::new(),
        }
    }

    /// Whether lines are recorded.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Appends `time  who  what  detail` in fixed columns.
    pub fn line(&mut self, at: Timestamp, who: &str, what: &str, detail: std::fmt::Arguments<'_>) {
        if !self.enabled {
            return;
        }
        let mut s = String::with_capacity(64);
        let _ = write!(
            s,
            "{:>9} ms  {:<12} {:<11} {}",
            at.as_millis(),
            who,
            what,
            detail
        );
        let trimmed = s.trim_end().len();
        s.truncate(trimmed);
        self.lines.push(s);
    }

    /// Every recorded line.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The last `n` lines.
    pub fn tail(&self, n: usize) -> &[String] {
        &self.lines[self.lines.len().saturating_sub(n)..]
    }

    /// Records an input the world feeds the coordinator.
    pub fn input(&mut self, at: Timestamp, stack: &Stack, input: &Input) {
        if !self.enabled {
            return;
        }
        let name = |id: ServiceId| {
            stack
                .services
                .get(id.index())
                .map_or("?", |s| s.name.as_str())
        };
        match input {
            Input::Start { .. } => self.line(at, "*", "start", format_args!("all services")),
            Input::Spawned {
                service,
                generation,
                pid,
            } => self.line(
                at,
                name(*service),
                "spawned",
                format_args!("g{generation} pid {pid}"),
            ),
            Input::SpawnFailed {
                service,
                generation,
                error,
            } => self.line(
                at,
                name(*service),
                "spawn-fail",
                format_args!("g{generation} {error}"),
            ),
            Input::PortTaken {
                service,
                generation,
                port,
            } => self.line(
                at,
                name(*service),
                "port-taken",
                format_args!("g{generation} port {port}"),
            ),
            Input::ProbeResult {
                service,
                generation,
                purpose,
                outcome,
                ..
            } => {
                let what = match purpose {
                    ProbePurpose::Readiness => "ready?",
                    ProbePurpose::Liveness => "live?",
                };
                let outcome = match outcome {
                    ProbeOutcome::Success => "success".to_string(),
                    ProbeOutcome::Failure(why) => format!("failure: {why}"),
                    ProbeOutcome::Outsider(why) => format!("outsider: {why}"),
                    ProbeOutcome::Unattributable(why) => format!("unattributable: {why}"),
                };
                self.line(
                    at,
                    name(*service),
                    what,
                    format_args!("g{generation} {outcome}"),
                )
            }
            Input::Exited {
                service,
                generation,
                status,
            } => self.line(
                at,
                name(*service),
                "exited",
                format_args!("g{generation} {status:?}"),
            ),
            Input::StopService { service } => {
                self.line(at, name(*service), "stop", format_args!(""))
            }
            Input::RestartService { service } => {
                self.line(at, name(*service), "restart", format_args!(""))
            }
            Input::StartService { service } => {
                self.line(at, name(*service), "start", format_args!(""))
            }
            Input::Shutdown => self.line(at, "*", "shutdown", format_args!("graceful")),
            Input::Interrupt => self.line(at, "*", "interrupt", format_args!("")),
            Input::FilesChanged { service, path } => {
                self.line(at, name(*service), "files", format_args!("changed {path}"))
            }
        }
    }

    /// Records a command the coordinator emitted.
    pub fn command(&mut self, at: Timestamp, stack: &Stack, cmd: &Action) {
        if !self.enabled {
            return;
        }
        let name = |id: ServiceId| {
            stack
                .services
                .get(id.index())
                .map_or("?", |s| s.name.as_str())
        };
        match cmd {
            Action::Spawn {
                service,
                generation,
                port,
                env,
            } => {
                let mut vars = String::new();
                for (k, v) in env {
                    if k.ends_with("_PORT") || k.ends_with("_AVAILABLE") {
                        let _ = write!(vars, " {k}={v}");
                    }
                }
                let port = port.map_or("-".to_string(), |p| p.to_string());
                self.line(
                    at,
                    name(*service),
                    "> spawn",
                    format_args!("g{generation} port {port}{vars}"),
                )
            }
            Action::Probe {
                service,
                generation,
                purpose,
                ..
            } => {
                let what = match purpose {
                    ProbePurpose::Readiness => "> ready?",
                    ProbePurpose::Liveness => "> live?",
                };
                self.line(at, name(*service), what, format_args!("g{generation}"))
            }
            Action::Signal {
                service,
                generation,
                signal,
            } => self.line(
                at,
                name(*service),
                "> signal",
                format_args!("g{generation} {signal:?}"),
            ),
            Action::StopCommand {
                service,
                generation,
            } => self.line(
                at,
                name(*service),
                "> stop-cmd",
                format_args!("g{generation}"),
            ),
            Action::ReleasePort {
                service,
                generation,
                port,
            } => self.line(
                at,
                name(*service),
                "> release",
                format_args!("g{generation} port {port}"),
            ),
            Action::Transition(t) => self.line(
                at,
                &t.name,
                "> state",
                format_args!("{} -> {} ({})", t.from.name(), t.to.name(), t.reason),
            ),
            // In whole milliseconds (no floats in a trace), unlike the runtime's words.
            Action::Backoff(b) => {
                let (doing, what) = match b.kind {
                    coord_core::BackoffKind::Retry => ("retrying", "attempt"),
                    coord_core::BackoffKind::Restart => ("restarting", "restart"),
                };
                self.line(
                    at,
                    &b.name,
                    "> backoff",
                    format_args!(
                        "{doing} in {} ms ({what} {} of {})",
                        b.delay_ms, b.number, b.of
                    ),
                )
            }
            Action::StartupFinished(summary) => self.line(
                at,
                "*",
                "> startup",
                format_args!(
                    "{}/{} up in {} ms{}",
                    summary.ready,
                    summary.selected,
                    summary.total_ms,
                    if summary.run_failed {
                        ", run failed"
                    } else {
                        ""
                    }
                ),
            ),
            Action::Finished(outcome) => {
                let outcome = match outcome {
                    RunOutcome::Stopped => "stopped".to_string(),
                    RunOutcome::Completed => "completed".to_string(),
                    RunOutcome::Interrupted => "interrupted".to_string(),
                    RunOutcome::Failed(why) => format!("failed: {why}"),
                    RunOutcome::TaskEnded { task, code } => {
                        format!("{task} ended with code {code}")
                    }
                };
                self.line(at, "*", "> finished", format_args!("{outcome}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_columns_and_disabled_records_nothing() {
        let mut t = Trace::new(true);
        t.line(
            Timestamp(1234),
            "database",
            "spawned",
            format_args!("g1 pid 1000"),
        );
        t.line(Timestamp(5), "*", "calm", format_args!(""));
        assert_eq!(
            t.lines(),
            [
                "     1234 ms  database     spawned     g1 pid 1000",
                "        5 ms  *            calm",
            ]
        );
        let mut off = Trace::new(false);
        off.line(Timestamp(1), "x", "y", format_args!("z"));
        assert!(off.lines().is_empty());
        assert_eq!(t.tail(1).len(), 1);
        assert_eq!(t.tail(10).len(), 2);
    }
}
