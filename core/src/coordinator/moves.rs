//! A dependency that moves takes its dependents along: a restarted service keeps its port when it
//! can (its previous port is its first candidate, see `release_port` and the ledger), and when it
//! had to move, every dependent whose process was given the old address is restarted once the
//! dependency is ready on the new one. The restart is a cascade in dependency order: a restarted
//! dependent that moves in turn takes its own dependents along when it is ready.

use super::record::ExitPlan;
use super::{Coordinator, ServiceState};
use crate::stack::ServiceId;
use crate::time::Timestamp;

impl Coordinator {
    /// Remembers, per dependency edge, the port the spawn's environment gives the new process
    /// (the same rule as `spawn_env`: the port of a dependency that is up).
    pub(super) fn remember_dependency_ports(&mut self, service: ServiceId) {
        for edge in 0..self.stack.services[service].depends_on.len() {
            let dep = self.stack.services[service].depends_on[edge].service;
            let d = &self.services[dep];
            let up =
                d.selected && matches!(d.state(), ServiceState::Ready | ServiceState::Completed);
            self.services[service].dep_ports[edge] = d.port.filter(|_| up);
        }
    }

    /// `service` became ready: each dependent with a process that was handed another port of
    /// it is restarted (fresh attempts), saying so.
    pub(super) fn renew_dependents_that_hold_an_old_address(
        &mut self,
        now: Timestamp,
        service: ServiceId,
    ) {
        let Some(port) = self.services[service].port else {
            return;
        };
        for i in 0..self.graph.dependents(service).len() {
            let dependent = self.graph.dependents(service)[i].0;
            let rec = &self.services[dependent];
            if !rec.has_process() || rec.exit_plan.is_some() {
                continue;
            }
            let edges = &self.stack.services[dependent].depends_on;
            let old = edges
                .iter()
                .zip(&rec.dep_ports)
                .find(|(d, p)| d.service == service && p.is_some_and(|p| p != port))
                .and_then(|(_, p)| *p);
            if let Some(old) = old {
                let name = &self.stack.services[service].name;
                let why = format!("dependency {name} moved from port {old} to {port}");
                self.stop_process(now, dependent, ExitPlan::Renew(why));
            }
        }
    }
}
