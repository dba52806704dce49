//! `coord start NAME` ([`super::Input::StartService`]): a stopped or never-started service joins
//! the running stack, with the dependencies its dependency kinds pull in, in startup order.

use super::record::ExitPlan;
use super::{Coordinator, OperatorAnswer, Phase, ServiceState};
use crate::stack::ServiceId;
use crate::time::Timestamp;

/// What a start does to one service of the set it pulls in.
enum Join {
    /// Running or on its way already: nothing.
    Keep,
    /// Not in the run yet: selected, then waiting for its dependencies.
    Select,
    /// In the run but ended (stopped, failed, skipped): waiting again, with fresh attempts.
    Again,
    /// Being stopped on request: started again once its process has exited.
    AfterStop,
}

impl Coordinator {
    /// `Input::StartService`: start `service` and what it pulls in (per dependency kind:
    /// `required`, `optional` and `started` edges pull in, `soft` ones only order). Each
    /// pulled-in service not in the run joins it; one that ended (stopped, failed, skipped) starts
    /// again with fresh attempts; a task that completed is left as it is, unless it is the one
    /// named. Services that join this way are not required for the run (their failure never
    /// fails it, unless `abort_on_failure`) and are not part of the startup summary. Each waits
    /// for its dependencies as at startup. Answers what it did, or why it changed nothing.
    pub(super) fn start_service(&mut self, now: Timestamp, service: ServiceId) -> OperatorAnswer {
        let Some(rec) = self.services.get(service) else {
            return OperatorAnswer::Refused(format!("no service with id {service} in this stack"));
        };
        match self.run.phase() {
            Phase::Idle => return OperatorAnswer::Refused("the run has not started yet".into()),
            Phase::ShuttingDown | Phase::Finished => {
                return OperatorAnswer::Refused("the stack is shutting down".into());
            }
            Phase::Running => {}
        }
        let name = self.stack.services[service].name.clone();
        if let Join::Keep = self.join(service, true) {
            return OperatorAnswer::Refused(format!("{name} is already {}", rec.state().name()));
        }
        let wanted = self.graph.select(&[service]);
        let mut also = Vec::new();
        for i in 0..self.graph.startup_order().len() {
            let id = self.graph.startup_order()[i];
            if !wanted[id] {
                continue;
            }
            let join = self.join(id, id == service);
            if !matches!(join, Join::Keep) && id != service {
                also.push(self.stack.services[id].name.clone());
            }
            self.apply_join(now, id, join, &name);
        }
        OperatorAnswer::Accepted(if also.is_empty() {
            format!("starting {name}")
        } else {
            format!("starting {name} (and {})", also.join(", "))
        })
    }

    /// What a start does to `id`; `named`: it is the service the operator named.
    fn join(&self, id: ServiceId, named: bool) -> Join {
        let rec = &self.services[id];
        if !rec.selected {
            return Join::Select;
        }
        if rec.has_process() {
            return match rec.exit_plan {
                Some(ExitPlan::Stop) => Join::AfterStop,
                _ => Join::Keep,
            };
        }
        match rec.state() {
            ServiceState::Completed if named => Join::Again,
            ServiceState::Stopped | ServiceState::Failed(_) | ServiceState::Skipped(_) => {
                Join::Again
            }
            _ => Join::Keep,
        }
    }

    fn apply_join(&mut self, now: Timestamp, id: ServiceId, join: Join, named: &str) {
        match join {
            Join::Keep => {}
            Join::Select => {
                let rec = &mut self.services[id];
                rec.selected = true;
                rec.required = false;
                // Startup (and its summary) is the run's own; a service joining later is not
                // waited for by it.
                rec.startup_done = true;
                rec.attempts = 0;
                self.enter_waiting(now, id);
            }
            Join::Again => {
                self.unqueue(id);
                self.timers.cancel_where(id, |_| true);
                let rec = &mut self.services[id];
                rec.attempts = 0;
                rec.doom = None;
                self.enter_waiting(now, id);
            }
            Join::AfterStop => {
                self.services[id].exit_plan =
                    Some(ExitPlan::Renew(format!("started again for {named}")));
            }
        }
    }
}
