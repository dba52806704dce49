//! The status snapshot and the startup summary with its critical path.

use super::status::{ServiceStatus, StartupSummary, StatusReport};
use super::{Action, Coordinator, ServiceState};
use crate::stack::ServiceId;
use crate::time::Timestamp;

impl Coordinator {
    /// A serialisable snapshot of the run at `now`.
    pub fn status(&self, now: Timestamp) -> StatusReport {
        let t0 = self.run.started_at();
        let services = self
            .services
            .iter()
            .zip(&self.stack.services)
            .zip(self.stack.service_ids())
            .map(|((rec, spec), id)| ServiceStatus {
                name: spec.name.clone(),
                selected: rec.selected,
                required: rec.required && rec.selected,
                state: rec.state().clone(),
                readiness: rec.state().readiness(),
                waiting_for: self.waiting_reason(id),
                port: rec.port,
                url: rec.port.map(|p| self.url_of(id, p)),
                pid: rec.pid,
                generation: rec.generation(),
                attempts: rec.attempts,
                restarts: rec.restarts,
                waited_ms: rec.first_spawn_at.map(|t| t.millis_since(t0)),
                spawn_to_ready_ms: rec.spawn_to_ready,
                ready_at_ms: rec.ready_at.map(|t| t.millis_since(t0)),
            })
            .collect();
        StatusReport {
            file: self.stack.file.clone(),
            now_ms: now.millis_since(t0),
            services,
            startup: self
                .run
                .startup_over_at()
                .map(|at| self.startup_summary(at)),
        }
    }

    /// Emits `StartupFinished` once every selected service's startup is over.
    pub(super) fn report_startup_if_over(&mut self, now: Timestamp) {
        if self.run.startup_all_settled() {
            self.report_startup(now);
        }
    }

    /// Emits `StartupFinished` (once).
    pub(super) fn report_startup(&mut self, now: Timestamp) {
        if !self.run.end_startup(now) {
            return;
        }
        let summary = self.startup_summary(now);
        self.commands.push_back(Action::StartupFinished(summary));
    }

    fn startup_summary(&self, now: Timestamp) -> StartupSummary {
        let t0 = self.run.started_at();
        let selected: Vec<ServiceId> = ServiceId::all(self.services.len())
            .filter(|&s| self.services[s].selected)
            .collect();
        let up = |s: &ServiceId| {
            matches!(
                self.services[*s].state(),
                ServiceState::Ready | ServiceState::Completed
            )
        };
        let finished: Vec<Option<Timestamp>> = self
            .services
            .iter()
            .map(|r| if r.selected { r.ready_at } else { None })
            .collect();
        // A failed startup lasted until the failure, whatever was ready by then.
        let total_ms = if self.run.failed() {
            now.millis_since(t0)
        } else {
            finished
                .iter()
                .flatten()
                .map(|t| t.millis_since(t0))
                .max()
                .unwrap_or(0)
        };
        let critical_path = self
            .graph
            .critical_path(&finished)
            .into_iter()
            .map(|s| self.stack.services[s].name.clone())
            .collect();
        let failures = selected
            .iter()
            .filter_map(|&s| match self.services[s].state() {
                ServiceState::Failed(r) | ServiceState::Skipped(r) => {
                    Some((self.stack.services[s].name.clone(), r.clone()))
                }
                _ => None,
            })
            .collect();
        StartupSummary {
            ready: selected.iter().filter(|s| up(s)).count(),
            selected: selected.len(),
            total_ms,
            critical_path,
            failures,
            run_failed: self.run.failed(),
        }
    }
}
