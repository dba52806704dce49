//! The sans-IO coordination state machine (DESIGN §3), in the shape of quinn-proto:
//!
//! ```text
//! let mut c = Coordinator::new(stack, Options::default(), now);
//! c.handle_input(now, Input::Start { services: vec![] });
//! while let Some(cmd) = c.poll_command() { /* execute */ }   // drain after every handle_*
//! if let Some(t) = c.poll_timeout() { /* call c.handle_timeout(t) when t has passed */ }
//! ```
//!
//! The protocol between the coordinator and its drivers (`Input`, `Action` and their parts) is
//! in `protocol`. The `Coordinator` itself is a dispatcher: the data and the invariants belong to
//! types that own them, each in its own file:
//! - `record` (`Services`): the per-service records, how a state changes (with its transition
//!   record) and how a generation grows; `state` names the states.
//! - `start_queue`: the queue of services allowed to start and the `max_parallel_starts` slots.
//! - `shutdown` (`ShutdownPlan`): the stop order, forced stops, when the run is fully stopped.
//! - `timers`: the deadlines; `fired` says which handler decides what a firing one does.
//! - `run_life`: the run as a whole (phase, startup countdown, failure, outcome); `run_end` the
//!   CI options that end it; `cadence` the probe cadence per probe kind; `backoff` the delays.
//!
//! The rules that combine them live in the coordinator's submodules: `waiting` (dependency
//! kinds, timeouts, the start verdict, failure propagation), `attempt` (spawn, ports, readiness),
//! `running` (liveness, exits, restart policy), `stopping` (carrying out stops, user
//! stop/restart, run failure), `watch` (file-watch restarts, debounce and cascade), `moves`
//! (dependents of a service that moved), `on_demand` (`coord start`) and `report` (status and
//! startup summary).

mod attempt;
mod backoff;
mod backoff_notice;
mod cadence;
mod discovery;
mod fired;
mod moves;
mod on_demand;
mod protocol;
mod record;
mod report;
mod run_end;
mod run_life;
mod running;
mod shutdown;
mod start_queue;
mod state;
pub(crate) mod status;
mod stopping;
mod timers;
mod waiting;
mod watch;

pub use backoff_notice::{BackoffKind, BackoffNotice};
pub use protocol::{
    Action, ExitStatus, Generation, Input, OperatorAnswer, ProbeOutcome, ProbePurpose, ProbeSeq,
};
pub use state::{ServiceState, Transition};
pub use status::StartupSummary;

use crate::graph::StackGraph;
use crate::ports::PortLedger;
use crate::stack::{ServiceId, Stack};
use crate::time::Timestamp;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use record::Services;
use run_life::Phase;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use timers::Timers;

/// Construction options of a [`Coordinator`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Seed of the backoff jitter.
    pub seed: u64,
    /// The port each service had last time (from the registry): preferred over everything else.
    pub last_ports: BTreeMap<String, u16>,
    /// `--exit-code-from TASK`: when this service ends (a task exits, once: it is not retried),
    /// the stack is stopped in order and the run ends with its exit code
    /// ([`RunOutcome::TaskEnded`]). It is selected even when not named or not autostarted.
    pub exit_code_from: Option<String>,
    /// `--abort-on-failure`: any service of the run failing (after its retries) fails the run,
    /// optional or not.
    pub abort_on_failure: bool,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum RunOutcome {
    /// Stopped on request after the stack came up.
    Stopped,
    /// Stopped on request before startup was over.
    Interrupted,
    /// A required service failed; the reason names it.
    Failed(String),
    /// Every selected service was a task, and they have all ended (none required failed).
    Completed,
    /// The service of `--exit-code-from` ended, and the stack was stopped: the run exits with
    /// its code (the exit code; 128 + the signal number when a signal killed it; 1 when it never
    /// ran).
    TaskEnded {
        /// The service's name.
        task: String,
        /// Its exit code.
        code: i32,
    },
}

/// The coordination state machine. See the module docs.
#[derive(Debug)]
pub struct Coordinator {
    /// Shared, never mutated: a sweep hands the same stack to thousands of coordinators without
    /// copying it.
    stack: Arc<Stack>,
    /// The dependency graph: edges both ways, startup order and ranks (`crate::graph`).
    graph: StackGraph,
    /// Port reservations and their owners (`crate::ports`).
    ledger: PortLedger,
    /// The backoff jitter, seeded from [`Options::seed`].
    rng: ChaCha8Rng,
    /// The per-service records, last ports and probe cadences (`record`).
    services: Services,
    /// The armed deadlines (`timers`); what a firing one does is in `fired`.
    timers: Timers,
    /// The outbox: actions for the driver, in the order they were decided, until polled. It
    /// stays here, a plain queue, rather than in a type of its own: every rule pushes to it, it
    /// keeps no invariant beyond that order, and [`Coordinator::poll_command`] is its only reader.
    commands: VecDeque<Action>,
    /// Services whose dependencies allow a start, waiting for a start slot, and the slots.
    start_queue: start_queue::StartQueue,
    /// Services whose state changed and whose neighbours still have to hear of it. It stays
    /// here, a plain queue, rather than in a type of its own: it is the coordinator's event loop
    /// itself (`set_state` pushes, `settle` drains it to a fixed point before the doomed are
    /// stopped and the start slots filled), and what hearing of a change means is decided in
    /// `waiting::propagate`.
    changed: VecDeque<ServiceId>,
    /// The live processes and the doomed services waiting to be stopped: who stops when
    /// (`shutdown`).
    shutdown: shutdown::ShutdownPlan,
    /// The answer to the last operator request, until polled.
    answer: Option<OperatorAnswer>,
    /// The run ends with the exit code of this service (`--exit-code-from`), and the policy.
    run_end: run_end::RunEnd,
    /// The run as a whole: phase, startup countdown, failure, interrupts, outcome.
    run: run_life::RunLife,
}

impl Coordinator {
    /// A coordinator for `stack`, its clock starting at `now`.
    pub fn new(stack: impl Into<Arc<Stack>>, options: Options, now: Timestamp) -> Self {
        let stack = stack.into();
        let graph = StackGraph::new(&stack);
        Coordinator {
            graph,
            ledger: PortLedger::new(),
            rng: ChaCha8Rng::seed_from_u64(options.seed),
            services: Services::new(&stack, &options.last_ports),
            timers: Timers::new(stack.services.len()),
            commands: VecDeque::new(),
            start_queue: start_queue::StartQueue::new(stack.services.len()),
            changed: VecDeque::new(),
            shutdown: shutdown::ShutdownPlan::new(),
            answer: None,
            run_end: run_end::RunEnd::new(&stack, &options),
            run: run_life::RunLife::new(now),
            stack,
        }
    }

    /// The stack this coordinator runs.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// The dependency graph of the stack.
    pub fn graph(&self) -> &StackGraph {
        &self.graph
    }

    /// The current state of `service`.
    pub fn state(&self, service: ServiceId) -> &ServiceState {
        self.services[service].state()
    }

    /// Feeds one event.
    pub fn handle_input(&mut self, now: Timestamp, input: Input) {
        if self.run.phase() == Phase::Finished {
            return;
        }
        match input {
            Input::Start { services } => self.start_run(now, &services),
            Input::Spawned {
                service,
                generation,
                pid,
            } => {
                if self.is_current(service, generation) && self.services[service].spawn_pending {
                    self.on_spawned(now, service, pid);
                }
            }
            Input::SpawnFailed {
                service,
                generation,
                error,
            } => {
                if self.is_current(service, generation) && self.services[service].spawn_pending {
                    self.on_spawn_failed(now, service, error);
                }
            }
            Input::PortTaken {
                service,
                generation,
                port,
            } => {
                if self.is_current(service, generation) && self.services[service].has_process() {
                    self.on_port_taken(now, service, port);
                }
            }
            Input::ProbeResult {
                service,
                generation,
                purpose,
                seq,
                outcome,
            } => {
                // `is_current` first: an id from outside the stack is ignored, never indexed.
                if self.is_current(service, generation)
                    && self.services[service].probe_in_flight == Some(purpose)
                    && self.services[service].probe_seq == seq
                {
                    self.probe_answered(service);
                    self.on_probe_result(now, service, purpose, outcome);
                }
            }
            Input::Exited {
                service,
                generation,
                status,
            } => {
                if self.is_current(service, generation) && self.services[service].alive {
                    self.on_exited(now, service, status);
                }
            }
            Input::StopService { service } => {
                self.answer = Some(self.stop_service(now, service));
            }
            Input::RestartService { service } => {
                self.answer = Some(self.restart_service(now, service));
            }
            Input::StartService { service } => {
                self.answer = Some(self.start_service(now, service));
            }
            Input::Shutdown => self.begin_shutdown(now),
            Input::Interrupt => self.on_interrupt(now),
            Input::FilesChanged { service, path } => self.on_files_changed(now, service, path),
        }
        self.settle(now);
    }

    /// Fires every timer due at or before `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if self.run.phase() == Phase::Finished {
            return;
        }
        while let Some((service, kind)) = self.timers.pop_due(now) {
            self.on_timer(now, service, kind);
        }
        for (service, port) in self.ledger.expire(now) {
            self.on_reservation_expired(now, service, port);
        }
        self.settle(now);
    }

    /// The answer to the last [`Input::StopService`], [`Input::RestartService`] or
    /// [`Input::StartService`], once: whether
    /// it was carried out, or why it changed nothing.
    pub fn poll_answer(&mut self) -> Option<OperatorAnswer> {
        self.answer.take()
    }

    /// The next command for the driver; drain until `None` after every `handle_*`.
    pub fn poll_command(&mut self) -> Option<Action> {
        self.commands.pop_front()
    }

    /// When `handle_timeout` must next be called, if any timer is armed.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        if self.run.phase() == Phase::Finished {
            return None;
        }
        match (self.timers.next(), self.ledger.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the run is over (`Action::Finished` was emitted).
    pub fn is_finished(&self) -> bool {
        self.run.phase() == Phase::Finished
    }

    /// Whether the shutdown kills every process at once (a second interrupt).
    pub fn is_forced(&self) -> bool {
        self.run.is_forced()
    }

    /// Whether `generation` is the current one of `service` (events of older ones are ignored).
    fn is_current(&self, service: ServiceId, generation: Generation) -> bool {
        self.services.is_current(service, generation)
    }

    /// After every event: start what can start, report the end of startup, finish the run.
    fn settle(&mut self, now: Timestamp) {
        loop {
            while let Some(service) = self.changed.pop_front() {
                self.propagate(now, service);
            }
            let Some(doomed) = self.shutdown.take_doomed() else {
                break;
            };
            for service in doomed {
                self.stop_doomed_in_order(now, service);
            }
        }
        if self.run.phase() == Phase::Running {
            self.fill_start_slots(now);
        }
        self.report_startup_if_over(now);
        self.end_with_task_if_over(now);
        self.complete_tasks_only_run(now);
        self.finish_if_done();
    }

    /// Emits the record of a backoff of `delay` before start attempt (or restart) `number` of
    /// `of`: the state stays `restarting`, so the wait gets its own record.
    fn announce_backoff(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        kind: BackoffKind,
        delay: std::time::Duration,
        (number, of): (u32, u32),
    ) {
        self.commands.push_back(Action::Backoff(BackoffNotice {
            at: now,
            service,
            name: self.stack.services[service].name.clone(),
            kind,
            delay_ms: crate::time::duration_millis(delay),
            number,
            of,
        }));
    }

    /// Changes the state of `service`, keeping the counters and emitting the transition record.
    fn set_state(&mut self, now: Timestamp, service: ServiceId, to: ServiceState, reason: &str) {
        let name = &self.stack.services[service].name;
        let entering_starting = to == ServiceState::Starting;
        let Some(entered) = self.services.enter(now, service, name, to, reason) else {
            return;
        };
        if entered.left_starting {
            self.start_queue.slot(false);
        }
        if entering_starting {
            self.start_queue.slot(true);
        }
        if entered.startup_over {
            self.run.startup_settled();
        }
        self.commands
            .push_back(Action::Transition(entered.transition));
        self.changed.push_back(service);
    }
}
