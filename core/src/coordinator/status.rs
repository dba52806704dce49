//! The serialisable status snapshot: states, ports, pids, attempts, timings, critical path.

use super::state::ServiceState;
use serde::{Deserialize, Serialize};

/// The readiness view of the original design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessView {
    /// Not started yet.
    Unknown,
    /// Waiting for dependencies.
    Initializing,
    /// Spawned, readiness not yet proven.
    Starting,
    /// Ready (or a completed task).
    Ready,
    /// Not serving: unhealthy, stopping, stopped or skipped.
    NotReady,
    /// Failed to start.
    Failed,
}

/// Status of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    /// Name.
    pub name: String,
    /// Whether it was selected into the run.
    pub selected: bool,
    /// Whether its failure fails the run: the run's required set, closed over required edges
    /// (false for a service not selected).
    pub required: bool,
    /// Current state.
    pub state: ServiceState,
    /// Readiness view of the state.
    pub readiness: ReadinessView,
    /// Why it waits, for a waiting service held back by dependencies: `waiting for slow
    /// (stopped on request)`.
    pub waiting_for: Option<String>,
    /// Port it owns or has reserved.
    pub port: Option<u16>,
    /// Its URL on that port (the service's `url` template filled in).
    pub url: Option<String>,
    /// Pid of its current process (also its process group).
    pub pid: Option<u32>,
    /// Current generation (spawns so far).
    pub generation: u32,
    /// Start attempts in the current start (1 after the first spawn).
    pub attempts: u32,
    /// Restarts after Ready so far.
    pub restarts: u32,
    /// Milliseconds spent waiting for dependencies (run start -> first spawn).
    pub waited_ms: Option<u64>,
    /// Milliseconds from the spawn of the successful attempt to Ready / Completed.
    pub spawn_to_ready_ms: Option<u64>,
    /// Milliseconds from the run start to Ready / Completed.
    pub ready_at_ms: Option<u64>,
}

/// How the startup went, once it is over (read back by clients of the control socket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartupSummary {
    /// Selected services now Ready or Completed.
    pub ready: usize,
    /// Selected services.
    pub selected: usize,
    /// Milliseconds from run start to the last Ready / Completed (for a failed startup: to the
    /// failure).
    pub total_ms: u64,
    /// The chain of dependencies that decided the total time, first to last.
    pub critical_path: Vec<String>,
    /// Selected services that failed or were skipped, with the reason.
    pub failures: Vec<(String, String)>,
    /// Whether a required service failed (the run then fails).
    pub run_failed: bool,
}

impl std::fmt::Display for StartupSummary {
    /// `5/5 ready in 1.21 s (critical path database > auth > backend > frontend)`, or for a failed
    /// startup `startup failed after 0.42 s with 1/3 ready; db: ...`. A long critical path or
    /// list of failures names the first ten and counts the rest (`... and 1,990 more`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.total_ms as f64 / 1000.0;
        if self.run_failed {
            write!(
                f,
                "startup failed after {secs:.2} s with {}/{} ready",
                self.ready, self.selected
            )?;
        } else {
            write!(f, "{}/{} ready in {secs:.2} s", self.ready, self.selected)?;
        }
        if !self.run_failed && !self.critical_path.is_empty() {
            let path = crate::text::abbreviate(&self.critical_path, " > ");
            write!(f, " (critical path {path})")?;
        }
        for (name, why) in self.failures.iter().take(crate::text::LIST_LIMIT) {
            write!(f, "; {name}: {why}")?;
        }
        if self.failures.len() > crate::text::LIST_LIMIT {
            let more = self.failures.len() - crate::text::LIST_LIMIT;
            write!(
                f,
                "; and {} more failed or skipped",
                crate::text::thousands(more)
            )?;
        }
        Ok(())
    }
}

/// A snapshot of the whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// The stack file.
    pub file: String,
    /// Milliseconds since the run started.
    pub now_ms: u64,
    /// One entry per service, in stack file order.
    pub services: Vec<ServiceStatus>,
    /// Present once startup is over.
    pub startup: Option<StartupSummary>,
}
