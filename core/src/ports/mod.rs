//! The port ledger: reserve -> confirm -> release, reservation expiry, outsiders. It never hands
//! one port to two services.
//!
//! Every operation is O(log P) in the number of held ports (plus the number of ports returned by
//! [`PortLedger::expire`]): holders live in a `BTreeMap` by port, each service's port in a `Vec`,
//! unconfirmed deadlines in a `BTreeSet`, and the held ports also as runs of consecutive ports so
//! that finding the first free port of a range skips a whole run of held ports in one lookup.

mod runs;
#[cfg(test)]
mod tests;

use crate::stack::{PortSpec, ServiceId};
use crate::time::Timestamp;
use runs::PortRuns;
use std::collections::{BTreeMap, BTreeSet};

/// Who holds a port in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// Reserved (not yet confirmed) by a service, until the deadline.
    Reserved(ServiceId, Timestamp),
    /// Confirmed: the service is Ready on it.
    Confirmed(ServiceId),
    /// Something outside this run holds it; never handed out again in this run.
    Outsider,
}

impl Holder {
    /// The service holding the port, unless it is an outsider.
    pub fn service(self) -> Option<ServiceId> {
        match self {
            Holder::Reserved(service, _) | Holder::Confirmed(service) => Some(service),
            Holder::Outsider => None,
        }
    }
}

/// Why a reservation could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveError {
    /// Every candidate port is held (by services of this run or outsiders).
    Exhausted,
}

/// The port ledger of one run.
#[derive(Debug, Clone, Default)]
pub struct PortLedger {
    /// Port -> who holds it. The single source of truth: one entry per port, so one holder.
    holders: BTreeMap<u16, Holder>,
    /// Service -> the port it holds (reserved or confirmed). Grows on demand.
    ports: Vec<Option<u16>>,
    /// `(deadline, port)` of every unconfirmed reservation.
    deadlines: BTreeSet<(Timestamp, u16)>,
    /// The ports of `holders`, as runs, for range scans.
    held: PortRuns,
    /// Fixed ports of the run's services (see [`PortLedger::protect`]), as runs: never a
    /// candidate of an allocated port.
    protected: PortRuns,
}

impl PortLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        PortLedger::default()
    }

    /// Reserves a port for `service` until `deadline`, releasing any port it held before.
    /// Candidates in order: `last` (the port it had last time), the spec's preferred port, then
    /// the spec's range in order; a `Fixed` spec has only its port. Skips ports held by others.
    ///
    /// Details:
    /// - The old port is released first, even if the reservation then fails, so the service may
    ///   get its own old port back. A caller mirroring reservations elsewhere (lock files) reads
    ///   [`PortLedger::port_of`] before calling this.
    /// - `last` is a candidate only if the current spec would allow it (it is the preferred port
    ///   or lies in the range): a port remembered from an older stack file is not reused against
    ///   the current one.
    /// - Port 0 (the OS's "any port") is never handed out; outsider ports never again.
    /// - The range scan finds the first free port in O(log P), whatever the range's size.
    pub fn reserve(
        &mut self,
        service: ServiceId,
        spec: &PortSpec,
        last: Option<u16>,
        deadline: Timestamp,
    ) -> Result<u16, ReserveError> {
        self.release(service);
        let port = self
            .first_free_candidate(spec, last)
            .ok_or(ReserveError::Exhausted)?;
        self.holders
            .insert(port, Holder::Reserved(service, deadline));
        self.deadlines.insert((deadline, port));
        self.held.insert(port);
        if self.ports.len() <= service.index() {
            self.ports.resize(service.index() + 1, None);
        }
        self.ports[service] = Some(port);
        Ok(port)
    }

    /// Keeps `port` for the service whose spec fixes it (`port = 8000`): from now on no
    /// allocated spec gets it, not as its last port, its preferred port or from its range. The
    /// coordinator protects the fixed port of every selected service when the run starts.
    pub fn protect(&mut self, port: u16) {
        self.protected.insert(port);
    }

    /// Whether `port` is some service's fixed port (see [`PortLedger::protect`]).
    pub fn is_protected(&self, port: u16) -> bool {
        self.protected.first_absent(port, port).is_none()
    }

    /// The first candidate of `spec` (and `last`) that nobody holds. An allocated spec also
    /// skips protected (fixed) ports.
    fn first_free_candidate(&self, spec: &PortSpec, last: Option<u16>) -> Option<u16> {
        let is_free = |port: u16| port != 0 && !self.holders.contains_key(&port);
        match spec {
            PortSpec::Fixed(port) => Some(*port).filter(|&p| is_free(p)),
            PortSpec::Allocated {
                preferred, range, ..
            } => {
                let last = last.filter(|&p| Some(p) == *preferred || range.contains(p));
                last.into_iter()
                    .chain(*preferred)
                    .find(|&p| is_free(p) && !self.is_protected(p))
                    .or_else(|| {
                        if range.start > range.end {
                            return None;
                        }
                        self.first_unheld_unprotected(range.start.max(1), range.end)
                    })
            }
        }
    }

    /// The first port in `from..=last` neither held nor protected: alternately skips a run of
    /// held ports and a run of protected ones, so the scan costs O(log P) per run skipped.
    fn first_unheld_unprotected(&self, mut from: u16, last: u16) -> Option<u16> {
        loop {
            let unheld = self.held.first_absent(from, last)?;
            let free = self.protected.first_absent(unheld, last)?;
            if free == unheld {
                return Some(free);
            }
            from = free;
        }
    }

    /// The service proved it serves on its reserved port: the reservation no longer expires.
    /// No effect if the service holds no port or has already confirmed it.
    pub fn confirm(&mut self, service: ServiceId) {
        let Some(port) = self.port_of(service) else {
            return;
        };
        if let Some(Holder::Reserved(_, deadline)) = self.holders.get(&port).copied() {
            self.deadlines.remove(&(deadline, port));
            self.holders.insert(port, Holder::Confirmed(service));
        }
    }

    /// Releases the port of `service`, returning it.
    pub fn release(&mut self, service: ServiceId) -> Option<u16> {
        let port = self.ports.get_mut(service.index())?.take()?;
        if let Some(Holder::Reserved(_, deadline)) = self.holders.remove(&port) {
            self.deadlines.remove(&(deadline, port));
        }
        self.held.remove(port);
        Some(port)
    }

    /// `port` is held by an outsider: any reservation on it is dropped (returned) and it is never
    /// handed out again.
    ///
    /// Returns the service whose reservation (or confirmed port) was dropped; that service then
    /// holds no port. Marking a free port or an outsider's port returns `None`.
    pub fn mark_outsider(&mut self, port: u16) -> Option<ServiceId> {
        let previous = self.holders.insert(port, Holder::Outsider);
        self.held.insert(port);
        match previous? {
            Holder::Reserved(service, deadline) => {
                self.deadlines.remove(&(deadline, port));
                self.ports[service] = None;
                Some(service)
            }
            Holder::Confirmed(service) => {
                self.ports[service] = None;
                Some(service)
            }
            Holder::Outsider => None,
        }
    }

    /// Releases every unconfirmed reservation whose deadline is at or before `now`.
    ///
    /// Returns the released `(service, port)` pairs in port order.
    pub fn expire(&mut self, now: Timestamp) -> Vec<(ServiceId, u16)> {
        let mut expired = Vec::new();
        while let Some(&(deadline, port)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some(Holder::Reserved(service, _)) = self.holders.remove(&port) {
                self.ports[service] = None;
                self.held.remove(port);
                expired.push((service, port));
            }
        }
        expired.sort_unstable_by_key(|&(_, port)| port);
        expired
    }

    /// The earliest deadline of an unconfirmed reservation.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines.first().map(|&(deadline, _)| deadline)
    }

    /// Who holds `port`.
    pub fn holder(&self, port: u16) -> Option<Holder> {
        self.holders.get(&port).copied()
    }

    /// The port `service` holds (reserved or confirmed).
    pub fn port_of(&self, service: ServiceId) -> Option<u16> {
        self.ports.get(service.index()).copied().flatten()
    }

    /// Every held port with its holder, in port order.
    pub fn held(&self) -> impl Iterator<Item = (u16, Holder)> + '_ {
        self.holders.iter().map(|(&port, &holder)| (port, holder))
    }
}
