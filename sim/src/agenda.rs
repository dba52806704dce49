//! The world's agenda: future events ordered by (virtual time, sequence number).

use coord_core::Timestamp;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A min-heap of events by (time, sequence): the same schedule always pops in the same order.
///
/// The heap holds only (time, sequence, slot), so sifting moves 24 bytes whatever the event's
/// size; the events wait in reusable slots.
#[derive(Debug)]
pub struct Agenda<E> {
    heap: BinaryHeap<Reverse<(Timestamp, u64, usize)>>,
    slots: Vec<Option<E>>,
    /// Slots free for reuse.
    free: Vec<usize>,
    seq: u64,
}

impl<E> Default for Agenda<E> {
    fn default() -> Self {
        Agenda {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }
}

impl<E> Agenda<E> {
    /// Schedules `event` at `at`.
    pub fn schedule(&mut self, at: Timestamp, event: E) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                self.slots.len() - 1
            }
        };
        self.heap.push(Reverse((at, self.seq, slot)));
    }

    /// When the earliest event is due.
    pub fn next_at(&self) -> Option<Timestamp> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(Timestamp, E)> {
        let Reverse((at, _, slot)) = self.heap.pop()?;
        self.free.push(slot);
        let event = self.slots[slot].take()?;
        Some((at, event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_schedule_order() {
        let mut a = Agenda::default();
        a.schedule(Timestamp(5), "late");
        a.schedule(Timestamp(1), "first");
        a.schedule(Timestamp(1), "second");
        a.schedule(Timestamp(3), "middle");
        assert_eq!(a.next_at(), Some(Timestamp(1)));
        let order: Vec<&str> = std::iter::from_fn(|| a.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["first", "second", "middle", "late"]);
        assert!(a.is_empty());
    }

    #[test]
    fn reused_slots_keep_the_order() {
        let mut a = Agenda::default();
        a.schedule(Timestamp(2), 'b');
        a.schedule(Timestamp(1), 'a');
        assert_eq!(a.pop(), Some((Timestamp(1), 'a')));
        a.schedule(Timestamp(2), 'c');
        a.schedule(Timestamp(0), 'z');
        let order: Vec<char> = std::iter::from_fn(|| a.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ['z', 'b', 'c']);
        assert_eq!(a.slots.len(), 3, "slots are reused");
    }
}
