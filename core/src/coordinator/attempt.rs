//! One start attempt: port reservation, spawn, readiness probing, readiness deadline, the end of
//! a process, and retries with backoff.

use super::backoff::{self, PORT_TAKEN_BACKOFF};
use super::protocol::{ExitStatus, ProbeOutcome, ProbePurpose};
use super::record::ExitPlan;
use super::timers::TimerKind;
use super::{Action, Coordinator, Phase, ServiceState};
use crate::stack::{PortSpec, ServiceId, ServiceKind};
use crate::time::Timestamp;
use std::time::Duration;

/// A probe not answered within its `timeout` plus this much counts as failed (the driver enforces
/// the timeout itself; this catches an answer that is lost on the way).
pub const PROBE_DEADLINE_SLACK: Duration = Duration::from_secs(1);
/// Extra time an unconfirmed port reservation outlives the readiness deadline and stop grace.
const RESERVATION_SLACK: Duration = Duration::from_secs(5);

impl Coordinator {
    /// A new start attempt: Starting, with the readiness deadline armed, then the spawn.
    pub(super) fn begin_attempt(&mut self, now: Timestamp, service: ServiceId) {
        let spec = &self.stack.services[service];
        let deadline = now.add(spec.readiness_timeout);
        let attempt = {
            let rec = &mut self.records[service];
            rec.attempts += 1;
            rec.attempts
        };
        self.set_state(
            now,
            service,
            ServiceState::Starting,
            &format!("attempt {attempt}"),
        );
        self.timers.set(service, TimerKind::Readiness, deadline);
        self.spawn(now, service);
    }

    /// Reserves a port (if the service has one) and asks the driver to spawn a new generation.
    fn spawn(&mut self, now: Timestamp, service: ServiceId) {
        let spec = &self.stack.services[service];
        let mut port = None;
        if let Some(port_spec) = &spec.port {
            let deadline = now
                .add(spec.readiness_timeout)
                .add(spec.stop_grace)
                .add(RESERVATION_SLACK);
            match self
                .ledger
                .reserve(service, port_spec, self.last_ports[service], deadline)
            {
                Ok(p) => port = Some(p),
                Err(_) => {
                    match port_spec {
                        PortSpec::Fixed(p) => {
                            let why = format!("port {p} is held by another service of the run");
                            self.end_attempt_watch(service);
                            self.port_busy_retry(now, service, why);
                        }
                        PortSpec::Allocated { range_name, .. } => {
                            let why = format!("no free port left in range {range_name}");
                            self.fail_service(now, service, why);
                        }
                    }
                    return;
                }
            }
        }
        let env = self.spawn_env(service, port);
        self.remember_dependency_ports(service);
        let rec = &mut self.records[service];
        rec.generation += 1;
        rec.port = port;
        rec.spawn_pending = true;
        rec.successes = 0;
        rec.failures = 0;
        rec.probe_in_flight = None;
        rec.stop_sent = false;
        rec.killed_after_grace = false;
        self.shutdown.process_spawning();
        self.commands.push_back(Action::Spawn {
            service,
            generation: rec.generation,
            port,
            env,
        });
    }

    /// `Input::Spawned`: the process runs; readiness probing (or the uptime clock) starts.
    pub(super) fn on_spawned(&mut self, now: Timestamp, service: ServiceId, pid: u32) {
        let rec = &mut self.records[service];
        rec.spawn_pending = false;
        rec.alive = true;
        rec.pid = Some(pid);
        rec.spawned_at = Some(now);
        rec.first_spawn_at.get_or_insert(now);
        self.reevaluate_started_dependents(now, service);
        if self.records[service].exit_plan.is_some() {
            self.send_stop(now, service);
            return;
        }
        let spec = &self.stack.services[service];
        if spec.kind == ServiceKind::Task {
            return;
        }
        if spec.ready.is_some() {
            let first = self.cadences[service].first;
            self.records[service].probe_interval = first;
            self.timers.set(service, TimerKind::Probe, now.add(first));
        } else {
            self.timers
                .set(service, TimerKind::Uptime, now.add(spec.min_uptime));
        }
    }

    /// `Input::SpawnFailed`: no process ran; the attempt failed.
    pub(super) fn on_spawn_failed(&mut self, now: Timestamp, service: ServiceId, error: String) {
        if !self.process_gone(now, service) {
            self.attempt_failed(now, service, format!("could not spawn: {error}"));
        }
    }

    /// `Input::PortTaken`: before the process ran, move to the next candidate port (a fixed port
    /// fails the attempt); after, the attempt failed. A stop under way when no process was ever
    /// started is carried out at once.
    pub(super) fn on_port_taken(&mut self, now: Timestamp, service: ServiceId, port: u16) {
        let reason = format!("port {port} is taken by another process");
        self.port_taken(now, service, port, reason);
    }

    /// `port` of the current attempt is taken (reported by the driver, or an outsider answered
    /// the readiness probe on it), `reason` saying by whom.
    fn port_taken(&mut self, now: Timestamp, service: ServiceId, port: u16, reason: String) {
        let rec = &self.records[service];
        if rec.port != Some(port) {
            return;
        }
        let fixed = matches!(self.stack.services[service].port, Some(PortSpec::Fixed(_)));
        let serving = matches!(rec.state, ServiceState::Ready | ServiceState::Unhealthy);
        if !fixed && !serving {
            // Whatever the state, the news is true: never hand this port out again.
            self.ledger.mark_outsider(port);
        }
        if rec.spawn_pending {
            if self.process_gone(now, service) {
                return;
            }
            let starting = self.records[service].state == ServiceState::Starting;
            if !fixed && starting && self.run.phase() == Phase::Running {
                self.respawn_on_next_port(now, service);
            } else if fixed && starting && self.run.phase() == Phase::Running {
                self.end_attempt_watch(service);
                self.port_busy_retry(now, service, reason);
            } else {
                self.attempt_failed(now, service, reason);
            }
            return;
        }
        // The process ran: during shutdown it is stopped in its turn; otherwise the attempt failed
        // (for a fixed port, held by a program outside the run: retried over seconds).
        if self.records[service].state == ServiceState::Starting
            && self.run.phase() == Phase::Running
        {
            if fixed {
                self.stop_process(now, service, ExitPlan::RetryPortBusy(reason));
            } else {
                self.attempt_failed(now, service, reason);
            }
        }
    }

    /// After a `PortTaken` answered at spawn: spawn again on the next candidate if the
    /// dependencies still allow it, else wait for them again (no attempt used either way).
    fn respawn_on_next_port(&mut self, now: Timestamp, service: ServiceId) {
        if self.dependencies_allow_start(service) {
            self.spawn(now, service);
        } else {
            self.timers.cancel(service, TimerKind::Readiness);
            let rec = &mut self.records[service];
            rec.attempts = rec.attempts.saturating_sub(1);
            self.enter_waiting(now, service);
        }
    }

    /// Sends the probe a timer asked for, if the service still wants one, with the next probe
    /// number, and arms its deadline: the probe's `timeout` plus [`PROBE_DEADLINE_SLACK`].
    pub(super) fn send_probe(&mut self, now: Timestamp, service: ServiceId) {
        let rec = &self.records[service];
        let purpose = match rec.state {
            ServiceState::Starting if rec.alive => ProbePurpose::Readiness,
            ServiceState::Ready | ServiceState::Unhealthy if rec.alive => ProbePurpose::Liveness,
            _ => return,
        };
        if rec.probe_in_flight.is_some() {
            return;
        }
        let generation = rec.generation;
        let spec = &self.stack.services[service];
        let probe = match purpose {
            ProbePurpose::Readiness => spec.ready.as_ref(),
            ProbePurpose::Liveness => spec.live.as_ref(),
        };
        let timeout = probe.map_or(PROBE_DEADLINE_SLACK, |p| p.timeout);
        let rec = &mut self.records[service];
        rec.probe_in_flight = Some(purpose);
        rec.probe_seq += 1;
        let seq = rec.probe_seq;
        let deadline = now.add(timeout).add(PROBE_DEADLINE_SLACK);
        self.timers.set(service, TimerKind::ProbeDeadline, deadline);
        self.commands.push_back(Action::Probe {
            service,
            generation,
            purpose,
            seq,
        });
    }

    /// The probe in flight was answered (or given up on): no deadline, no probe in flight; a
    /// later answer carrying its number is ignored.
    pub(super) fn probe_answered(&mut self, service: ServiceId) {
        self.timers.cancel(service, TimerKind::ProbeDeadline);
        self.records[service].probe_in_flight = None;
    }

    /// A probe went unanswered past its deadline: it counts as a failed probe, and probing goes
    /// on (a lost answer never stops readiness or liveness probing).
    pub(super) fn on_probe_deadline(&mut self, now: Timestamp, service: ServiceId) {
        let Some(purpose) = self.records[service].probe_in_flight else {
            return;
        };
        self.probe_answered(service);
        let spec = &self.stack.services[service];
        let probe = match purpose {
            ProbePurpose::Readiness => spec.ready.as_ref(),
            ProbePurpose::Liveness => spec.live.as_ref(),
        };
        let within = probe.map_or(PROBE_DEADLINE_SLACK, |p| p.timeout) + PROBE_DEADLINE_SLACK;
        let why = format!(
            "probe not answered within {}",
            humantime::format_duration(within)
        );
        self.on_probe_result(now, service, purpose, ProbeOutcome::Failure(why));
    }

    /// `Input::ProbeResult` of the current generation, for the probe in flight.
    pub(super) fn on_probe_result(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        purpose: ProbePurpose,
        outcome: ProbeOutcome,
    ) {
        match purpose {
            ProbePurpose::Readiness => self.on_readiness_result(now, service, outcome),
            ProbePurpose::Liveness => self.on_liveness_result(now, service, outcome),
        }
    }

    /// A readiness answer. Only a success counts towards readiness. An outsider answering on the
    /// service's port means the port is taken: the attempt fails as for `PortTaken` after the
    /// spawn (and the port is not handed out again). A failure, an unattributable answer (no
    /// listener of the service seen, a self-connection) or a lost answer resets the count and
    /// probing goes on.
    fn on_readiness_result(&mut self, now: Timestamp, service: ServiceId, outcome: ProbeOutcome) {
        if self.records[service].state != ServiceState::Starting {
            return;
        }
        let rec = &mut self.records[service];
        match outcome {
            ProbeOutcome::Success => {
                rec.successes += 1;
                let spec = self.stack.services[service].ready.as_ref();
                if rec.successes >= spec.map_or(1, |p| p.success_threshold) {
                    self.become_ready(now, service, "readiness probe passed");
                    return;
                }
            }
            ProbeOutcome::Outsider(why) if rec.port.is_some() => {
                rec.successes = 0;
                let port = rec.port.unwrap_or_default();
                let reason = format!("port {port} is taken by an outsider ({why})");
                self.port_taken(now, service, port, reason);
                return;
            }
            ProbeOutcome::Failure(_)
            | ProbeOutcome::Outsider(_)
            | ProbeOutcome::Unattributable(_) => rec.successes = 0,
        }
        self.schedule_readiness_probe(now, service);
    }

    /// The next readiness probe, at the cadence of the probe's kind (see `cadence`). The probe's
    /// spec (its period) is read only past the fast window: most probes are fast ones.
    fn schedule_readiness_probe(&mut self, now: Timestamp, service: ServiceId) {
        let cadence = self.cadences[service];
        let rec = &mut self.records[service];
        let since_spawn = Duration::from_millis(now.millis_since(rec.spawned_at.unwrap_or(now)));
        rec.probe_interval = if cadence.in_fast_window(since_spawn) {
            cadence.ramp_up(rec.probe_interval)
        } else {
            let spec = self.stack.services[service].ready.as_ref();
            let period = spec.map_or(cadence.fast_interval, |p| p.period);
            cadence.back_off(rec.probe_interval, period)
        };
        let at = now.add(rec.probe_interval);
        self.timers.set(service, TimerKind::Probe, at);
    }

    /// The service proved ready: confirm its port, start liveness, let dependents go.
    pub(super) fn become_ready(&mut self, now: Timestamp, service: ServiceId, reason: &str) {
        self.end_attempt_watch(service);
        if self.records[service].port.is_some() {
            self.ledger.confirm(service);
        }
        let rec = &mut self.records[service];
        rec.ready_at = Some(now);
        rec.successes = 0;
        rec.failures = 0;
        if rec.spawn_to_ready.is_none() {
            rec.spawn_to_ready = Some(now.millis_since(rec.spawned_at.unwrap_or(now)));
        }
        self.set_state(now, service, ServiceState::Ready, reason);
        if let Some(live) = &self.stack.services[service].live {
            self.timers
                .set(service, TimerKind::Probe, now.add(live.period));
        }
        self.renew_dependents_that_hold_an_old_address(now, service);
        self.cascade_after_ready(now, service);
    }

    /// The uptime clock of a service without readiness probe ran out while it kept running.
    pub(super) fn on_uptime_reached(&mut self, now: Timestamp, service: ServiceId) {
        let rec = &self.records[service];
        if rec.state == ServiceState::Starting && rec.alive {
            self.become_ready(now, service, "running for min_uptime");
        }
    }

    /// The readiness deadline of the attempt passed.
    pub(super) fn on_readiness_deadline(&mut self, now: Timestamp, service: ServiceId) {
        if self.records[service].state == ServiceState::Starting {
            let budget = self.stack.services[service].readiness_timeout;
            let what = match self.stack.services[service].kind {
                ServiceKind::Task => "did not complete",
                ServiceKind::Service => "not ready",
            };
            let reason = format!("{what} within {}", humantime::format_duration(budget));
            self.attempt_failed(now, service, reason);
        }
    }

    /// An unconfirmed reservation expired in the ledger: the driver is told to drop the lock
    /// too (the port may now go to another service), and an attempt still starting on it fails.
    pub(super) fn on_reservation_expired(&mut self, now: Timestamp, service: ServiceId, port: u16) {
        if self.records[service].port != Some(port) {
            return;
        }
        self.release_port(service);
        if self.records[service].state == ServiceState::Starting {
            self.attempt_failed(now, service, format!("reservation of port {port} expired"));
        }
    }

    /// `Input::Exited` of the current process.
    pub(super) fn on_exited(&mut self, now: Timestamp, service: ServiceId, status: ExitStatus) {
        let state = self.records[service].state.clone();
        self.run_end.note_exit(service, status);
        if self.process_gone(now, service) {
            return;
        }
        if self.run.phase() == Phase::ShuttingDown {
            self.set_state(
                now,
                service,
                ServiceState::Stopped,
                "exited during shutdown",
            );
            return;
        }
        match state {
            ServiceState::Starting => {
                let task = self.stack.services[service].kind == ServiceKind::Task;
                if task && status.success() {
                    self.complete(now, service);
                } else if self.run_end.is_task(service) {
                    // The task of `--exit-code-from` runs once: its exit code is the answer.
                    let why = describe_exit(status);
                    self.set_state(now, service, ServiceState::Failed(why.clone()), &why);
                } else {
                    let when = if task { "" } else { " before ready" };
                    self.attempt_failed(now, service, format!("{}{when}", describe_exit(status)));
                }
            }
            ServiceState::Ready | ServiceState::Unhealthy => {
                self.on_exit_after_ready(now, service, status);
            }
            _ => {
                let why = describe_exit(status);
                self.set_state(now, service, ServiceState::Stopped, &why);
            }
        }
    }

    /// A task exited 0.
    fn complete(&mut self, now: Timestamp, service: ServiceId) {
        self.timers.cancel(service, TimerKind::Readiness);
        let rec = &mut self.records[service];
        rec.ready_at = Some(now);
        if rec.spawn_to_ready.is_none() {
            rec.spawn_to_ready = Some(now.millis_since(rec.spawned_at.unwrap_or(now)));
        }
        self.set_state(now, service, ServiceState::Completed, "exited 0");
        self.cascade_after_ready(now, service);
    }

    /// The current start attempt failed: stop its process if any, then retry or fail.
    pub(super) fn attempt_failed(&mut self, now: Timestamp, service: ServiceId, reason: String) {
        let plan = ExitPlan::RetryOrFail(reason);
        if self.records[service].has_process() {
            self.stop_process(now, service, plan);
        } else {
            self.end_attempt_watch(service);
            self.apply_exit_plan(now, service, plan);
        }
    }

    /// Stops watching the current attempt: its readiness deadline, probe and uptime timers, and
    /// any probe in flight (its answer will be ignored).
    pub(super) fn end_attempt_watch(&mut self, service: ServiceId) {
        self.timers.cancel(service, TimerKind::Readiness);
        self.timers.cancel(service, TimerKind::Probe);
        self.timers.cancel(service, TimerKind::Uptime);
        self.probe_answered(service);
    }

    /// The process of the current generation is gone (exited, or never spawned): release its
    /// port. Returns true when a stop was under way and its plan has now been carried out.
    pub(super) fn process_gone(&mut self, now: Timestamp, service: ServiceId) -> bool {
        self.timers.cancel(service, TimerKind::StopGrace);
        self.timers.cancel(service, TimerKind::Probe);
        self.timers.cancel(service, TimerKind::ProbeDeadline);
        self.timers.cancel(service, TimerKind::Uptime);
        let rec = &mut self.records[service];
        rec.alive = false;
        rec.spawn_pending = false;
        rec.pid = None;
        rec.probe_in_flight = None;
        rec.stop_sent = false;
        self.shutdown.process_gone();
        self.release_port(service);
        match self.records[service].exit_plan.take() {
            Some(plan) => {
                self.apply_exit_plan(now, service, plan);
                true
            }
            None => false,
        }
    }

    /// Gives the service's port back to the ledger and tells the driver to drop its lock. The
    /// release names its owner: the service and the generation whose spawn reserved the port
    /// (the current one: a new spawn always comes after the release of the old port).
    pub(super) fn release_port(&mut self, service: ServiceId) {
        self.ledger.release(service);
        let rec = &mut self.records[service];
        if let Some(port) = rec.port.take() {
            self.last_ports[service] = Some(port);
            self.commands.push_back(Action::ReleasePort {
                service,
                generation: rec.generation,
                port,
            });
        }
    }

    /// What follows a stopped process (or an attempt that never had one).
    pub(super) fn apply_exit_plan(&mut self, now: Timestamp, service: ServiceId, plan: ExitPlan) {
        let doom = self.records[service].doom.take();
        let killed = std::mem::take(&mut self.records[service].killed_after_grace);
        // Say so when the stop took a SIGKILL: the service did not stop within its grace.
        let stopped = |what: &str| -> String {
            if killed {
                let spec = &self.stack.services[service];
                let grace = humantime::format_duration(spec.stop_grace);
                let how = match spec.stop_command {
                    Some(_) => "stop command",
                    None => "stop signal",
                };
                format!("{what} (killed: still running {grace} after its {how})")
            } else {
                what.to_string()
            }
        };
        if self.run.phase() == Phase::ShuttingDown {
            let to = match (plan, doom) {
                (ExitPlan::Fail(reason), _) | (_, Some(reason)) => ServiceState::Failed(reason),
                _ => ServiceState::Stopped,
            };
            let why = stopped("shut down");
            self.set_state(now, service, to, &why);
            return;
        }
        match plan {
            ExitPlan::RetryOrFail(reason) => {
                self.retry_or_fail(now, service, reason, Duration::ZERO)
            }
            ExitPlan::RetryPortBusy(reason) => self.port_busy_retry(now, service, reason),
            ExitPlan::Restart(reason) => self.schedule_restart(now, service, &reason),
            ExitPlan::Renew(_) => {
                self.records[service].attempts = 0;
                self.enter_waiting(now, service);
            }
            ExitPlan::Fail(reason) => {
                self.set_state(now, service, ServiceState::Failed(reason.clone()), &reason);
            }
            ExitPlan::Stop => {
                let why = stopped("stopped on request");
                self.set_state(now, service, ServiceState::Stopped, &why)
            }
            ExitPlan::Shutdown => {
                let why = stopped("shut down");
                self.set_state(now, service, ServiceState::Stopped, &why)
            }
        }
    }

    /// A fixed port is held by someone else: the attempt failed, and the retry waits at least
    /// [`PORT_TAKEN_BACKOFF`] (doubling from there), so the other program has seconds to leave.
    fn port_busy_retry(&mut self, now: Timestamp, service: ServiceId, reason: String) {
        self.retry_or_fail(now, service, reason, PORT_TAKEN_BACKOFF);
    }

    /// Retries after a backoff (at least `floor`), or fails the service when out of attempts.
    fn retry_or_fail(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        reason: String,
        floor: Duration,
    ) {
        let attempts = self.records[service].attempts;
        if attempts > self.stack.coordination.startup_retry_count {
            let why = format!("{reason} (after {attempts} attempts)");
            self.set_state(now, service, ServiceState::Failed(why.clone()), &why);
            return;
        }
        let restart = &self.stack.services[service].restart;
        let base = backoff::attempt_backoff(
            restart.backoff_initial,
            restart.backoff_max,
            attempts,
            floor,
        );
        let delay = self.jitter(base);
        self.set_state(now, service, ServiceState::Restarting, &reason);
        let of = self
            .stack
            .coordination
            .startup_retry_count
            .saturating_add(1);
        let next = (attempts.saturating_add(1), of);
        self.announce_backoff(now, service, super::BackoffKind::Retry, delay, next);
        self.timers.set(service, TimerKind::Backoff, now.add(delay));
    }

    /// `base` plus up to a tenth of it, from the seeded generator.
    pub(super) fn jitter(&mut self, base: Duration) -> Duration {
        backoff::jitter(&mut self.rng, base)
    }

    /// The backoff before the next attempt or restart is over: wait for dependencies again.
    pub(super) fn on_backoff_over(&mut self, now: Timestamp, service: ServiceId) {
        let rec = &self.records[service];
        if rec.state == ServiceState::Restarting
            && !rec.has_process()
            && self.run.phase() == Phase::Running
        {
            self.enter_waiting(now, service);
        }
    }
}

/// `exited with code 3` / `killed by signal 9`.
pub(crate) fn describe_exit(status: ExitStatus) -> String {
    match status {
        ExitStatus::Code(127) => "exited with code 127 (command not found)".to_string(),
        ExitStatus::Code(126) => "exited with code 126 (command not executable)".to_string(),
        ExitStatus::Code(c) => format!("exited with code {c}"),
        ExitStatus::Signal(s) => format!("killed by signal {s}"),
    }
}
