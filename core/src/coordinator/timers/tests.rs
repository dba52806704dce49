//! The timer table against a reference sorted set, and its codes.

use super::*;

fn id(index: usize) -> ServiceId {
    ServiceId::from_index(index)
}

#[test]
fn rearm_replaces_and_pop_is_ordered() {
    let mut t = Timers::default();
    t.set(id(1), TimerKind::Probe, Timestamp(50));
    t.set(id(0), TimerKind::Readiness, Timestamp(30));
    t.set(id(1), TimerKind::Probe, Timestamp(10));
    assert_eq!(t.next(), Some(Timestamp(10)));
    assert_eq!(t.pop_due(Timestamp(5)), None);
    assert_eq!(t.pop_due(Timestamp(40)), Some((id(1), TimerKind::Probe)));
    assert_eq!(
        t.pop_due(Timestamp(40)),
        Some((id(0), TimerKind::Readiness))
    );
    assert_eq!(
        t.pop_due(Timestamp(100)),
        None,
        "the replaced deadline 50 is gone"
    );
}

#[test]
fn a_deadline_fires_once_and_cancel_is_idempotent() {
    let mut t = Timers::new(2);
    t.set(id(1), TimerKind::Backoff, Timestamp(5));
    t.set(id(1), TimerKind::Backoff, Timestamp(5));
    assert_eq!(t.pop_due(Timestamp(5)), Some((id(1), TimerKind::Backoff)));
    assert_eq!(
        t.pop_due(Timestamp(5)),
        None,
        "re-arming at the same time is one deadline"
    );
    assert!(!t.is_set(id(1), TimerKind::Backoff));
    t.set(id(0), TimerKind::StopGrace, Timestamp(9));
    t.cancel(id(0), TimerKind::StopGrace);
    t.cancel(id(0), TimerKind::StopGrace);
    t.cancel(id(5), TimerKind::StopGrace);
    assert_eq!(t.next(), None, "a cancelled deadline never fires");
    t.set(id(4), TimerKind::Dependency(2), Timestamp(3));
    assert_eq!(
        t.pop_due(Timestamp(3)),
        Some((id(4), TimerKind::Dependency(2))),
        "the table grows"
    );
}

#[test]
fn cancel_where_only_touches_one_service() {
    let mut t = Timers::default();
    t.set(id(2), TimerKind::Dependency(0), Timestamp(5));
    t.set(id(2), TimerKind::Dependency(3), Timestamp(6));
    t.set(id(2), TimerKind::Readiness, Timestamp(7));
    t.set(id(3), TimerKind::Dependency(0), Timestamp(8));
    t.cancel_where(id(2), |k| matches!(k, TimerKind::Dependency(_)));
    assert!(!t.is_set(id(2), TimerKind::Dependency(0)));
    assert!(!t.is_set(id(2), TimerKind::Dependency(3)));
    assert!(t.is_set(id(2), TimerKind::Readiness));
    assert!(t.is_set(id(3), TimerKind::Dependency(0)));
    t.cancel(id(2), TimerKind::Readiness);
    assert_eq!(t.next(), Some(Timestamp(8)));
}

/// The reference: the former sorted-set table (one entry per key, ordered by time, service,
/// kind), which the slot-and-heap table must match step by step.
#[derive(Default)]
struct Reference {
    by_time: std::collections::BTreeSet<(Timestamp, ServiceId, TimerKind)>,
    by_key: std::collections::BTreeMap<(ServiceId, TimerKind), Timestamp>,
}

impl Reference {
    fn set(&mut self, s: ServiceId, k: TimerKind, at: Timestamp) {
        if let Some(old) = self.by_key.insert((s, k), at) {
            self.by_time.remove(&(old, s, k));
        }
        self.by_time.insert((at, s, k));
    }
    fn cancel(&mut self, s: ServiceId, k: TimerKind) {
        if let Some(old) = self.by_key.remove(&(s, k)) {
            self.by_time.remove(&(old, s, k));
        }
    }
    fn pop_due(&mut self, now: Timestamp) -> Option<(ServiceId, TimerKind)> {
        let &(at, s, k) = self.by_time.first()?;
        if at > now {
            return None;
        }
        self.cancel(s, k);
        Some((s, k))
    }
}

#[test]
fn matches_a_sorted_set_over_a_long_random_history() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let kinds = [
        TimerKind::Dependency(0),
        TimerKind::Dependency(2),
        TimerKind::Readiness,
        TimerKind::Probe,
        TimerKind::ProbeDeadline,
        TimerKind::Uptime,
        TimerKind::Backoff,
        TimerKind::StopGrace,
    ];
    let (mut t, mut r) = (Timers::default(), Reference::default());
    let mut now = 0u64;
    for step in 0..20_000 {
        let s = id(rng.random_range(0..12usize));
        let k = kinds[rng.random_range(0..kinds.len())];
        match rng.random_range(0..10) {
            0..=4 => {
                // Few distinct times, so re-arming at the same time happens often.
                let at = Timestamp(now + rng.random_range(0..20));
                t.set(s, k, at);
                r.set(s, k, at);
            }
            5..=6 => {
                t.cancel(s, k);
                r.cancel(s, k);
            }
            7 => {
                let deps = |k: TimerKind| matches!(k, TimerKind::Dependency(_));
                t.cancel_where(s, deps);
                for k in kinds.into_iter().filter(|k| deps(*k)) {
                    r.cancel(s, k);
                }
            }
            _ => {
                now += rng.random_range(0..6);
                loop {
                    let (a, b) = (t.pop_due(Timestamp(now)), r.pop_due(Timestamp(now)));
                    assert_eq!(a, b, "step {step}");
                    if a.is_none() {
                        break;
                    }
                }
            }
        }
        assert_eq!(t.next(), r.by_time.first().map(|e| e.0), "step {step}");
        assert_eq!(t.live[0] + t.live[1], r.by_key.len(), "step {step}");
        for lane in 0..2 {
            let bound = 2 * t.live[lane] + 64 + 1;
            assert!(t.heaps[lane].len() <= bound, "stale entries are compacted");
        }
    }
}

#[test]
fn codes_keep_the_order_of_kinds() {
    let kinds = [
        TimerKind::Dependency(0),
        TimerKind::Dependency(7),
        TimerKind::Readiness,
        TimerKind::Probe,
        TimerKind::ProbeDeadline,
        TimerKind::Uptime,
        TimerKind::Backoff,
        TimerKind::StopGrace,
    ];
    for pair in kinds.windows(2) {
        assert!(
            pair[0] < pair[1] && pair[0].code() < pair[1].code(),
            "{pair:?}"
        );
    }
    for kind in kinds {
        assert_eq!(TimerKind::from_code(kind.code()), kind);
    }
}
