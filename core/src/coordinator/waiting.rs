//! Selection, dependency kinds and timeouts, start slots, and failure propagation.

use super::timers::TimerKind;
use super::{Coordinator, Phase, ServiceState};
use crate::stack::{PortSpec, ServiceId, ServiceKind, WaitsFor};
use crate::time::Timestamp;

/// What a waiting service's dependencies allow.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Every dependency is settled: start.
    Go,
    /// Some dependency is still on its way.
    Wait,
    /// A required dependency failed or timed out.
    Fail(String),
}

impl Coordinator {
    /// `Input::Start`: select the run set and put every selected service to waiting.
    pub(super) fn start_run(&mut self, now: Timestamp, names: &[String]) {
        if self.run.phase() != Phase::Idle {
            return;
        }
        let named: Vec<ServiceId> = names
            .iter()
            .filter_map(|n| self.stack.service_id(n))
            .collect();
        let mut roots = self.stack.run_roots(&named);
        // The service of `--exit-code-from` is in the run, named or not.
        if let Some(task) = self.run_end.task()
            && !roots.contains(&task)
        {
            roots.push(task);
        }
        let selected = self.graph.select(&roots);
        let required = self.required_for_run(&selected, &named);
        for (id, rec) in self.records.iter_mut().enumerate() {
            rec.selected = selected[id];
            rec.required = required[id];
            let service = &self.stack.services[id];
            if let (true, Some(PortSpec::Fixed(port))) =
                (selected[id] || !service.autostart, &service.port)
            {
                // A fixed port belongs to its service for the whole run, also to one that
                // `coord start` may start later: no other candidate.
                self.ledger.protect(*port);
            }
        }
        let mut chosen = (0..selected.len()).filter(|&id| selected[id]).peekable();
        let tasks_only = chosen.peek().is_some()
            && chosen.all(|id| self.stack.services[id].kind == ServiceKind::Task);
        self.run
            .begin(now, selected.iter().filter(|s| **s).count(), tasks_only);
        let order = self.graph.startup_order().to_vec();
        for id in order {
            if self.records[id].selected {
                self.enter_waiting(now, id);
            } else if !self.stack.services[id].autostart {
                let why = "autostart = false: start it with `coord start`";
                self.set_state(now, id, ServiceState::NotStarted, why);
            } else {
                self.set_state(now, id, ServiceState::Skipped("not selected".into()), "");
            }
        }
    }

    /// Which selected services fail the run when they fail: those required on their own
    /// ([`crate::stack::Stack::required_roots_naming`], shared with the load-time warning), then
    /// closed over required edges: what a required service requires is required too (the parser
    /// warns when that overrides an `optional` mark).
    fn required_for_run(&self, selected: &[bool], named: &[ServiceId]) -> Vec<bool> {
        let mut required = self.stack.required_roots_naming(selected, named);
        self.graph.close_required(selected, &mut required);
        required
    }

    /// Puts `service` to waiting for its dependencies, arming one timer per dependency edge. A
    /// service stopped on request that is started again resumes the suspended dependency
    /// timeouts of the dependents that waited for it (afresh).
    pub(super) fn enter_waiting(&mut self, now: Timestamp, service: ServiceId) {
        if std::mem::take(&mut self.records[service].stopped_on_request) {
            self.resume_dependency_timeouts(now, service);
        }
        self.set_state(
            now,
            service,
            ServiceState::Waiting,
            "waiting for dependencies",
        );
        let deps = &self.stack.services[service].depends_on;
        for (edge, dep) in deps.iter().enumerate() {
            self.records[service].dep_timed_out[edge] = false;
            if self.records[dep.service].selected {
                self.timers
                    .set(service, TimerKind::Dependency(edge), now.add(dep.timeout));
            }
        }
        self.reevaluate(now, service);
    }

    /// The waiting dependents of `dependency`, which was stopped on request and is now started
    /// again, get their timeout for it back, in full.
    fn resume_dependency_timeouts(&mut self, now: Timestamp, dependency: ServiceId) {
        for i in 0..self.graph.dependents(dependency).len() {
            let dependent = self.graph.dependents(dependency)[i].0;
            if self.records[dependent].state != ServiceState::Waiting {
                continue;
            }
            let deps = &self.stack.services[dependent].depends_on;
            for (edge, dep) in deps.iter().enumerate() {
                if dep.service == dependency {
                    self.records[dependent].dep_timed_out[edge] = false;
                    self.timers
                        .set(dependent, TimerKind::Dependency(edge), now.add(dep.timeout));
                }
            }
        }
    }

    /// A dependency timer fired: the dependent stops waiting for that dependency, unless the
    /// dependency is stopped on request (its timeout is suspended until it is started again).
    pub(super) fn on_dependency_timeout(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        edge: usize,
    ) {
        let dependency = self.stack.services[service].depends_on[edge].service;
        if self.records[dependency].stopped_on_request {
            return;
        }
        if self.records[service].state == ServiceState::Waiting {
            self.records[service].dep_timed_out[edge] = true;
            self.reevaluate(now, service);
        }
    }

    /// Re-reads the dependencies of a waiting service: queue it, unqueue it, or fail it.
    pub(super) fn reevaluate(&mut self, now: Timestamp, service: ServiceId) {
        if self.records[service].state != ServiceState::Waiting
            || self.run.phase() != Phase::Running
        {
            return;
        }
        match self.verdict(service) {
            Verdict::Go => self.enqueue(service),
            Verdict::Wait => self.unqueue(service),
            // A waiting service has no process: it fails at once.
            Verdict::Fail(reason) => self.fail_service(now, service, reason),
        }
    }

    /// The process of `service` now runs: a dependent that waits only for that (`started`) may
    /// go, though no state changed.
    pub(super) fn reevaluate_started_dependents(&mut self, now: Timestamp, service: ServiceId) {
        for i in 0..self.graph.dependents(service).len() {
            let (dependent, kind) = self.graph.dependents(service)[i];
            if kind.semantics().waits_for == WaitsFor::RunningOrFinalFailureOrTimeout {
                self.reevaluate(now, dependent);
            }
        }
    }

    /// Reads the compact edge list of the graph (the same edges, in the same order, as the
    /// stack's `depends_on` of a validated stack); the stack's dependency record, with its name and
    /// timeout, is read only to word a failure.
    fn verdict(&self, service: ServiceId) -> Verdict {
        let mut wait = false;
        for (edge, &(dep, kind)) in self.graph.dependencies(service).iter().enumerate() {
            let d = &self.records[dep];
            let meaning = kind.semantics();
            let spec = || &self.stack.services[service].depends_on[edge];
            if !d.selected {
                if meaning.absence_fails_dependent {
                    return Verdict::Fail(format!("dependency {} is not in the run", spec().name));
                }
                continue;
            }
            let gone = match &d.state {
                ServiceState::Ready | ServiceState::Completed if d.doom.is_none() => continue,
                // A user stop never fails the run: wait until it is started again.
                _ if d.stopped_on_request => {
                    wait = true;
                    continue;
                }
                // `started`: a running process is enough, ready or not.
                _ if d.alive && meaning.waits_for == WaitsFor::RunningOrFinalFailureOrTimeout => {
                    continue;
                }
                ServiceState::Failed(_) => Some("failed"),
                ServiceState::Skipped(_) => Some("was skipped"),
                ServiceState::Stopped => Some("was stopped"),
                _ if self.records[service].dep_timed_out[edge] => None,
                _ => {
                    wait = true;
                    continue;
                }
            };
            let fails = match gone {
                Some(_) => meaning.failure_propagates,
                None => meaning.timeout_fails_dependent,
            };
            if fails {
                let spec = spec();
                return Verdict::Fail(match gone {
                    Some(what) => format!("dependency {} {what}", spec.name),
                    None => format!(
                        "dependency {} not ready within {}",
                        spec.name,
                        humantime::format_duration(spec.timeout)
                    ),
                });
            }
        }
        if wait { Verdict::Wait } else { Verdict::Go }
    }

    /// Why a waiting service waits: `waiting for db, cache (stopped on request)`; `None` when it
    /// does not wait or waits for nothing in particular (a start slot).
    pub(super) fn waiting_reason(&self, service: ServiceId) -> Option<String> {
        if self.records[service].state != ServiceState::Waiting {
            return None;
        }
        let mut holding = Vec::new();
        for (edge, &(dep, kind)) in self.graph.dependencies(service).iter().enumerate() {
            let d = &self.records[dep];
            let up = matches!(d.state, ServiceState::Ready | ServiceState::Completed)
                && d.doom.is_none()
                || d.alive
                    && kind.semantics().waits_for == WaitsFor::RunningOrFinalFailureOrTimeout;
            if !d.selected || up || d.state.is_final() && !d.stopped_on_request {
                continue;
            }
            if self.records[service].dep_timed_out[edge] && !d.stopped_on_request {
                continue;
            }
            let name = &self.stack.services[dep].name;
            holding.push(if d.stopped_on_request {
                format!("{name} (stopped on request)")
            } else {
                name.clone()
            });
        }
        (!holding.is_empty()).then(|| format!("waiting for {}", holding.join(", ")))
    }

    /// Whether the dependencies of `service` allow it to start now.
    pub(super) fn dependencies_allow_start(&self, service: ServiceId) -> bool {
        self.verdict(service) == Verdict::Go
    }

    fn enqueue(&mut self, service: ServiceId) {
        self.start_queue.push(service, self.graph.rank(service));
    }

    /// Takes `service` out of the start queue, if it is there.
    pub(super) fn unqueue(&mut self, service: ServiceId) {
        self.start_queue.remove(service);
    }

    /// Starts queued services, in startup order, while fewer than `max_parallel_starts` start.
    pub(super) fn fill_start_slots(&mut self, now: Timestamp) {
        let max = self.stack.coordination.max_parallel_starts;
        while let Some(service) = self.start_queue.next_for_slot(max) {
            self.timers
                .cancel_where(service, |k| matches!(k, TimerKind::Dependency(_)));
            self.begin_attempt(now, service);
        }
    }

    /// A service changed state: its dependents re-read their dependencies; a failure cascades
    /// and may fail the run; during shutdown, its dependencies may now stop.
    pub(super) fn propagate(&mut self, now: Timestamp, service: ServiceId) {
        if self.run.phase() == Phase::ShuttingDown {
            for i in 0..self.graph.dependencies(service).len() {
                let dep = self.graph.dependencies(service)[i].0;
                self.stop_in_order(now, dep);
            }
            return;
        }
        if let ServiceState::Failed(reason) = &self.records[service].state {
            let reason = reason.clone();
            let doomed = self.cascade_failure(now, service);
            // The task of `--exit-code-from` ends the run with its code instead
            // (`end_with_task_if_over`); with `--abort-on-failure` any failure fails the run.
            let fails_run = self.records[service].required || self.run_end.aborts_on_failure();
            if fails_run && self.records[service].selected && !self.run_end.is_task(service) {
                let name = &self.stack.services[service].name;
                self.fail_run(now, format!("{name} failed: {reason}"));
                return;
            }
            self.shutdown.doom_later(doomed);
        }
        for i in 0..self.graph.dependents(service).len() {
            let dependent = self.graph.dependents(service)[i].0;
            self.reevaluate(now, dependent);
        }
        if !self.records[service].has_process() {
            let records = &self.records;
            self.shutdown.doom_later(
                self.graph
                    .dependencies(service)
                    .iter()
                    .map(|(d, _)| *d)
                    .filter(|d| records[*d].doom.is_some()),
            );
        }
    }

    /// A failure spreads along required edges: waiting dependents of the failed service fail at
    /// once; running ones, and transitively their running dependents, are doomed (returned) and
    /// will be stopped dependents-first, then Failed. Waiting dependents of a doomed service wait
    /// (a doomed dependency is not ready) and fail when it does.
    fn cascade_failure(&mut self, now: Timestamp, service: ServiceId) -> Vec<ServiceId> {
        // (service, whether it has failed already rather than being doomed)
        let mut work = vec![(service, true)];
        let mut doomed = Vec::new();
        while let Some((s, failed)) = work.pop() {
            let name = self.stack.services[s].name.clone();
            let dependents = self.graph.dependents(s).to_vec();
            for (d, kind) in dependents {
                let rec = &mut self.records[d];
                let settled = rec.state.is_final()
                    || rec.doom.is_some()
                    || matches!(rec.exit_plan, Some(super::record::ExitPlan::Fail(_)));
                if !kind.semantics().failure_propagates || !rec.selected || settled {
                    continue;
                }
                let reason = format!("dependency {name} failed");
                if rec.has_process() {
                    rec.doom = Some(reason);
                    doomed.push(d);
                    work.push((d, false));
                } else if failed {
                    self.fail_service(now, d, reason);
                    work.push((d, true));
                }
            }
        }
        doomed
    }
}

impl Coordinator {
    /// A run of tasks only is over once every selected task has ended (completed, failed without
    /// failing the run, or stopped) and no process is left: it finishes as
    /// [`super::RunOutcome::Completed`], the way `make` ends. A required task that failed has
    /// already failed the run.
    pub(super) fn complete_tasks_only_run(&mut self, now: Timestamp) {
        if !self.run.may_complete_tasks_only() || !self.shutdown.no_process_left() {
            return;
        }
        self.run.complete();
        self.begin_shutdown(now);
    }
}
