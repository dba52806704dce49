//! Stopping: one process (stop signal, SIGKILL after grace), user stop/restart, failure cascade,
//! run failure, and the ordered shutdown of the whole stack. The coordinator carries the stops
//! out here; which service stops when, and with what, is decided by the shutdown planner
//! (`shutdown`).

use super::record::ExitPlan;
use super::shutdown::{self, StopHow};
use super::timers::TimerKind;
use super::{Action, Coordinator, OperatorAnswer, Phase, ServiceState};
use crate::stack::{ServiceId, StopSignal};
use crate::time::Timestamp;

impl Coordinator {
    /// Stops the current process of `service` and records what follows its exit.
    pub(super) fn stop_process(&mut self, now: Timestamp, service: ServiceId, plan: ExitPlan) {
        let (state, reason) = match &plan {
            ExitPlan::RetryOrFail(r) | ExitPlan::RetryPortBusy(r) | ExitPlan::Restart(r) => {
                (ServiceState::Restarting, r.clone())
            }
            ExitPlan::Renew(r) => (ServiceState::Restarting, r.clone()),
            ExitPlan::Fail(r) => (ServiceState::Stopping, r.clone()),
            ExitPlan::Stop => (ServiceState::Stopping, "stop requested".into()),
            ExitPlan::Shutdown => (ServiceState::Stopping, "shutting down".into()),
        };
        self.end_attempt_watch(service);
        self.records[service].exit_plan = Some(plan);
        self.set_state(now, service, state, &reason);
        if self.records[service].alive && !self.records[service].stop_sent {
            self.send_stop(now, service);
        }
    }

    /// Sends the stop signal, or runs the stop command instead (SIGKILL when forced), and arms
    /// the grace timer.
    pub(super) fn send_stop(&mut self, now: Timestamp, service: ServiceId) {
        let spec = &self.stack.services[service];
        let how = StopHow::of(spec, self.run.is_forced());
        let rec = &mut self.records[service];
        rec.stop_sent = true;
        let generation = rec.generation;
        self.commands.push_back(match how {
            StopHow::Command => Action::StopCommand {
                service,
                generation,
            },
            StopHow::Signal(signal) => Action::Signal {
                service,
                generation,
                signal,
            },
        });
        if how.arms_grace() {
            self.timers
                .set(service, TimerKind::StopGrace, now.add(spec.stop_grace));
        }
    }

    /// The grace after the stop signal is over: SIGKILL.
    pub(super) fn on_stop_grace_over(&mut self, service: ServiceId) {
        let rec = &mut self.records[service];
        if rec.alive {
            rec.killed_after_grace = true;
            self.commands.push_back(Action::Signal {
                service,
                generation: rec.generation,
                signal: StopSignal::Kill,
            });
        }
    }

    /// Fails `service` for good, stopping its process first if it has one.
    pub(super) fn fail_service(&mut self, now: Timestamp, service: ServiceId, reason: String) {
        if self.records[service].has_process() {
            self.stop_process(now, service, ExitPlan::Fail(reason));
        } else {
            self.drop_pending_work(service);
            self.set_state(now, service, ServiceState::Failed(reason.clone()), &reason);
        }
    }

    /// Forgets queued starts and timers of a service that has no process (a file-watch restart
    /// still waiting for quiet stays: it decides for itself when it fires).
    fn drop_pending_work(&mut self, service: ServiceId) {
        self.unqueue(service);
        self.timers
            .cancel_where(service, |k| k != TimerKind::FilesQuiet);
    }

    /// `Input::StopService`: stop it; dependents keep running (those waiting for it keep
    /// waiting). Answers what it did, or why it changed nothing.
    pub(super) fn stop_service(&mut self, now: Timestamp, service: ServiceId) -> OperatorAnswer {
        if let Err(why) = self.operator_may_act(service) {
            return OperatorAnswer::Refused(why);
        }
        let name = &self.stack.services[service].name;
        let rec = &self.records[service];
        if rec.has_process() {
            if rec.state == ServiceState::Stopping {
                return OperatorAnswer::Refused(format!("{name} is already stopping"));
            }
            let answer = OperatorAnswer::Accepted(format!("stopping {name}"));
            self.records[service].stopped_on_request = true;
            self.stop_process(now, service, ExitPlan::Stop);
            answer
        } else if rec.state.is_final() {
            OperatorAnswer::Refused(format!("{name} is already {}", rec.state.name()))
        } else {
            let answer = OperatorAnswer::Accepted(format!("{name} stopped (it had no process)"));
            self.records[service].stopped_on_request = true;
            self.drop_pending_work(service);
            self.set_state(now, service, ServiceState::Stopped, "stopped on request");
            answer
        }
    }

    /// `Input::RestartService`: stop it if it runs, then start it again with fresh attempts.
    /// Answers what it did, or why it changed nothing.
    pub(super) fn restart_service(&mut self, now: Timestamp, service: ServiceId) -> OperatorAnswer {
        if let Err(why) = self.operator_may_act(service) {
            return OperatorAnswer::Refused(why);
        }
        let name = self.stack.services[service].name.clone();
        if self.renew(now, service, "restart requested") {
            OperatorAnswer::Accepted(format!("restarting {name}"))
        } else {
            OperatorAnswer::Accepted(format!("starting {name} again"))
        }
    }

    /// Starts `service` again with fresh attempts, stopping its process first if it has one
    /// (then the answer is true). `coord restart` and file-watch restarts both come here.
    pub(super) fn renew(&mut self, now: Timestamp, service: ServiceId, reason: &str) -> bool {
        if self.records[service].has_process() {
            self.stop_process(now, service, ExitPlan::Renew(reason.into()));
            true
        } else {
            self.drop_pending_work(service);
            self.records[service].attempts = 0;
            self.enter_waiting(now, service);
            false
        }
    }

    /// Whether an operator's stop or restart of `service` can do anything now; if not, why.
    fn operator_may_act(&self, service: ServiceId) -> Result<(), String> {
        let Some(rec) = self.records.get(service.index()) else {
            return Err(format!("no service with id {service} in this stack"));
        };
        let name = &self.stack.services[service].name;
        match self.run.phase() {
            Phase::Idle => Err("the run has not started yet".into()),
            Phase::ShuttingDown | Phase::Finished => Err("the stack is shutting down".into()),
            Phase::Running if !rec.selected => Err(format!(
                "{name} is not part of this run (start it with `coord start {name}`)"
            )),
            Phase::Running => Ok(()),
        }
    }

    /// A required service failed: the run fails and everything stops, dependents first.
    pub(super) fn fail_run(&mut self, now: Timestamp, reason: String) {
        self.run.fail(reason);
        self.begin_shutdown(now);
    }

    /// `Input::Shutdown` (or a failed run): stop every process in reverse dependency order.
    pub(super) fn begin_shutdown(&mut self, now: Timestamp) {
        if !self.run.enter_shutdown() {
            return;
        }
        self.start_queue.clear();
        if self.run.failed() {
            self.report_startup(now);
        }
        for service in ServiceId::all(self.records.len()) {
            self.timers
                .cancel_where(service, |k| k != TimerKind::StopGrace);
            let rec = &mut self.records[service];
            rec.probe_in_flight = None;
            if let Some((to, why)) = shutdown::on_shutdown_begin(rec) {
                self.set_state(now, service, to, why);
            }
        }
        for service in self.graph.shutdown_order() {
            self.stop_in_order(now, service);
        }
    }

    /// During shutdown: stops `service` once none of its dependents has a process left.
    pub(super) fn stop_in_order(&mut self, now: Timestamp, service: ServiceId) {
        let dependents = self.graph.dependents(service).iter();
        let dependents = dependents.map(|(d, _)| &self.records[*d]);
        if shutdown::may_stop_for_shutdown(&self.records[service], dependents) {
            self.stop_process(now, service, ExitPlan::Shutdown);
        }
    }

    /// A doomed service (a required dependency failed) is stopped once none of its doomed or
    /// failing dependents has a process left; dependents that merely used it optionally keep
    /// running and do not hold it back.
    pub(super) fn stop_doomed_in_order(&mut self, now: Timestamp, service: ServiceId) {
        if self.run.phase() != Phase::Running {
            return;
        }
        let dependents = self.graph.dependents(service).iter();
        let dependents = dependents.map(|(d, _)| &self.records[*d]);
        if let Some(reason) = shutdown::may_stop_doomed(&self.records[service], dependents) {
            self.stop_process(now, service, ExitPlan::Fail(reason));
        }
    }

    /// `Input::Interrupt`: the first stops the stack in reverse dependency order; any later one
    /// kills every process now.
    pub(super) fn on_interrupt(&mut self, now: Timestamp) {
        if self.run.interrupt() {
            self.force_shutdown(now);
        } else {
            self.begin_shutdown(now);
        }
    }

    /// A second interrupt: SIGKILL every process now.
    pub(super) fn force_shutdown(&mut self, now: Timestamp) {
        self.begin_shutdown(now);
        self.run.force();
        for service in ServiceId::all(self.records.len()) {
            let rec = &mut self.records[service];
            if !rec.has_process() {
                continue;
            }
            rec.exit_plan = Some(ExitPlan::Shutdown);
            if rec.alive {
                self.timers.cancel(service, TimerKind::StopGrace);
                self.set_state(now, service, ServiceState::Stopping, "killed");
                self.send_stop(now, service);
            }
        }
    }

    /// Emits `Finished` once shutdown has no process left.
    pub(super) fn finish_if_done(&mut self) {
        if self.run.phase() != Phase::ShuttingDown || !self.shutdown.no_process_left() {
            return;
        }
        let outcome = self.run.finish(self.run_end.outcome().cloned());
        self.commands.push_back(Action::Finished(outcome));
    }
}
