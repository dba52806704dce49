//! After Ready: liveness probes, exits, and the restart policy with its backoff and budget.

use super::attempt::describe_exit;
use super::protocol::{ExitStatus, ProbeOutcome};
use super::record::ExitPlan;
use super::timers::TimerKind;
use super::{Coordinator, ServiceState};
use crate::stack::{RestartPolicy, ServiceId};
use crate::time::Timestamp;

impl Coordinator {
    /// A liveness result: count failures up to the threshold (Unhealthy, then the restart
    /// policy), count successes back to Ready. Anything but a success (an outsider, an
    /// unattributable answer, a lost answer) is a failure.
    pub(super) fn on_liveness_result(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        outcome: ProbeOutcome,
    ) {
        let Some(live) = self.stack.services[service].live.clone() else {
            return;
        };
        let state = self.services[service].state().clone();
        if !matches!(state, ServiceState::Ready | ServiceState::Unhealthy) {
            return;
        }
        let rec = &mut self.services[service];
        if outcome == ProbeOutcome::Success {
            rec.failures = 0;
            rec.successes += 1;
            if state == ServiceState::Unhealthy && rec.successes >= live.success_threshold {
                self.set_state(
                    now,
                    service,
                    ServiceState::Ready,
                    "liveness probe passed again",
                );
            }
        } else {
            rec.successes = 0;
            rec.failures += 1;
            if rec.failures >= live.failure_threshold && state == ServiceState::Ready {
                let reason = format!(
                    "liveness failed {} times: {}",
                    live.failure_threshold,
                    outcome.detail()
                );
                self.set_state(now, service, ServiceState::Unhealthy, &reason);
                if self.stack.services[service].restart.policy != RestartPolicy::No {
                    self.stop_process(now, service, ExitPlan::Restart(reason));
                    return;
                }
            }
        }
        self.timers
            .set(service, TimerKind::Probe, now.add(live.period));
    }

    /// The process of a Ready (or Unhealthy) service ended on its own.
    pub(super) fn on_exit_after_ready(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        status: ExitStatus,
    ) {
        let why = describe_exit(status);
        let restart = match self.stack.services[service].restart.policy {
            RestartPolicy::Always => true,
            RestartPolicy::OnFailure => !status.success(),
            RestartPolicy::No => false,
        };
        if restart {
            self.schedule_restart(now, service, &why);
        } else if status.success() {
            self.set_state(now, service, ServiceState::Stopped, &why);
        } else {
            self.set_state(now, service, ServiceState::Failed(why.clone()), &why);
        }
    }

    /// Restarts a service that was Ready, after a backoff that doubles from its initial delay to
    /// its cap (reset once the service stayed Ready for `backoff_reset`), at most
    /// `max_restarts` within the restart window; past that it is Failed.
    pub(super) fn schedule_restart(&mut self, now: Timestamp, service: ServiceId, reason: &str) {
        let spec = self.stack.services[service].restart.clone();
        let rec = &mut self.services[service];
        let window_start = now
            .as_millis()
            .saturating_sub(crate::time::duration_millis(spec.window));
        while rec
            .restart_times
            .front()
            .is_some_and(|t| t.as_millis() < window_start)
        {
            rec.restart_times.pop_front();
        }
        if rec.restart_times.len() >= spec.max_restarts as usize {
            let why = format!(
                "{reason}; gave up after {} restarts within {}",
                rec.restart_times.len(),
                humantime::format_duration(spec.window)
            );
            self.set_state(now, service, ServiceState::Failed(why.clone()), &why);
            return;
        }
        let stayed_up = rec
            .ready_at
            .is_some_and(|r| u128::from(now.millis_since(r)) >= spec.backoff_reset.as_millis());
        if rec.backoff.is_zero() || stayed_up {
            rec.backoff = spec.backoff_initial;
        }
        let base = rec.backoff;
        rec.backoff = super::backoff::doubled(rec.backoff).min(spec.backoff_max);
        rec.restart_times.push_back(now);
        rec.restarts += 1;
        rec.attempts = 0;
        let delay = self.jitter(base);
        self.set_state(now, service, ServiceState::Restarting, reason);
        let count = (
            u32::try_from(self.services[service].restart_times.len()).unwrap_or(u32::MAX),
            spec.max_restarts,
        );
        self.announce_backoff(now, service, super::BackoffKind::Restart, delay, count);
        self.timers.set(service, TimerKind::Backoff, now.add(delay));
    }
}
