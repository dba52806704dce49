//! File-watch restarts. The driver reports every change of a watched file as a fact
//! ([`super::Input::FilesChanged`]); the core debounces: each change (re)arms the service's
//! quiet timer, so a burst of changes closer together than `debounce` restarts it once,
//! `debounce` after the last change. The restart is the one of `coord restart` (fresh attempts,
//! the stop command or signal, SIGKILL after the grace). With `cascade`, once the service is
//! Ready (or Completed) again, its running required dependents are restarted the same way, and
//! theirs once they are ready in turn: a cascade in dependency order.

use super::record::ExitPlan;
use super::timers::TimerKind;
use super::{Coordinator, Phase};
use crate::graph::StackGraph;
use crate::stack::{DependencyKind, ServiceId};
use crate::time::Timestamp;

impl Coordinator {
    /// `Input::FilesChanged`: remember the path and (re)arm the quiet timer. Ignored for a
    /// service without `watch`, one outside the run, one the operator stopped, and outside the
    /// running phase.
    pub(super) fn on_files_changed(&mut self, now: Timestamp, service: ServiceId, path: String) {
        let Some(debounce) = self
            .stack
            .services
            .get(service.index())
            .and_then(|s| s.watch.as_ref())
            .map(|w| w.debounce)
        else {
            return;
        };
        let rec = &mut self.services[service];
        if self.run.phase() != Phase::Running || !rec.selected || rec.stopped_on_request {
            return;
        }
        rec.files_changed = Some(path);
        self.timers
            .set(service, TimerKind::FilesQuiet, now.add(debounce));
    }

    /// The watched files have been quiet for the debounce: restart the service (and mark it to
    /// cascade once ready, if its `watch` says so).
    pub(super) fn on_files_quiet(&mut self, now: Timestamp, service: ServiceId) {
        let Some(path) = self.services[service].files_changed.take() else {
            return;
        };
        let rec = &self.services[service];
        let stopping_for_good = matches!(
            rec.exit_plan,
            Some(ExitPlan::Fail(_) | ExitPlan::Stop | ExitPlan::Shutdown)
        );
        if self.run.phase() != Phase::Running
            || rec.stopped_on_request
            || rec.doom.is_some()
            || stopping_for_good
        {
            return;
        }
        let cascade = self.stack.services[service]
            .watch
            .as_ref()
            .is_some_and(|w| w.cascade);
        self.renew(now, service, &format!("files changed ({path})"));
        if cascade {
            self.services[service].cascade_on_ready = true;
        }
    }

    /// `service` is Ready (or Completed) again after a cascading file-watch restart: restart its
    /// running required dependents, each to cascade in turn once it is ready.
    pub(super) fn cascade_after_ready(&mut self, now: Timestamp, service: ServiceId) {
        if !std::mem::take(&mut self.services[service].cascade_on_ready) {
            return;
        }
        let why = format!(
            "dependency {} restarted after files changed",
            self.stack.services[service].name
        );
        for dependent in required_dependents(&self.graph, service) {
            let rec = &self.services[dependent];
            if !rec.selected || !rec.has_process() {
                continue;
            }
            match rec.exit_plan {
                None => {
                    self.stop_process(now, dependent, ExitPlan::Renew(why.clone()));
                    self.services[dependent].cascade_on_ready = true;
                }
                Some(ExitPlan::Renew(_)) => self.services[dependent].cascade_on_ready = true,
                Some(_) => {}
            }
        }
    }
}

/// The services that require `service`, in file order.
fn required_dependents(graph: &StackGraph, service: ServiceId) -> Vec<ServiceId> {
    graph
        .dependents(service)
        .iter()
        .filter(|(_, kind)| *kind == DependencyKind::Required)
        .map(|(d, _)| *d)
        .collect()
}
