//! The coordinator's timer table: at most one deadline per (service, kind).
//!
//! Each deadline lives in a slot indexed by service and kind (O(1) to arm, re-arm or cancel), and
//! a min-heap orders them by (time, service, kind). Re-arming or cancelling leaves the old heap
//! entry behind; an entry counts only while its slot still holds its time, stale ones are dropped
//! when they reach the top (so the top is always live), and the heap is rebuilt from the slots when
//! stale entries outnumber live ones. Firing order is exactly that of a sorted set of the live
//! deadlines.

use crate::stack::ServiceId;
use crate::time::Timestamp;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// The dependent gives up waiting for its dependency edge with this index.
    Dependency(usize),
    /// The current attempt must be Ready (or Completed) by now.
    Readiness,
    /// Send the next readiness or liveness probe.
    Probe,
    /// The probe in flight was not answered in time: it counts as a failure.
    ProbeDeadline,
    /// A service without a readiness probe is Ready once it has run this long.
    Uptime,
    /// The backoff before the next attempt or restart is over.
    Backoff,
    /// The stop grace is over: SIGKILL.
    StopGrace,
    /// Watched files changed and have been quiet for the debounce: restart.
    FilesQuiet,
}

/// The kinds other than `Dependency`, in slot order (see [`TimerKind::place`]).
const FIXED: [TimerKind; 7] = [
    TimerKind::Readiness,
    TimerKind::Probe,
    TimerKind::ProbeDeadline,
    TimerKind::Uptime,
    TimerKind::Backoff,
    TimerKind::StopGrace,
    TimerKind::FilesQuiet,
];

/// The armed deadlines of one service.
#[derive(Debug, Default, Clone)]
struct Slots {
    /// One per kind of [`FIXED`].
    fixed: [Option<Timestamp>; 7],
    /// One per dependency edge.
    deps: Vec<Option<Timestamp>>,
}

/// Where the deadline of a kind is kept.
enum Place {
    /// `Slots::fixed[i]`.
    Fixed(usize),
    /// `Slots::deps[edge]`.
    Edge(usize),
}

impl TimerKind {
    fn place(self) -> Place {
        match self {
            TimerKind::Dependency(edge) => Place::Edge(edge),
            TimerKind::Readiness => Place::Fixed(0),
            TimerKind::Probe => Place::Fixed(1),
            TimerKind::ProbeDeadline => Place::Fixed(2),
            TimerKind::Uptime => Place::Fixed(3),
            TimerKind::Backoff => Place::Fixed(4),
            TimerKind::StopGrace => Place::Fixed(5),
            TimerKind::FilesQuiet => Place::Fixed(6),
        }
    }
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

/// Deadlines keyed by (service, kind).
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

impl TimerKind {
    /// An integer ordered as the kinds are: a dependency timer is its edge, the others the top
    /// seven values in declaration order.
    fn code(self) -> u64 {
        match self {
            TimerKind::Dependency(edge) => edge as u64,
            TimerKind::Readiness => u64::MAX - 6,
            TimerKind::Probe => u64::MAX - 5,
            TimerKind::ProbeDeadline => u64::MAX - 4,
            TimerKind::Uptime => u64::MAX - 3,
            TimerKind::Backoff => u64::MAX - 2,
            TimerKind::StopGrace => u64::MAX - 1,
            TimerKind::FilesQuiet => u64::MAX,
        }
    }

    /// The kind of a [`TimerKind::code`].
    fn from_code(code: u64) -> TimerKind {
        match u64::MAX - code {
            0 => TimerKind::FilesQuiet,
            1 => TimerKind::StopGrace,
            2 => TimerKind::Backoff,
            3 => TimerKind::Uptime,
            4 => TimerKind::ProbeDeadline,
            5 => TimerKind::Probe,
            6 => TimerKind::Readiness,
            _ => TimerKind::Dependency(code as usize),
        }
    }

    /// Probe and uptime timers (short, re-armed by every probe) get a heap of their own, away
    /// from the many long dependency, readiness and grace deadlines, so popping them stays cheap.
    fn lane(self) -> usize {
        match self {
            TimerKind::Probe | TimerKind::ProbeDeadline | TimerKind::Uptime => 0,
            _ => 1,
        }
    }
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
#[cfg(test)]
mod tests {
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
}
