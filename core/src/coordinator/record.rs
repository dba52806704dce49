//! What the coordinator remembers about one service during a run.

use super::protocol::{Generation, ProbePurpose, ProbeSeq};
use super::state::ServiceState;
use crate::time::Timestamp;
use std::collections::VecDeque;
use std::time::Duration;

/// What to do once the service's current process has exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExitPlan {
    /// The start attempt failed: retry after a backoff, or fail for good when out of attempts.
    RetryOrFail(String),
    /// The start attempt failed because its fixed port is held by a program outside the run:
    /// retry after a backoff of at least a second (see `PORT_TAKEN_BACKOFF`), or fail.
    RetryPortBusy(String),
    /// Restart after Ready (liveness failure, with this reason): backoff, then a fresh start.
    Restart(String),
    /// Start again at once with fresh attempts: a user's `restart`, or a dependency it holds
    /// the address of moved to another port. The reason says which.
    Renew(String),
    /// Give up: the service is Failed with this reason.
    Fail(String),
    /// A user's `stop`: the service is Stopped.
    Stop,
    /// The run is shutting down: the service is Stopped.
    Shutdown,
}

/// The coordinator's record of one service.
///
/// `repr(C)` keeps the fields in this order, and `align(64)` starts each record on a cache line:
/// what a dependent's check of a dependency reads (state, doom, the flags) is the first line,
/// then comes what probe answers read, so on a large stack each costs one or two cache misses
/// rather than three or four.
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct Record {
    /// Current state.
    pub state: ServiceState,
    /// A required dependency failed while this service ran: it is stopped (once its own doomed
    /// dependents are gone) and then Failed with this reason.
    pub doom: Option<String>,
    /// Whether the service is part of this run.
    pub selected: bool,
    /// Whether its failure fails the run.
    pub required: bool,
    /// A Spawn was sent and not yet answered.
    pub spawn_pending: bool,
    /// The current generation's process is running (Spawned seen, Exited not yet).
    pub alive: bool,
    /// The stop signal was sent for the current process.
    pub stop_sent: bool,
    /// It reached Ready/Completed or a final state once: its startup is over.
    pub startup_done: bool,
    /// A probe is out and not yet answered (its number is `probe_seq`).
    pub probe_in_flight: Option<ProbePurpose>,
    /// The service was stopped on request (`coord stop`) and not started since: its waiting
    /// dependents keep waiting for it, their dependency timeouts suspended.
    pub stopped_on_request: bool,
    /// The number of the last probe sent.
    pub probe_seq: ProbeSeq,
    /// Spawns so far; the generation of the current (or last) process.
    pub generation: Generation,
    /// Consecutive probe successes.
    pub successes: u32,
    /// Consecutive probe failures.
    pub failures: u32,
    /// Start attempts in the current start.
    pub attempts: u32,
    /// Current readiness probe interval (fast start, then doubling to the period).
    pub probe_interval: Duration,
    /// When the current attempt was spawned.
    pub spawned_at: Option<Timestamp>,
    /// Per dependency edge: the dependent stopped waiting for it (timeout).
    pub dep_timed_out: Vec<bool>,
    /// Per dependency edge: the dependency's port handed to the current process in its
    /// environment (`<NAME>_PORT`), if any.
    pub dep_ports: Vec<Option<u16>>,
    /// What to do when the current process exits, if a stop is under way.
    pub exit_plan: Option<ExitPlan>,
    /// The current process was SIGKILLed because it outlived its stop grace.
    pub killed_after_grace: bool,
    /// Its pid.
    pub pid: Option<u32>,
    /// Port reserved or owned.
    pub port: Option<u16>,
    /// Restarts after Ready, all told.
    pub restarts: u32,
    /// When recent restarts happened (within the restart window).
    pub restart_times: VecDeque<Timestamp>,
    /// Next restart backoff delay.
    pub backoff: Duration,
    /// When the service was first spawned in this run.
    pub first_spawn_at: Option<Timestamp>,
    /// When it last became Ready (or Completed).
    pub ready_at: Option<Timestamp>,
    /// Spawn -> Ready of the attempt that first made it Ready.
    pub spawn_to_ready: Option<u64>,
    /// A watched file changed and the restart waits for the quiet time: the last changed path.
    pub files_changed: Option<String>,
    /// Restarted by a cascading file watch: once Ready (or Completed) again, its running
    /// required dependents are restarted in turn.
    pub cascade_on_ready: bool,
}

impl Record {
    /// A fresh record.
    pub(crate) fn new(dependency_count: usize) -> Self {
        Record {
            selected: false,
            required: false,
            state: ServiceState::Pending,
            generation: 0,
            spawn_pending: false,
            alive: false,
            pid: None,
            port: None,
            attempts: 0,
            restarts: 0,
            restart_times: VecDeque::new(),
            backoff: Duration::ZERO,
            probe_in_flight: None,
            stopped_on_request: false,
            probe_seq: 0,
            probe_interval: Duration::ZERO,
            successes: 0,
            failures: 0,
            dep_timed_out: vec![false; dependency_count],
            dep_ports: vec![None; dependency_count],
            exit_plan: None,
            doom: None,
            stop_sent: false,
            killed_after_grace: false,
            spawned_at: None,
            first_spawn_at: None,
            ready_at: None,
            spawn_to_ready: None,
            startup_done: false,
            files_changed: None,
            cascade_on_ready: false,
        }
    }

    /// A process exists or is being spawned.
    pub(crate) fn has_process(&self) -> bool {
        self.alive || self.spawn_pending
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hot_fields_share_the_first_cache_line() {
        let last = std::mem::offset_of!(super::Record, probe_in_flight);
        assert!(last < 64, "probe_in_flight at {last}");
        let probes = std::mem::offset_of!(super::Record, spawned_at);
        assert!(probes < 128, "spawned_at at {probes}");
    }
}
