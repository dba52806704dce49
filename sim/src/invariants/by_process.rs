//! A map keyed by (service, generation) that the checker updates for every process: a dense slot
//! per service for the usual single process, and an ordered map for the rare extra ones (an
//! older generation still alive, or a broken history), so the common case costs no tree
//! operation.

use coord_core::Generation;
use coord_core::stack::ServiceId;
use std::collections::BTreeMap;

/// See the module docs. Behaves as a `BTreeMap<(ServiceId, Generation), V>`.
#[derive(Debug, Clone)]
pub(super) struct ByProcess<V> {
    /// Per service, one of its entries, if any.
    slots: Vec<Option<(Generation, V)>>,
    /// Every other entry (never one a slot holds).
    others: BTreeMap<(ServiceId, Generation), V>,
}

impl<V> ByProcess<V> {
    /// An empty map for `services` services.
    pub(super) fn new(services: usize) -> Self {
        ByProcess {
            slots: std::iter::repeat_with(|| None).take(services).collect(),
            others: BTreeMap::new(),
        }
    }

    /// Sets the value of `(s, g)`, returning the one it replaces.
    pub(super) fn insert(&mut self, (s, g): (ServiceId, Generation), value: V) -> Option<V> {
        if s.index() >= self.slots.len() {
            self.slots.resize_with(s.index() + 1, || None);
        }
        if let Some(v) = self.others.get_mut(&(s, g)) {
            return Some(std::mem::replace(v, value));
        }
        match &mut self.slots[s] {
            slot @ None => {
                *slot = Some((g, value));
                None
            }
            Some((held, v)) if *held == g => Some(std::mem::replace(v, value)),
            Some(_) => self.others.insert((s, g), value),
        }
    }

    /// Removes `(s, g)`, returning its value.
    pub(super) fn remove(&mut self, &(s, g): &(ServiceId, Generation)) -> Option<V> {
        match self.slots.get_mut(s.index()) {
            Some(slot @ Some(_)) if slot.as_ref().is_some_and(|(held, _)| *held == g) => {
                slot.take().map(|(_, v)| v)
            }
            _ => self.others.remove(&(s, g)),
        }
    }

    /// The value of `(s, g)`.
    pub(super) fn get(&self, &(s, g): &(ServiceId, Generation)) -> Option<&V> {
        match self.slots.get(s.index()) {
            Some(Some((held, v))) if *held == g => Some(v),
            _ => self.others.get(&(s, g)),
        }
    }

    /// Whether `(s, g)` has a value.
    pub(super) fn contains_key(&self, key: &(ServiceId, Generation)) -> bool {
        self.get(key).is_some()
    }

    /// The smallest key with its value (scans the slots: for end-of-run checks).
    pub(super) fn first_key_value(&self) -> Option<((ServiceId, Generation), &V)> {
        let slot = ServiceId::enumerate(&self.slots)
            .filter_map(|(s, e)| e.as_ref().map(|(g, v)| ((s, *g), v)))
            .min_by_key(|(key, _)| *key);
        let other = self.others.first_key_value().map(|(k, v)| (*k, v));
        match (slot, other) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ByProcess, ServiceId};
    use std::collections::BTreeMap;

    #[test]
    fn behaves_as_an_ordered_map() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut m = ByProcess::new(3);
        let mut reference = BTreeMap::new();
        for step in 0..5_000 {
            let key = (
                ServiceId::from_index(rng.random_range(0..5usize)),
                rng.random_range(1..4u32),
            );
            match rng.random_range(0..3) {
                0 => assert_eq!(m.insert(key, step), reference.insert(key, step)),
                1 => assert_eq!(m.remove(&key), reference.remove(&key)),
                _ => assert_eq!(m.get(&key), reference.get(&key)),
            }
            assert_eq!(m.contains_key(&key), reference.contains_key(&key));
            let first = reference.first_key_value().map(|(k, v)| (*k, v));
            assert_eq!(m.first_key_value(), first, "step {step}");
        }
    }
}
