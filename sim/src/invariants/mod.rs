//! The invariant checker: a model of the run rebuilt only from what can be observed (the inputs a
//! driver fed, the commands the coordinator emitted, and a few facts of the simulated machine),
//! and one small function per invariant over that model.
//!
//! The checker knows nothing of the world's internals, so a test can feed it a hand-written,
//! deliberately broken history and show that each invariant catches its violation.

mod by_process;
mod lists;
mod model;
mod rules;
mod watch_rules;

pub use model::Checker;

use coord_core::Timestamp;
use coord_core::stack::ServiceId;
use coord_core::{Action, Generation, Input};
use std::fmt;

/// One observable fact, fed to [`Checker::observe`] in the order it happened.
#[derive(Debug, Clone, Copy)]
pub enum Observation<'a> {
    /// The driver fed this input to the coordinator.
    Input(&'a Input),
    /// The coordinator emitted this command.
    Action(&'a Action),
    /// A service's process bound its port (world fact).
    Bound {
        /// The service.
        service: ServiceId,
        /// Its generation.
        generation: Generation,
        /// The port.
        port: u16,
    },
    /// A process outside the run took `port` (world fact).
    OutsiderTook(u16),
    /// The outsider on `port` let it go (world fact).
    OutsiderLeft(u16),
    /// The fault phase is over: from now on every service must settle within the calm bound.
    CalmBegins,
    /// Nothing is left to happen: no event in the agenda and no coordinator timer.
    Idle,
    /// The run is over; the world's final truth.
    End(&'a EndState),
}

/// What the simulated machine holds when the run is over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndState {
    /// Processes still alive: (service, generation).
    pub live_processes: Vec<(ServiceId, Generation)>,
    /// Port reservations (lock files) still held: (port, service).
    pub held_reservations: Vec<(u16, ServiceId)>,
    /// Ports still bound by a service's process.
    pub bound_ports: Vec<u16>,
    /// Services whose status still reports a pid.
    pub status_with_pid: Vec<ServiceId>,
}

/// The invariants, each checked by its own function in `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Invariant {
    /// No service spawned before its required dependencies are Ready (or Completed).
    DepsReadyBeforeSpawn,
    /// No port handed to a service while another service holds it or another live process has it,
    /// and no service's fixed port handed to another service.
    PortExclusive,
    /// No port handed to a service while an outsider (reported by `PortTaken`) still holds it.
    PortNotOutsider,
    /// Never more than `max_parallel_starts` services Starting.
    MaxParallelStarts,
    /// Ready only after enough successful readiness probes of the current generation, answered by
    /// the service's own live process (or min_uptime without a probe); Completed only after exit 0.
    ReadyProven,
    /// Liveness never probed before the probed generation was Ready.
    LivenessAfterReady,
    /// A dependent never fails because of an optional or soft dependency.
    OptionalFailureContained,
    /// A dependent not yet started whose required dependency failed never starts and ends Failed
    /// or Skipped.
    RequiredFailureCascades,
    /// A dependent gets the discovery variables of its Ready dependencies (`<NAME>_PORT`).
    DiscoveryEnv,
    /// Every stop signal is followed by the exit or a SIGKILL once the grace period is over.
    StopCompletes,
    /// In a shutdown, a service is stopped only when its dependents have no live process.
    StopsDependentsFirst,
    /// After the run: no live process, no bound port, no reservation, no pid in the status.
    ShutdownLeavesNothing,
    /// In the calm phase every service settles (Ready or final) within a bounded virtual time and
    /// startup finishes; a shutdown finishes within its bound; nothing deadlocks.
    Converges,
    /// The run's outcome: Failed exactly when a non-optional service failed; startup and run
    /// finish once; nothing is emitted after Finished.
    RunOutcome,
    /// Transition records form a chain: each `from` is the previous `to`.
    TransitionsChain,
    /// A `ReleasePort` names the owner of the reservation (the service and generation whose
    /// spawn was handed the port): nobody else's release drops it.
    OnlyOwnerReleases,
    /// A user stop never fails the run: the stopped service ends Stopped, and a dependent that
    /// waits for it keeps waiting rather than failing.
    UserStopNeverFails,
    /// When a dependency is Ready on another port than the one a running dependent was given
    /// (`<NAME>_PORT`), that dependent is restarted in the same step.
    DependentsFollowMoves,
    /// A restart for changed files comes only after the service's watched files have been quiet
    /// for its debounce, and once per burst (a change must precede each such restart).
    WatchDebounced,
    /// A dependent restarted by a cascading file watch is restarted only while the dependency it
    /// follows, one it requires, is Ready (or Completed) again.
    CascadeAfterReady,
    /// A dependent spawns only once its `started` dependency has run in this run (unless that
    /// dependency ended for good or the edge's timeout passed), and is not held back for the
    /// readiness of dependencies that only need to run.
    StartedWaitsForTheProcess,
}

impl Invariant {
    /// Every invariant.
    pub const ALL: [Invariant; 21] = [
        Invariant::DepsReadyBeforeSpawn,
        Invariant::PortExclusive,
        Invariant::PortNotOutsider,
        Invariant::MaxParallelStarts,
        Invariant::ReadyProven,
        Invariant::LivenessAfterReady,
        Invariant::OptionalFailureContained,
        Invariant::RequiredFailureCascades,
        Invariant::DiscoveryEnv,
        Invariant::StopCompletes,
        Invariant::StopsDependentsFirst,
        Invariant::ShutdownLeavesNothing,
        Invariant::Converges,
        Invariant::RunOutcome,
        Invariant::TransitionsChain,
        Invariant::OnlyOwnerReleases,
        Invariant::UserStopNeverFails,
        Invariant::DependentsFollowMoves,
        Invariant::WatchDebounced,
        Invariant::CascadeAfterReady,
        Invariant::StartedWaitsForTheProcess,
    ];

    /// Its short name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::DepsReadyBeforeSpawn => "deps_ready_before_spawn",
            Invariant::PortExclusive => "port_exclusive",
            Invariant::PortNotOutsider => "port_not_outsider",
            Invariant::MaxParallelStarts => "max_parallel_starts",
            Invariant::ReadyProven => "ready_proven",
            Invariant::LivenessAfterReady => "liveness_after_ready",
            Invariant::OptionalFailureContained => "optional_failure_contained",
            Invariant::RequiredFailureCascades => "required_failure_cascades",
            Invariant::DiscoveryEnv => "discovery_env",
            Invariant::StopCompletes => "stop_completes",
            Invariant::StopsDependentsFirst => "stops_dependents_first",
            Invariant::ShutdownLeavesNothing => "shutdown_leaves_nothing",
            Invariant::Converges => "converges",
            Invariant::RunOutcome => "run_outcome",
            Invariant::TransitionsChain => "transitions_chain",
            Invariant::OnlyOwnerReleases => "only_owner_releases",
            Invariant::UserStopNeverFails => "user_stop_never_fails",
            Invariant::DependentsFollowMoves => "dependents_follow_moves",
            Invariant::WatchDebounced => "watch_debounced",
            Invariant::CascadeAfterReady => "cascade_after_ready",
            Invariant::StartedWaitsForTheProcess => "started_waits_for_the_process",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken invariant: which, when, and what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The invariant.
    pub invariant: Invariant,
    /// Virtual time of the observation that broke it.
    pub at: Timestamp,
    /// What was seen, naming services.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant {} broken at {} ms: {}",
            self.invariant,
            self.at.as_millis(),
            self.detail
        )
    }
}
