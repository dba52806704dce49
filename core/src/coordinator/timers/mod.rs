//! The coordinator's timer table: at most one deadline per (service, kind).
//!
//! Each deadline lives in a slot indexed by service and kind (O(1) to arm, re-arm or cancel), and
//! a min-heap orders them by (time, service, kind). Re-arming or cancelling leaves the old heap
//! entry behind; an entry counts only while its slot still holds its time, stale ones are dropped
//! when they reach the top (so the top is always live), and the heap is rebuilt from the slots when
//! stale entries outnumber live ones. Firing order is exactly that of a sorted set of the live
//! deadlines.
//!
//! The table only keeps deadlines; what a firing timer does is decided by the coordinator's
//! handlers (dispatched in `fired`). A deadline belongs to its service and is disarmed by the
//! coordinator when what it watches ends: the attempt's timers when the attempt ends, the
//! process's when it is gone, the dependency timers when the service takes a start slot, all
//! but the stop grace when the run shuts down.

mod kind;
#[cfg(test)]
mod tests;

use crate::stack::ServiceId;
use crate::time::Timestamp;
pub(crate) use kind::TimerKind;
use kind::{FIXED, Place};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The armed deadlines of one service.
#[derive(Debug, Default, Clone)]
struct Slots {
    /// One per kind of [`FIXED`].
    fixed: [Option<Timestamp>; 7],
    /// One per dependency edge.
    deps: Vec<Option<Timestamp>>,
}

impl Slots {
    /// The slot of `kind`, grown for a new dependency edge.
    fn slot(&mut self, kind: TimerKind) -> &mut Option<Timestamp> {
        match kind.place() {
            Place::Fixed(i) => &mut self.fixed[i],
            Place::Edge(edge) => {
                if edge >= self.deps.len() {
                    self.deps.resize(edge + 1, None);
                }
                &mut self.deps[edge]
            }
        }
    }

    /// The deadline armed for `kind`.
    fn get(&self, kind: TimerKind) -> Option<Timestamp> {
        match kind.place() {
            Place::Fixed(i) => self.fixed[i],
            Place::Edge(edge) => self.deps.get(edge).copied().flatten(),
        }
    }
}

/// One timer in a heap: (deadline, service, kind as [`TimerKind::code`]), the firing order, as
/// plain integers so the heaps compare them cheaply.
type Entry = (Timestamp, ServiceId, u64);

/// Deadlines keyed by (service, kind).
#[derive(Debug, Default)]
pub(crate) struct Timers {
    slots: Vec<Slots>,
    /// Live entries and stale ones (see the module docs), one heap per [`TimerKind::lane`]; the
    /// top of each is always live.
    heaps: [BinaryHeap<Reverse<Entry>>; 2],
    /// Armed deadlines per lane.
    live: [usize; 2],
}

impl Timers {
    /// An empty table with a slot per service of a stack of `services`.
    pub(crate) fn new(services: usize) -> Timers {
        Timers {
            slots: vec![Slots::default(); services],
            ..Timers::default()
        }
    }

    /// Arms (or re-arms) the timer `kind` of `service` for `at`.
    pub(crate) fn set(&mut self, service: ServiceId, kind: TimerKind, at: Timestamp) {
        if service.index() >= self.slots.len() {
            self.slots.resize_with(service.index() + 1, Slots::default);
        }
        let lane = kind.lane();
        match self.slots[service].slot(kind).replace(at) {
            // Already armed for that very time: its heap entry is there.
            Some(old) if old == at => return,
            Some(_) => {}
            None => self.live[lane] += 1,
        }
        self.heaps[lane].push(Reverse((at, service, kind.code())));
        self.tidy(lane);
    }

    /// Disarms the timer `kind` of `service`, if armed.
    pub(crate) fn cancel(&mut self, service: ServiceId, kind: TimerKind) {
        let Some(slots) = self.slots.get_mut(service.index()) else {
            return;
        };
        if slots.slot(kind).take().is_some() {
            self.live[kind.lane()] -= 1;
            self.tidy(kind.lane());
        }
    }

    /// Disarms every timer of `service` for which `pred` holds.
    pub(crate) fn cancel_where(&mut self, service: ServiceId, pred: impl Fn(TimerKind) -> bool) {
        let Some(slots) = self.slots.get_mut(service.index()) else {
            return;
        };
        let kinds = (0..slots.deps.len())
            .map(TimerKind::Dependency)
            .chain(FIXED);
        let mut cancelled = [0; 2];
        for kind in kinds {
            if pred(kind) && slots.slot(kind).take().is_some() {
                cancelled[kind.lane()] += 1;
            }
        }
        for (lane, count) in cancelled.into_iter().enumerate() {
            if count > 0 {
                self.live[lane] -= count;
                self.tidy(lane);
            }
        }
    }

    /// Whether the timer `kind` of `service` is armed.
    #[cfg(test)]
    pub(crate) fn is_set(&self, service: ServiceId, kind: TimerKind) -> bool {
        self.slots
            .get(service.index())
            .is_some_and(|s| s.get(kind).is_some())
    }

    /// The earliest timer, and its lane.
    fn first(&self) -> Option<(Entry, usize)> {
        let top = |lane: usize| self.heaps[lane].peek().map(|Reverse(e)| (*e, lane));
        match (top(0), top(1)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        self.first().map(|((at, _, _), _)| at)
    }

    /// Removes and returns the earliest timer due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<(ServiceId, TimerKind)> {
        let ((at, service, code), lane) = self.first()?;
        if at > now {
            return None;
        }
        let kind = TimerKind::from_code(code);
        self.heaps[lane].pop();
        self.slots[service].slot(kind).take();
        self.live[lane] -= 1;
        self.tidy(lane);
        Some((service, kind))
    }

    /// Whether the heap entry is the armed deadline of its slot.
    fn is_live(&self, &(at, service, code): &Entry) -> bool {
        self.slots[service].get(TimerKind::from_code(code)) == Some(at)
    }

    /// Drops stale entries from the top of a lane's heap, and rebuilds it when most of it is
    /// stale.
    fn tidy(&mut self, lane: usize) {
        if self.heaps[lane].len() > 2 * self.live[lane] + 64 {
            let mut entries = std::mem::take(&mut self.heaps[lane]).into_vec();
            entries.retain(|Reverse(e)| self.is_live(e));
            if entries.len() > 2 * self.live[lane] + 64 {
                // Copies of a live deadline (cancelled, then re-armed at the same time): one stays.
                entries.sort_unstable();
                entries.dedup();
            }
            self.heaps[lane] = BinaryHeap::from(entries);
        }
        while let Some(Reverse(top)) = self.heaps[lane].peek() {
            if self.is_live(top) {
                break;
            }
            self.heaps[lane].pop();
        }
    }
}
