//! The checker's model of a run, rebuilt from observations only.

use super::by_process::ByProcess;
use super::lists::Lists;
use super::rules;
use super::{Invariant, Observation, Violation};
use coord_core::stack::{DependencyKind, ServiceId, Stack};
use coord_core::time::duration_millis;
use coord_core::{
    Action, ExitStatus, Generation, Input, ProbeOutcome, ProbePurpose, RunOutcome, ServiceState,
    Timestamp,
};
use std::collections::{BTreeMap, BTreeSet};

/// Tolerance after a stop grace period before a missing SIGKILL counts as a violation.
pub(super) const KILL_SLACK_MS: u64 = 100;

/// What the stack says about one service, as the rules need it.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    pub name: String,
    pub optional: bool,
    /// Successes needed by the readiness probe; None: Ready after min_uptime.
    pub ready_threshold: Option<u32>,
    pub min_uptime_ms: u64,
    pub grace_ms: u64,
    /// Its fixed port (`port = 8000`): its own for the whole run.
    pub fixed_port: Option<u16>,
    /// The debounce of its `watch` table, if it watches files.
    pub debounce_ms: Option<u64>,
    /// Its `started` dependencies and each edge's timeout in ms.
    pub started: Vec<(ServiceId, u64)>,
}

/// The checker's view of one service.
#[derive(Debug, Clone)]
pub(super) struct View {
    pub state: ServiceState,
    /// Generation of the latest spawn.
    pub generation: Generation,
    /// Spawned at least once in this run.
    pub spawned: bool,
    /// A process of it ran (`Spawned` was reported) at least once in this run.
    pub ran: bool,
    /// When it last entered Waiting.
    pub waiting_since: Option<Timestamp>,
    /// Reached Ready or Completed at least once.
    pub ever_ready: bool,
    /// The generation that last entered Ready.
    pub ready_gen: Option<Generation>,
    /// Consecutive readiness successes of `generation`.
    pub successes: u32,
    /// The generation whose readiness was proven (threshold met).
    pub proven: Option<Generation>,
    /// The port the coordinator handed it and has not released.
    pub reserved: Option<u16>,
    /// Live processes of this service.
    pub live: u32,
    /// The last exit seen: generation and status.
    pub last_exit: Option<(Generation, ExitStatus)>,
    /// A required dependency failed before it was spawned: it must never start.
    pub must_fail: bool,
    /// Stopped on request (`StopService`) and not restarted since.
    pub user_stopped: bool,
    /// Stopped on request and not back to Waiting since: until then the coordinator holds its
    /// waiting dependents back, whatever the kind of their edge (a restart or start request
    /// ends `user_stopped` at once, this only once the service waits again).
    pub stop_requested: bool,
    /// The last file change reported since its last restart for changed files.
    pub last_change: Option<Timestamp>,
}

/// A live process, from `Spawned` to `Exited`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Live {
    pub port: Option<u16>,
    pub spawned_at: Timestamp,
}

/// A running dependent that holds an old address of a dependency now Ready elsewhere: it must be
/// stopped (restarted) before the next input.
pub(super) type Stale = (ServiceId, Generation, ServiceId);

/// Checks every invariant against a stream of [`Observation`]s. See the module docs.
#[derive(Debug, Clone)]
pub struct Checker {
    pub(super) facts: Vec<Facts>,
    /// Per service: its required dependencies.
    pub(super) requires: Lists,
    /// Per service: its required and optional dependencies (the ones discovery variables are
    /// given for).
    pub(super) discovers: Lists,
    /// Per service: its dependents of any kind.
    pub(super) dependents: Lists,
    /// Per service: its dependents through a required edge.
    pub(super) required_by: Lists,
    /// The services with dependencies that are all `started` edges.
    pub(super) started_only: Vec<ServiceId>,
    pub(super) views: Vec<View>,
    pub(super) max_parallel: usize,
    pub(super) live: ByProcess<Live>,
    pub(super) pending_spawns: ByProcess<Option<u16>>,
    /// Per process: the dependency ports its spawn's environment gave it, (dependency, port).
    pub(super) env_ports: BTreeMap<(ServiceId, Generation), Vec<(ServiceId, u16)>>,
    /// Dependents holding an old address, owed a restart in this step.
    pub(super) stale: BTreeSet<Stale>,
    /// Pending stop signals: (service, generation) -> kill deadline.
    pub(super) stops: ByProcess<Timestamp>,
    pub(super) stop_deadlines: BTreeSet<(Timestamp, ServiceId, Generation)>,
    /// Port -> the owner the coordinator handed it to, service and generation (not yet
    /// released).
    pub(super) port_reservers: BTreeMap<u16, (ServiceId, Generation)>,
    /// Port -> live processes that were given it.
    pub(super) live_ports: BTreeMap<u16, Vec<(ServiceId, Generation)>>,
    /// Ports held by outsiders right now (world fact).
    pub(super) outsiders: BTreeSet<u16>,
    /// Ports the coordinator was told are taken.
    pub(super) told_taken: BTreeSet<u16>,
    pub(super) starting: usize,
    pub(super) unsettled: usize,
    pub(super) shutdown_at: Option<Timestamp>,
    /// A second `Interrupt` was fed: everything may be killed at once, in any order.
    pub(super) forced: bool,
    /// An `Interrupt` was fed.
    pub(super) interrupted: bool,
    pub(super) calm_deadline: Option<Timestamp>,
    pub(super) shutdown_deadline: Option<Timestamp>,
    /// Fixed port -> the service it belongs to.
    pub(super) fixed_owners: BTreeMap<u16, ServiceId>,
    /// The first non-optional service that failed.
    pub(super) run_failed: Option<String>,
    pub(super) startup_finished: u32,
    /// The startup summary said the run failed.
    pub(super) startup_said_failed: bool,
    pub(super) finished: Option<RunOutcome>,
    calm_bound_ms: u64,
    shutdown_bound_ms: u64,
}

/// Per service: whether its failure may leave the run going (the README's rule, computed here
/// independently of the core): with `graceful_degradation` on, services not in
/// `required_services` (when it lists any) or marked optional, and services with
/// `autostart = false`, unless a service required for the run requires them, transitively.
fn optional_for_run(stack: &Stack) -> Vec<bool> {
    let c = &stack.coordination;
    let mut required: Vec<bool> = stack
        .services
        .iter()
        .map(|s| {
            // A service with `autostart = false` is in the run only when something pulls it in
            // (or `coord start` starts it): required only when a required service requires it.
            s.autostart
                && (!c.graceful_degradation
                    || if c.required_services.is_empty() {
                        !s.optional
                    } else {
                        c.required_services.contains(&s.name)
                    })
        })
        .collect();
    let mut work: Vec<ServiceId> = ServiceId::all(required.len())
        .filter(|&i| required[i])
        .collect();
    while let Some(id) = work.pop() {
        for d in &stack.services[id].depends_on {
            if d.kind == DependencyKind::Required && !required[d.service] {
                required[d.service] = true;
                work.push(d.service);
            }
        }
    }
    required.into_iter().map(|r| !r).collect()
}

fn settled(state: &ServiceState) -> bool {
    state.is_final() || *state == ServiceState::Ready
}

impl Checker {
    /// A checker for a run of `stack` (every service selected).
    pub fn new(stack: &Stack) -> Checker {
        let n = stack.services.len();
        let for_run = optional_for_run(stack);
        let facts: Vec<Facts> = stack
            .services
            .iter()
            .zip(for_run)
            .map(|(s, optional)| Facts {
                name: s.name.clone(),
                optional,
                ready_threshold: s.ready.as_ref().map(|p| p.success_threshold.max(1)),
                min_uptime_ms: duration_millis(s.min_uptime),
                grace_ms: duration_millis(s.stop_grace),
                fixed_port: match s.port {
                    Some(coord_core::stack::PortSpec::Fixed(p)) => Some(p),
                    _ => None,
                },
                debounce_ms: s.watch.as_ref().map(|w| duration_millis(w.debounce)),
                started: s
                    .depends_on
                    .iter()
                    .filter(|d| d.kind == DependencyKind::Started)
                    .map(|d| (d.service, duration_millis(d.timeout)))
                    .collect(),
            })
            .collect();
        let fixed_owners = ServiceId::enumerate(&facts)
            .filter_map(|(id, f)| f.fixed_port.map(|p| (p, id)))
            .collect();
        let deps = |id: ServiceId, keep: fn(DependencyKind) -> bool| {
            let service = &stack.services[id];
            service
                .depends_on
                .iter()
                .filter(move |d| keep(d.kind))
                .map(|d| d.service)
        };
        let mut dependents = vec![Vec::new(); n];
        let mut required_by = vec![Vec::new(); n];
        for (id, s) in ServiceId::enumerate(&stack.services) {
            for d in &s.depends_on {
                dependents[d.service].push(id);
                if d.kind == DependencyKind::Required {
                    required_by[d.service].push(id);
                }
            }
        }
        let requires = Lists::build(n, |id| deps(id, |k| k == DependencyKind::Required));
        let discovers = Lists::build(n, |id| deps(id, |k| k != DependencyKind::Soft));
        let dependents = Lists::build(n, |id| std::mem::take(&mut dependents[id]));
        let required_by = Lists::build(n, |id| std::mem::take(&mut required_by[id]));
        let started_only = ServiceId::all(n)
            .filter(|&id| {
                let deps = &stack.services[id].depends_on;
                !deps.is_empty() && deps.iter().all(|d| d.kind == DependencyKind::Started)
            })
            .collect();
        let c = &stack.coordination;
        let max_ms = |f: &dyn Fn(&coord_core::stack::Service) -> u64| {
            stack.services.iter().map(f).max().unwrap_or(0)
        };
        let attempt = max_ms(&|s| {
            duration_millis(s.readiness_timeout.saturating_add(s.min_uptime)).saturating_add(1_000)
        });
        let backoff = max_ms(&|s| duration_millis(s.restart.backoff_max));
        let grace = max_ms(&|s| duration_millis(s.stop_grace));
        let dep_timeout = stack
            .services
            .iter()
            .flat_map(|s| s.depends_on.iter().map(|d| duration_millis(d.timeout)))
            .max()
            .unwrap_or(0);
        let restarts = u64::from(
            stack
                .services
                .iter()
                .map(|s| s.restart.max_restarts)
                .max()
                .unwrap_or(0),
        );
        let tries = u64::from(c.startup_retry_count) + 1 + restarts;
        // Saturating: a stack may hold durations up to `Duration::MAX`.
        let per_service = tries
            .saturating_mul(attempt.saturating_add(backoff).saturating_add(grace))
            .saturating_add(dep_timeout);
        let calm_bound_ms = (n as u64 + 1)
            .saturating_mul(per_service)
            .saturating_add(60_000);
        let shutdown_bound_ms = (n as u64 + 1)
            .saturating_mul(grace.saturating_add(2_000))
            .saturating_add(10_000);
        Checker {
            views: vec![
                View {
                    state: ServiceState::Pending,
                    generation: 0,
                    spawned: false,
                    ran: false,
                    waiting_since: None,
                    ever_ready: false,
                    ready_gen: None,
                    successes: 0,
                    proven: None,
                    reserved: None,
                    live: 0,
                    last_exit: None,
                    must_fail: false,
                    user_stopped: false,
                    stop_requested: false,
                    last_change: None,
                };
                n
            ],
            facts,
            requires,
            discovers,
            dependents,
            required_by,
            started_only,
            max_parallel: c.max_parallel_starts,
            live: ByProcess::new(n),
            pending_spawns: ByProcess::new(n),
            env_ports: BTreeMap::new(),
            stale: BTreeSet::new(),
            stops: ByProcess::new(n),
            port_reservers: BTreeMap::new(),
            live_ports: BTreeMap::new(),
            stop_deadlines: BTreeSet::new(),
            outsiders: BTreeSet::new(),
            told_taken: BTreeSet::new(),
            starting: 0,
            unsettled: n,
            shutdown_at: None,
            forced: false,
            interrupted: false,
            calm_deadline: None,
            shutdown_deadline: None,
            fixed_owners,
            run_failed: None,
            startup_finished: 0,
            startup_said_failed: false,
            finished: None,
            calm_bound_ms,
            shutdown_bound_ms,
        }
    }

    /// The run is under `--abort-on-failure`: any service failing fails it, optional or not.
    pub fn abort_on_failure(&mut self) {
        for f in &mut self.facts {
            f.optional = false;
        }
    }

    /// Whether every service is Ready or in a final state.
    pub fn all_settled(&self) -> bool {
        self.unsettled == 0
    }

    /// Whether `StartupFinished` was emitted.
    pub fn startup_finished(&self) -> bool {
        self.startup_finished > 0
    }

    /// Whether `Finished` was emitted.
    pub fn finished(&self) -> Option<&RunOutcome> {
        self.finished.as_ref()
    }

    /// Whether `Shutdown` was fed.
    pub fn shutdown_requested(&self) -> bool {
        self.shutdown_at.is_some()
    }

    /// Virtual milliseconds the calm phase may take before it counts as not converging.
    pub fn calm_bound_ms(&self) -> u64 {
        self.calm_bound_ms
    }

    /// The state of `service` as the transitions told it.
    pub fn state(&self, service: ServiceId) -> &ServiceState {
        &self.views[service].state
    }

    pub(super) fn violation(
        &self,
        invariant: Invariant,
        at: Timestamp,
        detail: String,
    ) -> Violation {
        Violation {
            invariant,
            at,
            detail,
        }
    }

    /// Feeds one observation at virtual time `now`; the first broken invariant is returned.
    pub fn observe(&mut self, now: Timestamp, obs: Observation<'_>) -> Result<(), Violation> {
        rules::time_bounds(self, now)?;
        match obs {
            Observation::Input(input) => self.on_input(now, input),
            Observation::Action(cmd) => {
                rules::nothing_after_finished(self, now, cmd)?;
                self.on_command(now, cmd)
            }
            Observation::Bound { .. } => Ok(()),
            Observation::OutsiderTook(port) => {
                self.outsiders.insert(port);
                Ok(())
            }
            Observation::OutsiderLeft(port) => {
                self.outsiders.remove(&port);
                Ok(())
            }
            Observation::CalmBegins => {
                self.calm_deadline =
                    Some(now.add(std::time::Duration::from_millis(self.calm_bound_ms)));
                Ok(())
            }
            Observation::Idle => rules::no_deadlock(self, now),
            Observation::End(end) => rules::leaves_nothing(self, now, end),
        }
    }

    fn on_input(&mut self, now: Timestamp, input: &Input) -> Result<(), Violation> {
        rules::dependents_follow_moves(self, now)?;
        rules::started_not_held_for_readiness(self, now)?;
        match input {
            Input::Spawned {
                service,
                generation,
                ..
            } => {
                let port = self
                    .pending_spawns
                    .remove(&(*service, *generation))
                    .flatten();
                if let Some(p) = port {
                    self.live_ports
                        .entry(p)
                        .or_default()
                        .push((*service, *generation));
                }
                self.live.insert(
                    (*service, *generation),
                    Live {
                        port,
                        spawned_at: now,
                    },
                );
                self.views[*service].live += 1;
                self.views[*service].ran = true;
            }
            Input::SpawnFailed {
                service,
                generation,
                ..
            } => {
                self.pending_spawns.remove(&(*service, *generation));
            }
            Input::PortTaken {
                service,
                generation,
                port,
            } => {
                self.pending_spawns.remove(&(*service, *generation));
                self.told_taken.insert(*port);
                if self.views[*service].generation == *generation
                    && self.views[*service].reserved == Some(*port)
                {
                    self.set_reserved(*service, *generation, None);
                }
            }
            Input::ProbeResult {
                service,
                generation,
                purpose: ProbePurpose::Readiness,
                outcome,
                ..
            } => {
                let view = &mut self.views[*service];
                if *generation == view.generation {
                    if *outcome == ProbeOutcome::Success {
                        view.successes += 1;
                        if view.successes >= self.facts[*service].ready_threshold.unwrap_or(1) {
                            view.proven = Some(*generation);
                        }
                    } else {
                        view.successes = 0;
                    }
                }
            }
            Input::Exited {
                service,
                generation,
                status,
            } => {
                if let Some(live) = self.live.remove(&(*service, *generation)) {
                    self.views[*service].live -= 1;
                    if let Some(p) = live.port
                        && let Some(owners) = self.live_ports.get_mut(&p)
                    {
                        owners.retain(|o| *o != (*service, *generation));
                        if owners.is_empty() {
                            self.live_ports.remove(&p);
                        }
                    }
                }
                if let Some(deadline) = self.stops.remove(&(*service, *generation)) {
                    self.stop_deadlines
                        .remove(&(deadline, *service, *generation));
                }
                self.env_ports.remove(&(*service, *generation));
                self.stale
                    .retain(|(s, g, _)| (*s, *g) != (*service, *generation));
                self.views[*service].last_exit = Some((*generation, *status));
            }
            // A stop of a service that already ended (failed, completed...) stops nothing.
            Input::StopService { service } => {
                if let Some(view) = self.views.get_mut(service.index())
                    && !view.state.is_final()
                {
                    view.user_stopped = true;
                    view.stop_requested = true;
                }
            }
            Input::RestartService { service } => {
                if let Some(view) = self.views.get_mut(service.index()) {
                    view.user_stopped = false;
                }
            }
            Input::FilesChanged { service, .. } => {
                if let Some(view) = self.views.get_mut(service.index()) {
                    view.last_change = Some(now);
                }
            }
            // A start (re)starts the service and what it pulls in, user-stopped ones included.
            Input::StartService { service } if service.index() < self.views.len() => {
                let mut work = vec![*service];
                let mut seen = BTreeSet::new();
                while let Some(s) = work.pop() {
                    if seen.insert(s) {
                        self.views[s].user_stopped = false;
                        work.extend(self.discovers.of(s).iter().copied());
                    }
                }
            }
            // A second interrupt (one during a shutdown) kills everything at once.
            Input::Interrupt if self.interrupted => self.forced = true,
            Input::Interrupt | Input::Shutdown => {
                self.interrupted |= matches!(input, Input::Interrupt);
                if self.shutdown_at.is_some() {
                    return Ok(());
                }
                self.shutdown_at = Some(now);
                self.calm_deadline = None;
                self.shutdown_deadline =
                    Some(now.add(std::time::Duration::from_millis(self.shutdown_bound_ms)));
            }
            _ => {}
        }
        Ok(())
    }

    /// A stop signal (not SIGKILL) or a stop command went to a live process: it must come
    /// dependents first, and SIGKILL must follow within the grace unless it exits.
    fn on_stop_sent(
        &mut self,
        now: Timestamp,
        key: (ServiceId, Generation),
    ) -> Result<(), Violation> {
        if self.live.contains_key(&key) && !self.stops.contains_key(&key) {
            self.stale.retain(|(s, g, _)| (*s, *g) != key);
            rules::stops_dependents_first(self, now, key.0)?;
            let deadline = now.add(std::time::Duration::from_millis(
                self.facts[key.0].grace_ms + KILL_SLACK_MS,
            ));
            self.stops.insert(key, deadline);
            self.stop_deadlines.insert((deadline, key.0, key.1));
        }
        Ok(())
    }

    fn on_command(&mut self, now: Timestamp, cmd: &Action) -> Result<(), Violation> {
        match cmd {
            Action::Spawn {
                service,
                generation,
                port,
                env,
            } => {
                rules::deps_ready_before_spawn(self, now, *service)?;
                rules::started_deps_ran_before_spawn(self, now, *service)?;
                rules::required_failure_cascades_at_spawn(self, now, *service)?;
                if let Some(p) = port {
                    rules::port_exclusive(self, now, *service, *generation, *p)?;
                    rules::port_not_outsider(self, now, *service, *p)?;
                    rules::fixed_port_kept(self, now, *service, *p)?;
                }
                rules::discovery_env(self, now, *service, env)?;
                let ports = rules::env_dependency_ports(self, *service, env);
                if !ports.is_empty() {
                    self.env_ports.insert((*service, *generation), ports);
                }
                let view = &mut self.views[*service];
                view.generation = *generation;
                view.spawned = true;
                view.successes = 0;
                self.set_reserved(*service, *generation, *port);
                self.pending_spawns.insert((*service, *generation), *port);
            }
            Action::Probe {
                service,
                generation,
                purpose: ProbePurpose::Liveness,
                ..
            } => rules::liveness_after_ready(self, now, *service, *generation)?,
            Action::Probe { .. } => {}
            Action::Signal {
                service,
                generation,
                signal,
            } => {
                let key = (*service, *generation);
                if *signal == coord_core::stack::StopSignal::Kill {
                    if let Some(deadline) = self.stops.remove(&key) {
                        self.stop_deadlines.remove(&(deadline, key.0, key.1));
                    }
                } else {
                    self.on_stop_sent(now, key)?;
                }
            }
            // A stop command stops the process like a stop signal: same order, same grace.
            Action::StopCommand {
                service,
                generation,
            } => self.on_stop_sent(now, (*service, *generation))?,
            Action::ReleasePort {
                service,
                generation,
                port,
            } => {
                rules::only_owner_releases(self, now, *service, *generation, *port)?;
                if self.port_reservers.get(port) == Some(&(*service, *generation)) {
                    self.port_reservers.remove(port);
                }
                if self.views[*service].reserved == Some(*port) {
                    self.views[*service].reserved = None;
                }
            }
            Action::Transition(t) => self.on_transition(now, t)?,
            Action::StartupFinished(summary) => {
                self.startup_finished += 1;
                self.startup_said_failed |= summary.run_failed;
                rules::startup_finished_once(self, now)?;
            }
            Action::Backoff(_) => {}
            Action::Finished(outcome) => {
                rules::run_outcome(self, now, outcome)?;
                self.finished = Some(outcome.clone());
            }
        }
        Ok(())
    }

    fn on_transition(
        &mut self,
        now: Timestamp,
        t: &coord_core::Transition,
    ) -> Result<(), Violation> {
        let id = t.service;
        rules::transitions_chain(self, now, t)?;
        if t.to == ServiceState::Restarting {
            super::watch_rules::watch_debounced(self, now, t)?;
            super::watch_rules::cascade_after_ready(self, now, t)?;
        }
        match &t.to {
            ServiceState::Ready => rules::ready_proven(self, now, id)?,
            ServiceState::Completed => rules::completed_proven(self, now, id)?,
            ServiceState::Failed(_) | ServiceState::Skipped(_) => {
                rules::optional_failure_contained(self, now, id, &t.to)?;
                rules::user_stop_never_fails(self, now, id, &t.to)?;
            }
            _ => {}
        }
        if matches!(t.from, ServiceState::Failed(_) | ServiceState::Skipped(_)) {
            // Restarted on request: its dependents owe no cascade any more.
            for &d in self.required_by.of(id) {
                self.views[d].must_fail = false;
            }
        }
        let view = &mut self.views[id];
        if matches!(t.to, ServiceState::Failed(_) | ServiceState::Skipped(_)) {
            // The cascade happened (a later restart on request may start it again).
            view.must_fail = false;
        }
        let was_settled = settled(&view.state);
        if view.state == ServiceState::Starting {
            self.starting -= 1;
        }
        view.state = t.to.clone();
        if t.to == ServiceState::Starting {
            self.starting += 1;
        }
        if t.to == ServiceState::Waiting {
            self.views[id].waiting_since = Some(now);
            self.views[id].stop_requested = false;
        }
        match (&t.to, was_settled, settled(&t.to)) {
            (_, true, false) => self.unsettled += 1,
            (_, false, true) => self.unsettled -= 1,
            _ => {}
        }
        if matches!(t.to, ServiceState::Restarting | ServiceState::Stopping) {
            self.stale.retain(|(s, _, _)| *s != id);
        }
        let view = &mut self.views[id];
        match &t.to {
            ServiceState::Ready => {
                view.ever_ready = true;
                view.ready_gen = Some(view.generation);
                self.note_stale_dependents(id);
            }
            ServiceState::Completed => view.ever_ready = true,
            ServiceState::Failed(_) | ServiceState::Skipped(_) => {
                if matches!(t.to, ServiceState::Failed(_))
                    && !self.facts[id].optional
                    && self.run_failed.is_none()
                {
                    self.run_failed = Some(self.facts[id].name.clone());
                }
                for &d in self.required_by.of(id) {
                    let dv = &mut self.views[d];
                    if !dv.spawned && !dv.state.is_final() {
                        dv.must_fail = true;
                    }
                }
            }
            _ => {}
        }
        rules::max_parallel_starts(self, now)
    }

    /// `s` now holds `port` for generation `g` (or nothing); the port it held before is no
    /// longer its own in the model (a release of it must still name its owner, see
    /// [`rules::only_owner_releases`]).
    fn set_reserved(&mut self, s: ServiceId, g: Generation, port: Option<u16>) {
        if let Some(old) = self.views[s].reserved.take()
            && self.port_reservers.get(&old).is_some_and(|o| o.0 == s)
        {
            self.port_reservers.remove(&old);
        }
        if let Some(p) = port {
            self.port_reservers.insert(p, (s, g));
        }
        self.views[s].reserved = port;
    }

    /// `dependency` is Ready: its running dependents that were handed another port of it owe a
    /// restart (outside a shutdown).
    fn note_stale_dependents(&mut self, dependency: ServiceId) {
        let Some(port) = self.views[dependency].reserved else {
            return;
        };
        if self.run_is_ending() {
            return;
        }
        for &d in self.dependents.of(dependency) {
            let key = (d, self.views[d].generation);
            if !self.live.contains_key(&key) || self.stops.contains_key(&key) {
                continue;
            }
            let held = self.env_ports.get(&key).and_then(|ports| {
                ports
                    .iter()
                    .find(|(dep, _)| *dep == dependency)
                    .map(|(_, p)| *p)
            });
            if held.is_some_and(|old| old != port) {
                self.stale.insert((key.0, key.1, dependency));
            }
        }
    }

    /// The names of services, for messages.
    pub(super) fn name(&self, id: ServiceId) -> &str {
        &self.facts[id].name
    }

    /// Whether the run is being stopped: on request, because a non-optional service failed, or
    /// because the startup summary said the run failed.
    pub(super) fn run_is_ending(&self) -> bool {
        self.shutdown_at.is_some() || self.run_failed.is_some() || self.startup_said_failed
    }

    /// Checks the deadlines (stop grace, calm phase, shutdown) at `now`, even when nothing was
    /// observed: a coordinator whose timers fire without ever doing anything is caught too.
    pub fn check_time(&self, now: Timestamp) -> Result<(), Violation> {
        rules::time_bounds(self, now)
    }

    /// Check to run when the world decides the calm phase is over: cascades are complete.
    pub fn check_settled(&self, now: Timestamp) -> Result<(), Violation> {
        rules::required_failure_cascades_settled(self, now)
    }
}
