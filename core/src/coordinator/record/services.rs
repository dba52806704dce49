//! The per-service lifecycle records of a run, behind one type that keeps their invariants.
//!
//! Rules decided here:
//! - **Generations only grow**: a new process is the next generation of its service
//!   ([`Services::new_process`], the only place a generation changes), and an event is heard
//!   only when it carries the current generation of a service of the stack
//!   ([`Services::is_current`]): events of older processes, and ids from outside the stack, are
//!   ignored before anything is indexed.
//! - **Every state change is recorded with a reason** ([`Services::enter`], the only place a
//!   state changes): it returns the [`Transition`] to emit, and nothing when the state is
//!   unchanged.
//! - **Startup is over once per service**: the first time a selected service reaches ready,
//!   completed or a final state ([`Entered::startup_over`]).
//! - **The last port**: a released port is remembered as the service's first candidate for its
//!   next spawn (seeded with the registry's ports of the previous run).
//! - **The probe cadence** of each service's readiness probe kind, read on every probe.

use super::Record;
use crate::coordinator::cadence::{self, Cadence};
use crate::coordinator::protocol::Generation;
use crate::coordinator::state::{ServiceState, Transition};
use crate::stack::{ServiceId, Stack};
use crate::time::Timestamp;
use std::collections::BTreeMap;
use std::ops::{Index, IndexMut};

/// The records of every service of the stack, by id.
#[derive(Debug)]
pub(crate) struct Services {
    records: Vec<Record>,
    /// Per service: the port it had last (this run, or the registry's from the last one).
    last_ports: Vec<Option<u16>>,
    /// Per service: the cadence of its readiness probe's kind (dense, read on every probe).
    cadences: Vec<&'static Cadence>,
}

/// A state change [`Services::enter`] made.
#[derive(Debug)]
pub(crate) struct Entered {
    /// The record to emit.
    pub transition: Transition,
    /// The state left was `starting` (a start slot is freed).
    pub left_starting: bool,
    /// This change ended the service's startup (the first for a selected service).
    pub startup_over: bool,
}

impl Services {
    /// Fresh records for `stack`, with the ports services had last time by name.
    pub(crate) fn new(stack: &Stack, last_ports: &BTreeMap<String, u16>) -> Services {
        let services = &stack.services;
        Services {
            records: services
                .iter()
                .map(|s| Record::new(s.depends_on.len()))
                .collect(),
            last_ports: services
                .iter()
                .map(|s| last_ports.get(&s.name).copied())
                .collect(),
            cadences: services
                .iter()
                .map(|s| {
                    s.ready
                        .as_ref()
                        .map_or(&cadence::FAST, |p| p.check.cadence())
                })
                .collect(),
        }
    }

    /// The number of services.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// The record of `service`, if the stack has it.
    pub(crate) fn get(&self, service: ServiceId) -> Option<&Record> {
        self.records.get(service.index())
    }

    /// Every record, by id.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Record> {
        self.records.iter()
    }

    /// Every record, by id, to change.
    pub(crate) fn iter_mut(&mut self) -> std::slice::IterMut<'_, Record> {
        self.records.iter_mut()
    }

    /// Whether `generation` is the current one of `service` (a process was spawned, and it is
    /// the last one); false for an id outside the stack.
    pub(crate) fn is_current(&self, service: ServiceId, generation: Generation) -> bool {
        self.records
            .get(service.index())
            .is_some_and(|r| r.generation == generation && r.generation > 0)
    }

    /// A new process of `service` is being spawned on `port`: its generation is the next one,
    /// and the counters of the previous process start over. Returns the new generation.
    pub(crate) fn new_process(&mut self, service: ServiceId, port: Option<u16>) -> Generation {
        let rec = &mut self.records[service];
        rec.generation += 1;
        rec.port = port;
        rec.spawn_pending = true;
        rec.successes = 0;
        rec.failures = 0;
        rec.probe_in_flight = None;
        rec.stop_sent = false;
        rec.killed_after_grace = false;
        rec.generation
    }

    /// `service` enters `to`, `reason` saying why: the transition to emit, or `None` when it is
    /// in that state already.
    pub(crate) fn enter(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        name: &str,
        to: ServiceState,
        reason: &str,
    ) -> Option<Entered> {
        let rec = &mut self.records[service];
        if rec.state == to {
            return None;
        }
        let from = std::mem::replace(&mut rec.state, to.clone());
        let startup_over = rec.selected
            && !rec.startup_done
            && (matches!(to, ServiceState::Ready | ServiceState::Completed) || to.is_final());
        rec.startup_done |= startup_over;
        Some(Entered {
            left_starting: from == ServiceState::Starting,
            startup_over,
            transition: Transition {
                at: now,
                service,
                name: name.to_string(),
                from,
                to,
                reason: reason.to_string(),
            },
        })
    }

    /// Takes the port of `service`'s current process, if it has one, remembering it as its
    /// first candidate next time. Returns it with the generation that owns it.
    pub(crate) fn release_port(&mut self, service: ServiceId) -> Option<(Generation, u16)> {
        let rec = &mut self.records[service];
        let port = rec.port.take()?;
        self.last_ports[service] = Some(port);
        Some((rec.generation, port))
    }

    /// The port `service` had last, its first candidate.
    pub(crate) fn last_port(&self, service: ServiceId) -> Option<u16> {
        self.last_ports[service]
    }

    /// The cadence of `service`'s readiness probe (the fast one without a probe).
    pub(crate) fn cadence(&self, service: ServiceId) -> &'static Cadence {
        self.cadences[service]
    }
}

impl Index<ServiceId> for Services {
    type Output = Record;

    fn index(&self, service: ServiceId) -> &Record {
        &self.records[service]
    }
}

impl IndexMut<ServiceId> for Services {
    fn index_mut(&mut self, service: ServiceId) -> &mut Record {
        &mut self.records[service]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: ServiceId = ServiceId::from_index(0);
    const API: ServiceId = ServiceId::from_index(1);

    fn two_services() -> Services {
        let stack = crate::stack::Stack::parse(
            "coord.toml",
            "[services.db]\ncommand = \"db\"\nport = 5432\n\
             [services.api]\ncommand = \"api\"\ndepends_on = [\"db\"]\n",
        )
        .expect("a valid stack");
        let last = BTreeMap::from([("db".to_string(), 5432)]);
        Services::new(&stack, &last)
    }

    #[test]
    fn generations_only_grow_and_only_the_current_one_is_heard() {
        let mut s = two_services();
        assert!(
            !s.is_current(DB, 0),
            "no process yet: generation 0 is no one's"
        );
        assert_eq!(s.new_process(DB, Some(5432)), 1);
        assert!(s.is_current(DB, 1));
        assert_eq!(s.new_process(DB, None), 2);
        assert!(!s.is_current(DB, 1), "an older process is not heard");
        assert!(s.is_current(DB, 2));
        assert!(
            !s.is_current(ServiceId::from_index(7), 1),
            "an id outside the stack"
        );
        assert_eq!(s[DB].generation(), 2);
        assert!(s[DB].spawn_pending);
    }

    #[test]
    fn every_state_change_comes_with_its_record_and_reason() {
        let mut s = two_services();
        s[API].selected = true;
        let e = s
            .enter(Timestamp(4), API, "api", ServiceState::Waiting, "waiting")
            .expect("a change");
        assert_eq!(e.transition.from, ServiceState::Pending);
        assert_eq!(e.transition.to, ServiceState::Waiting);
        assert_eq!(e.transition.reason, "waiting");
        assert_eq!(e.transition.at, Timestamp(4));
        assert!(!e.left_starting && !e.startup_over);
        assert!(
            s.enter(Timestamp(5), API, "api", ServiceState::Waiting, "again")
                .is_none(),
            "no change, no record"
        );
        s.enter(
            Timestamp(6),
            API,
            "api",
            ServiceState::Starting,
            "attempt 1",
        );
        let ready = s
            .enter(
                Timestamp(7),
                API,
                "api",
                ServiceState::Ready,
                "probe passed",
            )
            .expect("a change");
        assert!(ready.left_starting && ready.startup_over);
        assert_eq!(s[API].state(), &ServiceState::Ready);
        s.enter(Timestamp(8), API, "api", ServiceState::Starting, "restart");
        let again = s.enter(
            Timestamp(9),
            API,
            "api",
            ServiceState::Ready,
            "probe passed",
        );
        assert!(
            !again.expect("a change").startup_over,
            "startup is over once"
        );
        let unselected = s.enter(Timestamp(9), DB, "db", ServiceState::Ready, "x");
        assert!(!unselected.expect("a change").startup_over);
    }

    #[test]
    fn a_released_port_is_the_next_first_candidate() {
        let mut s = two_services();
        assert_eq!(s.last_port(DB), Some(5432), "from the last run");
        assert_eq!(s.last_port(API), None);
        assert_eq!(s.release_port(API), None, "no port, nothing to release");
        let generation = s.new_process(API, Some(8001));
        assert_eq!(s.release_port(API), Some((generation, 8001)));
        assert_eq!(s.release_port(API), None, "released once");
        assert_eq!(s[API].port, None);
        assert_eq!(s.last_port(API), Some(8001));
    }
}
