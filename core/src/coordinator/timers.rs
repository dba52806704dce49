//! The coordinator's timer table: at most one deadline per (service, kind), ordered by time so the
//! next deadline and the due timers are found in O(log n).

use crate::stack::ServiceId;
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// The dependent gives up waiting for its dependency edge with this index.
    Dependency(usize),
    /// The current attempt must be Ready (or Completed) by now.
    Readiness,
    /// Send the next readiness or liveness probe.
    Probe,
    /// A service without a readiness probe is Ready once it has run this long.
    Uptime,
    /// The backoff before the next attempt or restart is over.
    Backoff,
    /// The stop grace is over: SIGKILL.
    StopGrace,
}

/// Deadlines keyed by (service, kind).
#[derive(Debug, Default)]
pub(crate) struct Timers {
    by_time: BTreeSet<(Timestamp, ServiceId, TimerKind)>,
    by_key: BTreeMap<(ServiceId, TimerKind), Timestamp>,
}

impl Timers {
    /// Arms (or re-arms) the timer `kind` of `service` for `at`.
    pub(crate) fn set(&mut self, service: ServiceId, kind: TimerKind, at: Timestamp) {
        if let Some(old) = self.by_key.insert((service, kind), at) {
            self.by_time.remove(&(old, service, kind));
        }
        self.by_time.insert((at, service, kind));
    }

    /// Disarms the timer `kind` of `service`, if armed.
    pub(crate) fn cancel(&mut self, service: ServiceId, kind: TimerKind) {
        if let Some(old) = self.by_key.remove(&(service, kind)) {
            self.by_time.remove(&(old, service, kind));
        }
    }

    /// Disarms every timer of `service` for which `pred` holds.
    pub(crate) fn cancel_where(&mut self, service: ServiceId, pred: impl Fn(TimerKind) -> bool) {
        let kinds: Vec<TimerKind> = self
            .by_key
            .range((service, TimerKind::Dependency(0))..)
            .take_while(|((s, _), _)| *s == service)
            .map(|((_, k), _)| *k)
            .filter(|k| pred(*k))
            .collect();
        for kind in kinds {
            self.cancel(service, kind);
        }
    }

    /// Whether the timer `kind` of `service` is armed.
    #[cfg(test)]
    pub(crate) fn is_set(&self, service: ServiceId, kind: TimerKind) -> bool {
        self.by_key.contains_key(&(service, kind))
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Timestamp> {
        self.by_time.first().map(|(at, _, _)| *at)
    }

    /// Removes and returns the earliest timer due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<(ServiceId, TimerKind)> {
        let &(at, service, kind) = self.by_time.first()?;
        if at > now {
            return None;
        }
        self.by_time.pop_first();
        self.by_key.remove(&(service, kind));
        Some((service, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rearm_replaces_and_pop_is_ordered() {
        let mut t = Timers::default();
        t.set(1, TimerKind::Probe, Timestamp(50));
        t.set(0, TimerKind::Readiness, Timestamp(30));
        t.set(1, TimerKind::Probe, Timestamp(10));
        assert_eq!(t.next(), Some(Timestamp(10)));
        assert_eq!(t.pop_due(Timestamp(5)), None);
        assert_eq!(t.pop_due(Timestamp(40)), Some((1, TimerKind::Probe)));
        assert_eq!(t.pop_due(Timestamp(40)), Some((0, TimerKind::Readiness)));
        assert_eq!(
            t.pop_due(Timestamp(100)),
            None,
            "the replaced deadline 50 is gone"
        );
    }

    #[test]
    fn cancel_where_only_touches_one_service() {
        let mut t = Timers::default();
        t.set(2, TimerKind::Dependency(0), Timestamp(5));
        t.set(2, TimerKind::Dependency(3), Timestamp(6));
        t.set(2, TimerKind::Readiness, Timestamp(7));
        t.set(3, TimerKind::Dependency(0), Timestamp(8));
        t.cancel_where(2, |k| matches!(k, TimerKind::Dependency(_)));
        assert!(!t.is_set(2, TimerKind::Dependency(0)));
        assert!(!t.is_set(2, TimerKind::Dependency(3)));
        assert!(t.is_set(2, TimerKind::Readiness));
        assert!(t.is_set(3, TimerKind::Dependency(0)));
        t.cancel(2, TimerKind::Readiness);
        assert_eq!(t.next(), Some(Timestamp(8)));
    }
}
