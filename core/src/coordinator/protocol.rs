//! The protocol between the coordinator and its drivers: what drivers feed the coordinator
//! ([`Input`]) and what it asks of them ([`Action`]), with the values both carry.

use crate::stack::{ServiceId, StopSignal};
use serde::Serialize;

/// The attempt number of a service: bumped at every spawn. Events echo the generation of the
/// command they answer; events of an older generation are ignored.
pub type Generation = u32;

/// Whether a probe decides readiness or checks liveness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbePurpose {
    /// Starting -> Ready.
    Readiness,
    /// Ready <-> Unhealthy.
    Liveness,
}

/// The number of a probe of one service: every [`Action::Probe`] gets the next one and its
/// [`Input::ProbeResult`] echoes it, so an answer that arrives after the core gave up on it (its
/// deadline passed) is told apart from the answer to the probe sent after it.
pub type ProbeSeq = u64;

/// What a driver found when it ran an [`Action::Probe`]: a fact, not a verdict. The core decides
/// what each fact means (see `attempt.rs` and `running.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// The probe passed, answered by the service's own process tree (a tcp or http probe only
    /// says so when a listener of that tree is seen on the port).
    Success,
    /// The probe failed (refused, bad status, non-zero exit, no log line yet, timeout...).
    Failure(String),
    /// Something answered, and the listener on the port belongs to a process outside the
    /// service's own tree (an outsider on its port).
    Outsider(String),
    /// Something answered but no listener could be attributed: none of the service's tree is
    /// seen listening and no other owner was found (a listener that answered once and went
    /// away). A connection to itself (local address == peer address) is not an answer at all:
    /// the runtime reports it as a [`ProbeOutcome::Failure`].
    Unattributable(String),
}

impl ProbeOutcome {
    /// The driver's words for a non-success, for a reason shown to the user.
    pub fn detail(&self) -> &str {
        match self {
            ProbeOutcome::Success => "success",
            ProbeOutcome::Failure(why)
            | ProbeOutcome::Outsider(why)
            | ProbeOutcome::Unattributable(why) => why,
        }
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// It was killed by this signal number.
    Signal(i32),
}

impl ExitStatus {
    /// Exit code 0.
    pub fn success(self) -> bool {
        self == ExitStatus::Code(0)
    }
}

/// Events fed to [`super::Coordinator::handle_input`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// Start the run: these services (by name) and what they pull in; empty means every service.
    Start {
        /// Selected service names.
        services: Vec<String>,
    },
    /// The process of an [`Action::Spawn`] is running.
    Spawned {
        /// The service.
        service: ServiceId,
        /// Echo of the spawn's generation.
        generation: Generation,
        /// Its pid (also its process group id).
        pid: u32,
    },
    /// The spawn failed before any process ran (command not found, bad working dir...).
    SpawnFailed {
        /// The service.
        service: ServiceId,
        /// Echo of the spawn's generation.
        generation: Generation,
        /// Why, for the user.
        error: String,
    },
    /// The port given in a spawn is held by someone else (lock held by another coord, bind check
    /// failed, or the service could not bind it). Before the process ran this moves the service to
    /// its next candidate port; after, it fails the attempt.
    PortTaken {
        /// The service.
        service: ServiceId,
        /// Echo of the spawn's generation.
        generation: Generation,
        /// The port that was taken.
        port: u16,
    },
    /// The answer to an [`Action::Probe`].
    ProbeResult {
        /// The service.
        service: ServiceId,
        /// Echo of the probe's generation.
        generation: Generation,
        /// Readiness or liveness.
        purpose: ProbePurpose,
        /// Echo of the probe's number.
        seq: ProbeSeq,
        /// What the probe found.
        outcome: ProbeOutcome,
    },
    /// The service's process (group leader) ended.
    Exited {
        /// The service.
        service: ServiceId,
        /// Generation of the process that ended.
        generation: Generation,
        /// Exit code or signal.
        status: ExitStatus,
    },
    /// Stop one service (`coord stop NAME`); dependents are left running.
    StopService {
        /// The service.
        service: ServiceId,
    },
    /// Restart one service (`coord restart NAME`): stop, then start with fresh attempts.
    RestartService {
        /// The service.
        service: ServiceId,
    },
    /// Stop the whole stack in reverse dependency order (a failed setup, a test).
    Shutdown,
    /// Ctrl-C, SIGTERM or SIGHUP reached the driver. The core decides what it means: the first
    /// stops the stack in reverse dependency order, one during a shutdown kills every process
    /// now.
    Interrupt,
    /// Files the service watches (its `watch` table) changed. A fact, reported for every change
    /// the driver sees; the core debounces and decides whether to restart.
    FilesChanged {
        /// The watched service.
        service: ServiceId,
        /// One changed path (for the restart's reason).
        path: String,
    },
    /// Start one service into the running stack (`coord start NAME`): a stopped or
    /// never-started one (`autostart = false`), with what its dependency kinds pull in.
    StartService {
        /// The service.
        service: ServiceId,
    },
}

/// Work for the driver, drained with [`super::Coordinator::poll_command`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Make the port reservation real (if `port` is set: machine-wide lock plus a bind check,
    /// owned by this service and generation; answer `PortTaken` if busy), then start the process in its own process group with `env`
    /// added to the service's own environment. Answer `Spawned` or `SpawnFailed`.
    Spawn {
        /// The service.
        service: ServiceId,
        /// The attempt's generation.
        generation: Generation,
        /// The port reserved for it (also in `env` as `PORT`).
        port: Option<u16>,
        /// `PORT`, and per dependency `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL`,
        /// `<NAME>_AVAILABLE` (`1` or `0`), sorted by name.
        env: Vec<(String, String)>,
    },
    /// Run the service's readiness or liveness probe once; answer `ProbeResult`.
    Probe {
        /// The service.
        service: ServiceId,
        /// The generation being probed.
        generation: Generation,
        /// Which of the service's probes.
        purpose: ProbePurpose,
        /// The probe's number, echoed in the answer.
        seq: ProbeSeq,
    },
    /// Send `signal` to the service's whole process group.
    Signal {
        /// The service.
        service: ServiceId,
        /// The generation whose process group is meant.
        generation: Generation,
        /// Which signal.
        signal: StopSignal,
    },
    /// Run the service's `stop_command` (instead of a stop signal) for this generation's
    /// process: through `sh -c`, with the service's environment, in its working directory. The
    /// core still sends SIGKILL when the grace is over.
    StopCommand {
        /// The service.
        service: ServiceId,
        /// The generation whose process is to stop.
        generation: Generation,
    },
    /// The reservation of `port` by this owner (service and generation, the one of the
    /// `Spawn` that carried the port) is over: drop the machine-wide reservation if that owner
    /// still holds it. A release from anyone else is a no-op.
    ReleasePort {
        /// The owner: the service...
        service: ServiceId,
        /// ...and the generation whose spawn reserved the port.
        generation: Generation,
        /// The port.
        port: u16,
    },
    /// A state change, to log or trace. Nothing to execute.
    Transition(super::Transition),
    /// Startup is over: every selected service reached Ready, Completed or a final state.
    /// Nothing to execute; the driver may print the summary.
    StartupFinished(super::status::StartupSummary),
    /// The run is over: every process has ended and every port is released. The driver exits
    /// with the outcome.
    Finished(super::RunOutcome),
    /// A retry or restart waits out its backoff before the next start (the state stays
    /// `restarting`). Nothing to execute; the driver may print it.
    Backoff(super::BackoffNotice),
}

/// The core's answer to an operator's `stop`, `restart` or `start` ([`Input::StopService`],
/// [`Input::RestartService`], [`Input::StartService`]), read with [`super::Coordinator::poll_answer`] right after the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "answer", content = "message")]
pub enum OperatorAnswer {
    /// The request is being carried out (what happens, in words).
    Accepted(String),
    /// The request changed nothing, and why.
    Refused(String),
}
