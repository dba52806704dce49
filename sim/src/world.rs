//! The simulated machine: virtual time, seeded randomness, processes, ports and an agenda of future
//! events, driving a coordinator and checking every invariant after every step.

use crate::agenda::Agenda;
use crate::invariants::{Checker, EndState, Invariant, Observation, Violation};
use crate::machine::Machine;
use crate::plan::{FaultKind, FaultPlan};
use crate::ports::{Owner, PortTable};
use crate::probes::ProbeTable;
use crate::process::{ByGeneration, SimProcess, SpawnContext, StopBehaviour, signal_number};
use crate::trace::Trace;
use coord_core::stack::{ServiceId, Stack, StopSignal};
use coord_core::{
    Action, Coordinator, ExitStatus, Generation, Input, Options, ProbeOutcome, ProbePurpose,
    ProbeSeq, RunOutcome, Timestamp,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::Arc;

/// First virtual pid.
const FIRST_PID: u32 = 1000;
/// Steps at one virtual instant before the run counts as a livelock.
const MAX_STEPS_PER_INSTANT: u64 = 100_000;

/// Something that happens in the world at a given virtual time.
#[derive(Debug)]
enum WorldEvent {
    /// An answer reaches the coordinator.
    Deliver(Input),
    /// A probe finishes; its outcome is the world's truth at that moment (or a flaky failure,
    /// or a connect that something answered and no listener can be attributed to).
    ProbeDone {
        service: ServiceId,
        generation: Generation,
        purpose: ProbePurpose,
        seq: ProbeSeq,
        answer: Answer,
    },
    /// A process tries to bind its port.
    Bind { pid: u32 },
    /// A process ends.
    Exit {
        pid: u32,
        status: ExitStatus,
        why: &'static str,
    },
    /// An outsider binds `port` (if free).
    OutsiderGrab { port: u16 },
    /// The outsider on `port` goes away.
    OutsiderLeave { port: u16 },
    /// The operator restarts (or stops) a service.
    Operator { service: ServiceId, restart: bool },
    /// A file that `service` watches changes.
    FileChange { service: ServiceId, path: String },
    /// The operator starts a service (`coord start NAME`).
    OperatorStart { service: ServiceId },
    /// The fault phase is over.
    CalmBegins,
    /// The operator presses Ctrl-C again during the shutdown.
    Force,
}

/// How the world answers one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The truth of the world when the probe finishes.
    Truth,
    /// A failure although the service is fine (a flaky probe).
    Flaky,
    /// If the process has not bound its port yet: something answered the connect and went away
    /// (no listener to attribute). Otherwise the truth.
    Unattributable,
}

/// What a finished simulation reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The seed.
    pub seed: u64,
    /// The fault plan drawn from it.
    pub plan: FaultPlan,
    /// The first broken invariant, if any.
    pub violation: Option<Violation>,
    /// The trace (empty when tracing was off).
    pub trace: Trace,
    /// World steps taken.
    pub steps: u64,
    /// Virtual time at the end.
    pub end: Timestamp,
    /// How the coordinator ended the run, if it did.
    pub outcome: Option<RunOutcome>,
}

/// The simulated world around one coordinator run.
#[derive(Debug)]
pub struct World<M: Machine = Coordinator> {
    now: Timestamp,
    rng: ChaCha8Rng,
    seed: u64,
    plan: FaultPlan,
    machine: M,
    agenda: Agenda<WorldEvent>,
    processes: Vec<SimProcess>,
    by_generation: ByGeneration,
    probes: ProbeTable,
    ports: PortTable,
    checker: Checker,
    trace: Trace,
    calm: bool,
    shutdown_sent: bool,
    steps: u64,
    violation: Option<Violation>,
    outcome: Option<RunOutcome>,
}

impl World<Coordinator> {
    /// A world for `seed` on `stack` with the swarm fault plan drawn from the seed.
    pub fn new(stack: impl Into<Arc<Stack>>, seed: u64, trace: bool) -> World<Coordinator> {
        let stack = stack.into();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut plan = FaultPlan::swarm(&mut rng, &stack);
        plan.draw_force(seed);
        plan.draw_side(seed);
        plan.draw_starts(seed, &stack);
        let coordinator = Coordinator::new(stack, options(seed), Timestamp::ZERO);
        let (checker, probes) = Self::models(coordinator.stack());
        World::assemble(seed, plan, rng, coordinator, (checker, probes), trace)
    }

    /// A world for `seed` on `stack` with a given fault plan (named scenarios, calm runs).
    pub fn with_plan(stack: Stack, seed: u64, plan: FaultPlan, trace: bool) -> World<Coordinator> {
        let rng = ChaCha8Rng::seed_from_u64(seed);
        let coordinator = Coordinator::new(stack, options(seed), Timestamp::ZERO);
        let (checker, probes) = Self::models(coordinator.stack());
        World::assemble(seed, plan, rng, coordinator, (checker, probes), trace)
    }
}

fn options(seed: u64) -> Options {
    Options {
        seed,
        last_ports: BTreeMap::new(),
        ..Options::default()
    }
}

impl<M: Machine> World<M> {
    /// A world driving `machine` (for example a [`crate::machine::Sabotaged`] coordinator);
    /// `stack` is the one the machine runs: the checker models it (the world itself reads the
    /// machine's copy, [`Machine::stack`]).
    pub fn with_machine(stack: Stack, seed: u64, plan: FaultPlan, machine: M, trace: bool) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(seed);
        World::assemble(seed, plan, rng, machine, World::<M>::models(&stack), trace)
    }

    /// This world checks a run under `--abort-on-failure` (the machine must run with it): any
    /// failure must fail the run.
    pub fn abort_on_failure(mut self) -> Self {
        self.checker.abort_on_failure();
        self
    }

    /// The checker and the probe table of `stack`.
    fn models(stack: &Stack) -> (Checker, ProbeTable) {
        (Checker::new(stack), ProbeTable::new(stack))
    }

    /// The world holds no copy of the stack: the machine has one (a second copy would only cost
    /// its freeing at the end of every run).
    fn assemble(
        seed: u64,
        plan: FaultPlan,
        rng: ChaCha8Rng,
        machine: M,
        (checker, probes): (Checker, ProbeTable),
        trace: bool,
    ) -> Self {
        // Every service spawns at least once: the list does not regrow (and move) mid-run.
        let processes = Vec::with_capacity(machine.stack().services.len());
        World {
            now: Timestamp::ZERO,
            rng,
            seed,
            checker,
            probes,
            plan,
            machine,
            agenda: Agenda::default(),
            processes,
            by_generation: ByGeneration::default(),
            ports: PortTable::default(),
            trace: Trace::new(trace),
            calm: false,
            shutdown_sent: false,
            steps: 0,
            violation: None,
            outcome: None,
        }
    }

    /// The stack being run.
    pub fn stack(&self) -> &Stack {
        self.machine.stack()
    }

    /// The fault plan.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Runs the three phases (faults, calm, shutdown) to the end or to the first violation.
    pub fn run(mut self) -> RunReport {
        self.setup();
        let mut instant = self.now;
        let mut at_instant = 0u64;
        while self.violation.is_none() && !self.machine.is_finished() {
            let timer = self.machine.poll_timeout();
            let event = self.agenda.next_at();
            match (timer, event) {
                (Some(t), Some(e)) if t < e => self.timer_step(t),
                (Some(t), None) => self.timer_step(t),
                (_, Some(_)) => self.event_step(),
                (None, None) => {
                    self.observe(Observation::Idle);
                    break;
                }
            }
            self.steps += 1;
            if self.violation.is_none()
                && let Err(v) = self.checker.check_time(self.now)
            {
                self.violation = Some(v);
            }
            if self.now == instant {
                at_instant += 1;
                if at_instant > MAX_STEPS_PER_INSTANT {
                    self.fail(
                        Invariant::Converges,
                        format!("livelock: {at_instant} steps without virtual time advancing"),
                    );
                }
            } else {
                instant = self.now;
                at_instant = 0;
            }
            self.maybe_shut_down();
        }
        if self.violation.is_none() && self.machine.is_finished() {
            let end = EndState {
                live_processes: self
                    .processes
                    .iter()
                    .filter(|p| p.alive)
                    .map(|p| (p.service, p.generation))
                    .collect(),
                held_reservations: self.ports.held(),
                bound_ports: self.ports.bound_by_processes(),
                status_with_pid: self.machine.services_with_pid(self.now),
            };
            self.observe(Observation::End(&end));
        }
        RunReport {
            seed: self.seed,
            plan: self.plan,
            violation: self.violation,
            trace: self.trace,
            steps: self.steps,
            end: self.now,
            outcome: self.outcome,
        }
    }

    fn setup(&mut self) {
        if self.plan.per_mille(FaultKind::PortHeldAtStart) > 0 {
            for (_, port) in FaultPlan::first_candidates(self.machine.stack()) {
                if self.plan.chance(FaultKind::PortHeldAtStart, &mut self.rng)
                    && self.ports.bind(port, Owner::Outsider)
                {
                    self.trace
                        .line(self.now, "outsider", "holds", format_args!("port {port}"));
                    self.observe(Observation::OutsiderTook(port));
                    if self.rng.random_bool(0.5) {
                        let leave = self
                            .rng
                            .random_range(1_000..=self.plan.fault_window_ms + 30_000);
                        self.agenda
                            .schedule(Timestamp(leave), WorldEvent::OutsiderLeave { port });
                    }
                }
            }
        }
        // A user stop keeps the stopped service's waiting dependents waiting until it is started
        // again: the operator restarts what others depend on (delays from a side stream).
        let mut side = ChaCha8Rng::seed_from_u64(self.seed ^ 0x57_0b5e_a11e_d0c5);
        let has_dependents = self.has_dependents();
        let window = self.plan.fault_window_ms.max(1);
        for (kind, restart) in [
            (FaultKind::OperatorRestart, true),
            (FaultKind::OperatorStop, false),
        ] {
            for (service, &depended_on) in ServiceId::enumerate(&has_dependents) {
                if self.plan.chance(kind, &mut self.rng) {
                    let at = self.rng.random_range(0..window);
                    self.agenda
                        .schedule(Timestamp(at), WorldEvent::Operator { service, restart });
                    if !restart && depended_on {
                        let again = at + side.random_range(100..=window + 5_000);
                        self.agenda.schedule(
                            Timestamp(again),
                            WorldEvent::Operator {
                                service,
                                restart: true,
                            },
                        );
                    }
                }
            }
        }
        if self.plan.per_mille(FaultKind::OperatorStop) > 0 {
            self.plan_stops_with_waiting_dependents(&mut side, &has_dependents);
        }
        if self.plan.per_mille(FaultKind::FilesChanged) > 0 {
            self.plan_file_changes();
        }
        if self.plan.per_mille(FaultKind::OperatorStart) > 0 {
            self.plan_starts();
        }
        self.agenda
            .schedule(Timestamp(self.plan.fault_window_ms), WorldEvent::CalmBegins);
        self.feed(Input::Start {
            services: Vec::new(),
        });
    }

    /// A user stop of a service that others depend on, early (while they are still waiting for
    /// it), and the operator's `restart` of it later: a user stop must never fail them, they wait
    /// (the stop is drawn from a stream of its own, so the plan's other draws stay put).
    fn plan_stops_with_waiting_dependents(
        &mut self,
        side: &mut ChaCha8Rng,
        has_dependents: &[bool],
    ) {
        let window = self.plan.fault_window_ms.max(1);
        for (service, _) in ServiceId::enumerate(has_dependents).filter(|(_, d)| **d) {
            if !self.plan.chance(FaultKind::OperatorStop, side) {
                continue;
            }
            let stop = side.random_range(0..=window.min(300));
            let restart = stop + side.random_range(100..=window + 5_000);
            let events = [(stop, false), (restart, true)];
            for (at, restart) in events {
                self.agenda
                    .schedule(Timestamp(at), WorldEvent::Operator { service, restart });
            }
        }
    }

    /// Bursts of file changes for the services that watch files, at random moments of the fault
    /// phase: up to four chances per service, each burst one to five changes closer together
    /// than the service's debounce (drawn from a stream of their own, so that a stack without
    /// `watch` draws exactly as before).
    fn plan_file_changes(&mut self) {
        let mut side = ChaCha8Rng::seed_from_u64(self.seed ^ 0x0f11_e5c4_a46e_d5ee);
        let window = self.plan.fault_window_ms.max(1);
        let watched: Vec<(ServiceId, u64)> = self
            .machine
            .stack()
            .services
            .iter()
            .zip(self.machine.stack().service_ids())
            .filter_map(|(s, id)| {
                s.watch
                    .as_ref()
                    .map(|w| (id, coord_core::time::duration_millis(w.debounce)))
            })
            .collect();
        for (service, debounce) in watched {
            for _ in 0..4 {
                if !self.plan.chance(FaultKind::FilesChanged, &mut side) {
                    continue;
                }
                let mut at = side.random_range(0..window);
                for n in 0..side.random_range(1..=5u32) {
                    let path = format!("src/f{n}.py");
                    self.agenda
                        .schedule(Timestamp(at), WorldEvent::FileChange { service, path });
                    at += side.random_range(0..debounce.max(1));
                }
            }
        }
    }

    /// `coord start` at random moments of the fault phase (from a stream of its own): each
    /// service held back (`autostart = false`) is started with the kind's probability, and as
    /// often any service (a stopped one starts again, a running one is refused).
    fn plan_starts(&mut self) {
        let mut side = ChaCha8Rng::seed_from_u64(self.seed ^ 0x57a7_0de3_a4d0_0002);
        let window = self.plan.fault_window_ms.max(1);
        let n = self.machine.stack().services.len();
        for service in ServiceId::all(n) {
            let held = !self.machine.stack().services[service].autostart;
            let times = if held { 2 } else { 1 };
            for _ in 0..times {
                if self.plan.chance(FaultKind::OperatorStart, &mut side) {
                    let at = side.random_range(0..window);
                    self.agenda
                        .schedule(Timestamp(at), WorldEvent::OperatorStart { service });
                }
            }
        }
    }

    /// Per service: whether another service depends on it.
    fn has_dependents(&self) -> Vec<bool> {
        let stack = self.machine.stack();
        let mut has_dependents = vec![false; stack.services.len()];
        for s in &stack.services {
            for d in &s.depends_on {
                has_dependents[d.service] = true;
            }
        }
        has_dependents
    }

    fn maybe_shut_down(&mut self) {
        if self.violation.is_some()
            || !self.calm
            || self.shutdown_sent
            || self.machine.is_finished()
            || !self.checker.all_settled()
            || !self.checker.startup_finished()
        {
            return;
        }
        if let Err(v) = self.checker.check_settled(self.now) {
            self.violation = Some(v);
            return;
        }
        self.shutdown_sent = true;
        if let Some(ms) = self.plan.force_after_ms {
            let at = self.after(ms);
            self.agenda.schedule(at, WorldEvent::Force);
        }
        self.feed(Input::Interrupt);
    }

    fn timer_step(&mut self, t: Timestamp) {
        self.now = self.now.max(t);
        self.machine.handle_timeout(self.now);
        self.drain();
    }

    fn event_step(&mut self) {
        let Some((at, event)) = self.agenda.pop() else {
            return;
        };
        self.now = self.now.max(at);
        match event {
            WorldEvent::Deliver(input) => {
                if let Input::Spawned {
                    service,
                    generation,
                    pid,
                } = &input
                {
                    let children = self.processes[self.process_index(*pid)].children;
                    if children > 0 {
                        self.trace.line(
                            self.now,
                            &self.machine.stack().services[*service].name,
                            "group",
                            format_args!(
                                "g{generation} pid {pid} and {children} {} (signals reach the whole group)",
                                if children == 1 { "child" } else { "children" }
                            ),
                        );
                    }
                }
                self.feed(input)
            }
            WorldEvent::ProbeDone {
                service,
                generation,
                purpose,
                seq,
                answer,
            } => {
                let outcome = match answer {
                    Answer::Flaky => ProbeOutcome::Failure("timed out".to_string()),
                    Answer::Unattributable if self.unbound_port(service, generation, purpose) => {
                        ProbeOutcome::Unattributable(
                            "connected, but no listener is seen on the port".to_string(),
                        )
                    }
                    _ => self.probe_truth(service, generation, purpose),
                };
                self.feed(Input::ProbeResult {
                    service,
                    generation,
                    purpose,
                    seq,
                    outcome,
                });
            }
            WorldEvent::Bind { pid } => self.bind(pid),
            WorldEvent::Exit { pid, status, why } => self.exit(pid, status, why),
            WorldEvent::OutsiderGrab { port } => {
                if self.ports.bind(port, Owner::Outsider) {
                    self.trace
                        .line(self.now, "outsider", "grabs", format_args!("port {port}"));
                    self.observe(Observation::OutsiderTook(port));
                }
            }
            WorldEvent::OutsiderLeave { port } => {
                if self.ports.outsider_on(port) {
                    self.ports.unbind(port, Owner::Outsider);
                    self.trace
                        .line(self.now, "outsider", "leaves", format_args!("port {port}"));
                    self.observe(Observation::OutsiderLeft(port));
                }
            }
            WorldEvent::Operator { service, restart } => self.feed(if restart {
                Input::RestartService { service }
            } else {
                Input::StopService { service }
            }),
            WorldEvent::OperatorStart { service } => self.feed(Input::StartService { service }),
            WorldEvent::Force => self.feed(Input::Interrupt),
            WorldEvent::FileChange { service, path } => {
                self.feed(Input::FilesChanged { service, path })
            }
            WorldEvent::CalmBegins => {
                self.calm = true;
                self.trace.line(
                    self.now,
                    "*",
                    "calm",
                    format_args!("fault phase over; every service must settle"),
                );
                self.observe(Observation::CalmBegins);
            }
        }
    }

    fn observe(&mut self, obs: Observation<'_>) {
        if self.violation.is_none()
            && let Err(v) = self.checker.observe(self.now, obs)
        {
            self.violation = Some(v);
        }
    }

    fn fail(&mut self, invariant: Invariant, detail: String) {
        if self.violation.is_none() {
            self.violation = Some(Violation {
                invariant,
                at: self.now,
                detail,
            });
        }
    }

    /// Feeds `input` to the coordinator and executes what it asks.
    fn feed(&mut self, input: Input) {
        self.trace.input(self.now, self.machine.stack(), &input);
        self.observe(Observation::Input(&input));
        if self.violation.is_some() {
            return;
        }
        self.machine.handle_input(self.now, input);
        self.drain();
    }

    fn drain(&mut self) {
        while self.violation.is_none() {
            let Some(cmd) = self.machine.poll_command() else {
                return;
            };
            self.trace.command(self.now, self.machine.stack(), &cmd);
            self.observe(Observation::Action(&cmd));
            self.execute(cmd);
        }
    }

    fn after(&self, ms: u64) -> Timestamp {
        Timestamp(self.now.as_millis() + ms)
    }

    fn execute(&mut self, cmd: Action) {
        match cmd {
            Action::Spawn {
                service,
                generation,
                port,
                ..
            } => self.spawn(service, generation, port),
            Action::Probe {
                service,
                generation,
                purpose,
                seq,
            } => self.probe(service, generation, purpose, seq),
            Action::Signal {
                service,
                generation,
                signal,
            } => self.signal(service, generation, signal),
            // The machine runs a stop command like the stop signal: the process stops as it
            // would on SIGTERM (promptly, slowly, or never when it "ignores" it: a hung stop).
            Action::StopCommand {
                service,
                generation,
            } => self.signal(service, generation, StopSignal::Term),
            Action::ReleasePort {
                service,
                generation,
                port,
            } => self.ports.release((service, generation), port),
            Action::Transition(_) | Action::StartupFinished(_) | Action::Backoff(_) => {}
            Action::Finished(outcome) => self.outcome = Some(outcome),
        }
    }

    /// Runs a probe: its answer arrives after a few milliseconds (a flaky one after the probe's
    /// timeout), or, when the answer is lost on the way, never.
    fn probe(
        &mut self,
        service: ServiceId,
        generation: Generation,
        purpose: ProbePurpose,
        seq: ProbeSeq,
    ) {
        let faulty = !self.calm;
        if faulty && self.plan.chance(FaultKind::ProbeLost, &mut self.rng) {
            let name = &self.machine.stack().services[service].name;
            self.trace.line(
                self.now,
                name,
                "lost",
                format_args!("g{generation} probe answer #{seq}"),
            );
            return;
        }
        let flaky = faulty && self.plan.chance(FaultKind::FlakyProbe, &mut self.rng);
        let latency = if flaky {
            let probe = self.machine.stack().services[service].ready.as_ref();
            probe.map_or(1_000, |p| coord_core::time::duration_millis(p.timeout))
        } else {
            self.rng.random_range(1..=10)
        };
        let answer = if flaky {
            Answer::Flaky
        } else if faulty
            && self
                .plan
                .chance(FaultKind::UnattributableAnswer, &mut self.rng)
        {
            Answer::Unattributable
        } else {
            Answer::Truth
        };
        let at = self.after(latency);
        self.agenda.schedule(
            at,
            WorldEvent::ProbeDone {
                service,
                generation,
                purpose,
                seq,
                answer,
            },
        );
    }

    /// Whether the probe of `(service, generation)` goes through a port its live process has
    /// not bound yet (so a connect could only be answered by something else).
    fn unbound_port(
        &self,
        service: ServiceId,
        generation: Generation,
        purpose: ProbePurpose,
    ) -> bool {
        let process = self
            .by_generation
            .get(service, generation)
            .map(|i| &self.processes[i]);
        self.probes.get(service, purpose).via_port
            && process.is_some_and(|p| p.alive && p.port.is_some() && !p.bound)
    }

    fn spawn(&mut self, service: ServiceId, generation: Generation, port: Option<u16>) {
        if let Some(p) = port
            && self.ports.reserve((service, generation), p).is_err()
        {
            let at = self.after(1);
            self.agenda.schedule(
                at,
                WorldEvent::Deliver(Input::PortTaken {
                    service,
                    generation,
                    port: p,
                }),
            );
            return;
        }
        let faulty = !self.calm;
        if faulty && self.plan.chance(FaultKind::SpawnFailure, &mut self.rng) {
            let at = self.after(1);
            self.agenda.schedule(
                at,
                WorldEvent::Deliver(Input::SpawnFailed {
                    service,
                    generation,
                    error: "command not found".to_string(),
                }),
            );
            return;
        }
        let pid = FIRST_PID + self.processes.len() as u32;
        let svc = &self.machine.stack().services[service];
        let ctx = SpawnContext {
            plan: &self.plan,
            faulty,
            doomed: self.plan.doomed == Some(service),
            kind: svc.kind,
            grace: svc.stop_grace,
        };
        let process =
            SimProcess::plan(pid, service, generation, port, self.now, ctx, &mut self.rng);
        self.agenda.schedule(
            process.spawned_at,
            WorldEvent::Deliver(Input::Spawned {
                service,
                generation,
                pid,
            }),
        );
        if let (Some(p), Some(bind_at)) = (port, process.bind_at) {
            self.agenda.schedule(bind_at, WorldEvent::Bind { pid });
            if faulty && self.plan.chance(FaultKind::PortStolen, &mut self.rng) {
                let window = bind_at.millis_since(self.now).max(1);
                let offset = self.rng.random_range(0..window);
                let grab = self.after(offset);
                self.agenda
                    .schedule(grab, WorldEvent::OutsiderGrab { port: p });
                if self.rng.random_bool(0.5) {
                    let leave = Timestamp(grab.as_millis() + self.rng.random_range(500..=20_000));
                    self.agenda
                        .schedule(leave, WorldEvent::OutsiderLeave { port: p });
                }
            }
        }
        if let Some((at, status, why)) = process.exit {
            self.agenda
                .schedule(at, WorldEvent::Exit { pid, status, why });
        }
        self.by_generation
            .insert(service, generation, self.processes.len());
        self.processes.push(process);
    }

    fn process_index(&self, pid: u32) -> usize {
        (pid - FIRST_PID) as usize
    }

    fn bind(&mut self, pid: u32) {
        let idx = self.process_index(pid);
        let p = &self.processes[idx];
        let (Some(port), true) = (p.port, p.alive) else {
            return;
        };
        let (service, generation) = (p.service, p.generation);
        let name = &self.machine.stack().services[service].name;
        if self.ports.bind(port, Owner::Process(pid)) {
            self.processes[idx].bound = true;
            self.trace.line(
                self.now,
                name,
                "binds",
                format_args!("g{generation} port {port}"),
            );
            self.observe(Observation::Bound {
                service,
                generation,
                port,
            });
            return;
        }
        // Someone else has the port: the process cannot bind it.
        let retrying = self.processes[idx].retrying;
        let reaction = if retrying {
            2
        } else {
            self.rng.random_range(0..3)
        };
        if !retrying {
            self.trace.line(
                self.now,
                name,
                "bind-fail",
                format_args!(
                    "g{generation} port {port} in use{}",
                    match reaction {
                        0 => ", driver reports it",
                        1 => ", process exits",
                        _ => ", process keeps retrying",
                    }
                ),
            );
        }
        self.processes[idx].retrying = reaction == 2;
        if reaction == 0 {
            self.feed(Input::PortTaken {
                service,
                generation,
                port,
            });
        }
        if reaction == 2 {
            // It retries the bind now and then, as servers with a bind-retry loop do.
            let delay = self.rng.random_range(200..=1_000);
            let at = self.after(delay);
            self.agenda.schedule(at, WorldEvent::Bind { pid });
        }
        if reaction <= 1 {
            let at = self.after(1);
            self.agenda.schedule(
                at,
                WorldEvent::Exit {
                    pid,
                    status: ExitStatus::Code(1),
                    why: "address in use",
                },
            );
        }
    }

    fn exit(&mut self, pid: u32, status: ExitStatus, why: &'static str) {
        let idx = self.process_index(pid);
        let p = &mut self.processes[idx];
        if !p.alive {
            return;
        }
        p.alive = false;
        let (service, generation, port, bound) = (p.service, p.generation, p.port, p.bound);
        if let (Some(port), true) = (port, bound) {
            self.ports.unbind(port, Owner::Process(pid));
        }
        if !why.is_empty() {
            let name = &self.machine.stack().services[service].name;
            self.trace
                .line(self.now, name, "dies", format_args!("g{generation} {why}"));
        }
        self.feed(Input::Exited {
            service,
            generation,
            status,
        });
    }

    fn signal(&mut self, service: ServiceId, generation: Generation, signal: StopSignal) {
        let Some(idx) = self.by_generation.get(service, generation) else {
            return;
        };
        let p = &self.processes[idx];
        if !p.alive {
            return;
        }
        let pid = p.pid;
        // An exit never reaches the coordinator before the spawn it answers.
        let earliest = p.spawned_at.as_millis() + 1;
        let (delay, status, why) = match (signal, p.stop) {
            (StopSignal::Kill, _) => (1, ExitStatus::Signal(9), ""),
            (_, StopBehaviour::Prompt) => (
                self.rng.random_range(1..=100),
                ExitStatus::Signal(signal_number(signal)),
                "",
            ),
            (_, StopBehaviour::Slow(ms)) => (ms, ExitStatus::Code(0), "stopped slowly"),
            (_, StopBehaviour::Ignores) => {
                let name = &self.machine.stack().services[service].name;
                self.trace.line(
                    self.now,
                    name,
                    "ignores",
                    format_args!("g{generation} {signal:?}"),
                );
                return;
            }
        };
        let at = Timestamp((self.now.as_millis() + delay).max(earliest));
        self.agenda
            .schedule(at, WorldEvent::Exit { pid, status, why });
    }

    /// The honest answer of a probe of `(service, generation)` right now.
    fn probe_truth(
        &self,
        service: ServiceId,
        generation: Generation,
        purpose: ProbePurpose,
    ) -> ProbeOutcome {
        let shape = self.probes.get(service, purpose);
        let via_port = shape.via_port;
        let process = self
            .by_generation
            .get(service, generation)
            .map(|i| &self.processes[i]);
        let port = process.and_then(|p| p.port);
        if via_port
            && let Some(port) = port
            && self.ports.outsider_on(port)
        {
            return ProbeOutcome::Outsider(format!(
                "port {port} answered by a process outside the service's tree"
            ));
        }
        let Some(process) = process.filter(|p| p.alive) else {
            return ProbeOutcome::Failure("connection refused".to_string());
        };
        let reachable = !via_port || port.is_none() || process.bound;
        let ok = match purpose {
            ProbePurpose::Readiness => !shape.exists || (reachable && process.ready(self.now)),
            ProbePurpose::Liveness => reachable,
        };
        if ok {
            ProbeOutcome::Success
        } else if via_port
            && process.outsider_answers
            && process.ready_at.is_none_or(|r| self.now < r)
        {
            ProbeOutcome::Outsider(
                "a stale listener outside the service's tree answered".to_string(),
            )
        } else if !reachable {
            ProbeOutcome::Failure("connection refused".to_string())
        } else {
            ProbeOutcome::Failure("not ready yet".to_string())
        }
    }
}
