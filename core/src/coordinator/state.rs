//! Service states and the transition records emitted on every change.

use super::status::ReadinessView;
use crate::stack::ServiceId;
use crate::time::Timestamp;
use serde::Serialize;
use std::fmt;

/// The state of one service (DESIGN §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum ServiceState {
    /// Selected, the run not yet started.
    Pending,
    /// Waiting for its dependencies.
    Waiting,
    /// Port reserved and spawn requested, or spawned; readiness not yet proven.
    Starting,
    /// Readiness proven; dependents may start.
    Ready,
    /// Liveness failing (`failure_threshold` consecutive failures).
    Unhealthy,
    /// Stopped for a restart, or waiting out the backoff before the next attempt.
    Restarting,
    /// A task that exited 0.
    Completed,
    /// Gave up: the reason says why.
    Failed(String),
    /// Never started: the reason says why (not selected, a dependency failed, run shut down).
    Skipped(String),
    /// Stop signal sent, waiting for the process to exit.
    Stopping,
    /// Stopped on request (or exited 0 after Ready with restart policy `no`).
    Stopped,
    /// Not started: `autostart = false` and neither named nor pulled in by the run; it starts
    /// only with `coord start` (`not_started`).
    NotStarted,
}

impl ServiceState {
    /// A state the service leaves only by an explicit request (restart).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ServiceState::Completed
                | ServiceState::Failed(_)
                | ServiceState::Skipped(_)
                | ServiceState::Stopped
                | ServiceState::NotStarted
        )
    }

    /// The short name, as in traces and status output.
    pub fn name(&self) -> &'static str {
        match self {
            ServiceState::Pending => "pending",
            ServiceState::Waiting => "waiting",
            ServiceState::Starting => "starting",
            ServiceState::Ready => "ready",
            ServiceState::Unhealthy => "unhealthy",
            ServiceState::Restarting => "restarting",
            ServiceState::Completed => "completed",
            ServiceState::Failed(_) => "failed",
            ServiceState::Skipped(_) => "skipped",
            ServiceState::Stopping => "stopping",
            ServiceState::Stopped => "stopped",
            ServiceState::NotStarted => "not_started",
        }
    }

    /// The state recorded for the service once the run is over (no process is left): `failed`
    /// for a failed service, `stopped` for every other.
    pub fn name_after_run(&self) -> &'static str {
        match self {
            ServiceState::Failed(_) => "failed",
            ServiceState::NotStarted => "not_started",
            _ => "stopped",
        }
    }

    /// The readiness view of the original design.
    pub fn readiness(&self) -> ReadinessView {
        match self {
            ServiceState::Pending | ServiceState::NotStarted => ReadinessView::Unknown,
            ServiceState::Waiting => ReadinessView::Initializing,
            ServiceState::Starting | ServiceState::Restarting => ReadinessView::Starting,
            ServiceState::Ready | ServiceState::Completed => ReadinessView::Ready,
            ServiceState::Unhealthy | ServiceState::Stopping | ServiceState::Stopped => {
                ReadinessView::NotReady
            }
            ServiceState::Skipped(_) => ReadinessView::NotReady,
            ServiceState::Failed(_) => ReadinessView::Failed,
        }
    }
}

impl fmt::Display for ServiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceState::Failed(r) | ServiceState::Skipped(r) => {
                write!(f, "{} ({r})", self.name())
            }
            _ => f.write_str(self.name()),
        }
    }
}

/// One state change: emitted as [`super::Action::Transition`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// When.
    pub at: Timestamp,
    /// Which service.
    pub service: ServiceId,
    /// Its name.
    pub name: String,
    /// The state it left.
    pub from: ServiceState,
    /// The state it entered.
    pub to: ServiceState,
    /// Why, in a few words.
    pub reason: String,
}
