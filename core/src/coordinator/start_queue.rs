//! The start queue and its slots: services whose dependencies allow a start wait here, in
//! startup order, for one of the `max_parallel_starts` slots; a service holds its slot while it
//! is `starting` (a task until it exits).

use crate::stack::ServiceId;
use std::collections::BTreeSet;

/// Queued services by startup rank, and the slots in use.
#[derive(Debug)]
pub(super) struct StartQueue {
    /// (startup rank, service) of every queued service.
    queue: BTreeSet<(usize, ServiceId)>,
    /// Per service: whether it is queued (and under which rank).
    queued: Vec<Option<usize>>,
    /// Services in `starting` now: the slots in use.
    starting: usize,
}

impl StartQueue {
    /// An empty queue for `services` services.
    pub(super) fn new(services: usize) -> StartQueue {
        StartQueue {
            queue: BTreeSet::new(),
            queued: vec![None; services],
            starting: 0,
        }
    }

    /// Queues `service` at startup rank `rank` (nothing if it is queued already).
    pub(super) fn push(&mut self, service: ServiceId, rank: usize) {
        if self.queued[service].is_none() {
            self.queued[service] = Some(rank);
            self.queue.insert((rank, service));
        }
    }

    /// Takes `service` out of the queue, if it is there.
    pub(super) fn remove(&mut self, service: ServiceId) {
        if let Some(rank) = self.queued[service].take() {
            self.queue.remove(&(rank, service));
        }
    }

    /// Empties the queue (the run is shutting down).
    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.queued.iter_mut().for_each(|q| *q = None);
    }

    /// The first queued service in startup order, taken out, if fewer than `max` services are
    /// starting.
    pub(super) fn next_for_slot(&mut self, max: usize) -> Option<ServiceId> {
        if self.starting >= max {
            return None;
        }
        let (_, service) = self.queue.pop_first()?;
        self.queued[service] = None;
        Some(service)
    }

    /// A service entered (`true`) or left (`false`) `starting`: a slot is taken or freed.
    pub(super) fn slot(&mut self, taken: bool) {
        if taken {
            self.starting += 1;
        } else {
            self.starting -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ServiceId, StartQueue};

    #[test]
    fn hands_out_services_in_rank_order_while_slots_are_free() {
        let mut q = StartQueue::new(4);
        q.push(ServiceId::from_index(3), 0);
        q.push(ServiceId::from_index(1), 2);
        q.push(ServiceId::from_index(2), 1);
        q.push(ServiceId::from_index(3), 0);
        q.remove(ServiceId::from_index(2));
        assert_eq!(q.next_for_slot(1), Some(ServiceId::from_index(3)));
        q.slot(true);
        assert_eq!(q.next_for_slot(1), None);
        q.slot(false);
        assert_eq!(q.next_for_slot(1), Some(ServiceId::from_index(1)));
        assert_eq!(q.next_for_slot(1), None);
    }
}
