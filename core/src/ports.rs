//! The port ledger: reserve -> confirm -> release, reservation expiry, outsiders. It never hands
//! one port to two services.

use crate::stack::{PortSpec, ServiceId};
use crate::time::Timestamp;

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

/// Why a reservation could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveError {
    /// Every candidate port is held (by services of this run or outsiders).
    Exhausted,
}

/// The port ledger of one run.
#[derive(Debug, Clone, Default)]
pub struct PortLedger {
    _private: (),
}

impl PortLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        PortLedger::default()
    }

    /// Reserves a port for `service` until `deadline`, releasing any port it held before.
    /// Candidates in order: `last` (the port it had last time), the spec's preferred port, then
    /// the spec's range in order; a `Fixed` spec has only its port. Skips ports held by others.
    pub fn reserve(
        &mut self,
        service: ServiceId,
        spec: &PortSpec,
        last: Option<u16>,
        deadline: Timestamp,
    ) -> Result<u16, ReserveError> {
        let _ = (service, spec, last, deadline);
        unimplemented!()
    }

    /// The service proved it serves on its reserved port: the reservation no longer expires.
    pub fn confirm(&mut self, service: ServiceId) {
        let _ = service;
        unimplemented!()
    }

    /// Releases the port of `service`, returning it.
    pub fn release(&mut self, service: ServiceId) -> Option<u16> {
        let _ = service;
        unimplemented!()
    }

    /// `port` is held by an outsider: any reservation on it is dropped (returned) and it is never
    /// handed out again.
    pub fn mark_outsider(&mut self, port: u16) -> Option<ServiceId> {
        let _ = port;
        unimplemented!()
    }

    /// Releases every unconfirmed reservation whose deadline is at or before `now`.
    pub fn expire(&mut self, now: Timestamp) -> Vec<(ServiceId, u16)> {
        let _ = now;
        unimplemented!()
    }

    /// The earliest deadline of an unconfirmed reservation.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        unimplemented!()
    }

    /// Who holds `port`.
    pub fn holder(&self, port: u16) -> Option<Holder> {
        let _ = port;
        unimplemented!()
    }

    /// The port `service` holds (reserved or confirmed).
    pub fn port_of(&self, service: ServiceId) -> Option<u16> {
        let _ = service;
        unimplemented!()
    }
}
