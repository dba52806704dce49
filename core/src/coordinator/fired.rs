//! What a firing timer does: each kind of deadline goes to the one handler that decides it.
//!
//! - `Dependency(edge)`: the dependent stops waiting for that dependency (`waiting`), unless it
//!   was stopped on request.
//! - `Readiness`: the attempt was not ready (a task: not completed) in time and failed (`attempt`).
//! - `Probe`: the next readiness or liveness probe is sent (`attempt`).
//! - `ProbeDeadline`: the probe in flight went unanswered and counts as failed (`attempt`).
//! - `Uptime`: a service without readiness probe ran `min_uptime` and is ready (`attempt`).
//! - `Backoff`: the wait before the next attempt or restart is over (`attempt`).
//! - `StopGrace`: the process outlived its stop grace: SIGKILL (`stopping`).
//! - `FilesQuiet`: watched files were quiet for the debounce: restart (`watch`).
//!
//! The deadlines themselves (one per service and kind, and their order) are kept in `timers`.

use super::Coordinator;
use super::timers::TimerKind;
use crate::stack::ServiceId;
use crate::time::Timestamp;

impl Coordinator {
    /// Dispatches one due timer.
    pub(super) fn on_timer(&mut self, now: Timestamp, service: ServiceId, kind: TimerKind) {
        match kind {
            TimerKind::Dependency(edge) => self.on_dependency_timeout(now, service, edge),
            TimerKind::Readiness => self.on_readiness_deadline(now, service),
            TimerKind::Probe => self.send_probe(now, service),
            TimerKind::ProbeDeadline => self.on_probe_deadline(now, service),
            TimerKind::Uptime => self.on_uptime_reached(now, service),
            TimerKind::Backoff => self.on_backoff_over(now, service),
            TimerKind::StopGrace => self.on_stop_grace_over(service),
            TimerKind::FilesQuiet => self.on_files_quiet(now, service),
        }
    }
}
