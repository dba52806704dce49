//! The simulated machine's ports: reservations (the runtime's lock files) and bound sockets.

use coord_core::Generation;
use coord_core::stack::ServiceId;
use std::collections::BTreeMap;

/// Who a reservation is for: the service and the generation whose spawn was handed the port.
pub type LockOwner = (ServiceId, Generation);

/// Who has a port bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A service's process (virtual pid).
    Process(u32),
    /// A program outside the run.
    Outsider,
}

/// Reservations and binds of the simulated machine.
#[derive(Debug, Clone, Default)]
pub struct PortTable {
    /// Port -> the owner whose reservation (lock file) holds it.
    locks: BTreeMap<u16, LockOwner>,
    /// Port -> who has it bound.
    bound: BTreeMap<u16, Owner>,
    /// Ports bound by outsiders (most runs have none, and then probes need no lookup).
    outsiders: usize,
}

/// Why a reservation could not be made real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// An outsider has the port bound.
    Outsider,
    /// Another service holds the reservation.
    Reserved(ServiceId),
    /// A process has it bound.
    Bound(u32),
}

impl PortTable {
    /// Makes `owner`'s reservation of `port` real (lock plus bind check), unless busy. A service
    /// re-locking its own port (for a later generation) is fine: the lock passes to the new
    /// generation, as the runtime's lock does.
    pub fn reserve(&mut self, owner: LockOwner, port: u16) -> Result<(), Busy> {
        if let Some(holder) = self.locks.get(&port)
            && holder.0 != owner.0
        {
            return Err(Busy::Reserved(holder.0));
        }
        match self.bound.get(&port) {
            Some(Owner::Outsider) => return Err(Busy::Outsider),
            Some(Owner::Process(pid)) => return Err(Busy::Bound(*pid)),
            None => {}
        }
        self.locks.insert(port, owner);
        Ok(())
    }

    /// Drops `owner`'s reservation of `port`: a no-op unless `owner` (service and generation)
    /// holds it.
    pub fn release(&mut self, owner: LockOwner, port: u16) {
        if self.locks.get(&port) == Some(&owner) {
            self.locks.remove(&port);
        }
    }

    /// Binds `port` for `owner`; false if someone has it bound already.
    pub fn bind(&mut self, port: u16, owner: Owner) -> bool {
        if self.bound.contains_key(&port) {
            return false;
        }
        self.bound.insert(port, owner);
        if owner == Owner::Outsider {
            self.outsiders += 1;
        }
        true
    }

    /// Unbinds `port` if `owner` has it.
    pub fn unbind(&mut self, port: u16, owner: Owner) {
        if self.bound.get(&port) == Some(&owner) {
            self.bound.remove(&port);
            if owner == Owner::Outsider {
                self.outsiders -= 1;
            }
        }
    }

    /// Who has `port` bound.
    pub fn bound_by(&self, port: u16) -> Option<Owner> {
        self.bound.get(&port).copied()
    }

    /// Whether an outsider has `port` bound.
    pub fn outsider_on(&self, port: u16) -> bool {
        self.outsiders > 0 && self.bound.get(&port) == Some(&Owner::Outsider)
    }

    /// Reservations still held: (port, service).
    pub fn held(&self) -> Vec<(u16, ServiceId)> {
        self.locks.iter().map(|(p, o)| (*p, o.0)).collect()
    }

    /// Ports bound by processes of the run.
    pub fn bound_by_processes(&self) -> Vec<u16> {
        self.bound
            .iter()
            .filter(|(_, o)| matches!(o, Owner::Process(_)))
            .map(|(p, _)| *p)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_and_binds_exclude_others() {
        let (s0, s1) = (ServiceId::from_index(0), ServiceId::from_index(1));
        let mut t = PortTable::default();
        assert_eq!(t.reserve((s0, 1), 80), Ok(()));
        assert_eq!(t.reserve((s0, 2), 80), Ok(()));
        assert_eq!(t.reserve((s1, 1), 80), Err(Busy::Reserved(s0)));
        assert!(t.bind(81, Owner::Outsider));
        assert_eq!(t.reserve((s1, 1), 81), Err(Busy::Outsider));
        assert!(t.bind(80, Owner::Process(7)));
        assert!(!t.bind(80, Owner::Process(8)));
        t.release((s1, 1), 80);
        t.release((s0, 1), 80);
        assert_eq!(
            t.held(),
            [(80, s0)],
            "only the owner (generation 2) releases"
        );
        t.release((s0, 2), 80);
        assert!(t.held().is_empty());
        assert_eq!(t.bound_by_processes(), [80]);
        assert!(t.outsider_on(81) && !t.outsider_on(80));
        t.unbind(81, Owner::Process(7));
        assert!(t.outsider_on(81), "only the outsider unbinds its port");
        t.unbind(81, Owner::Outsider);
        assert!(!t.outsider_on(81));
        assert!(t.bind(81, Owner::Outsider) && t.outsider_on(81));
        t.unbind(80, Owner::Process(8));
        assert_eq!(t.bound_by(80), Some(Owner::Process(7)));
        t.unbind(80, Owner::Process(7));
        assert!(t.bound_by_processes().is_empty());
    }
}
