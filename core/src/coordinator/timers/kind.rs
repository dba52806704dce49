//! What a timer is for ([`TimerKind`]), and how a kind is kept in the table: its slot, its
//! integer code in the heaps (ordered as the kinds are), and its lane.

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
pub(super) const FIXED: [TimerKind; 7] = [
    TimerKind::Readiness,
    TimerKind::Probe,
    TimerKind::ProbeDeadline,
    TimerKind::Uptime,
    TimerKind::Backoff,
    TimerKind::StopGrace,
    TimerKind::FilesQuiet,
];

/// Where the deadline of a kind is kept.
pub(super) enum Place {
    /// `Slots::fixed[i]`.
    Fixed(usize),
    /// `Slots::deps[edge]`.
    Edge(usize),
}

impl TimerKind {
    pub(super) fn place(self) -> Place {
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

impl TimerKind {
    /// An integer ordered as the kinds are: a dependency timer is its edge, the others the top
    /// seven values in declaration order.
    pub(super) fn code(self) -> u64 {
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
    pub(super) fn from_code(code: u64) -> TimerKind {
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
    pub(super) fn lane(self) -> usize {
        match self {
            TimerKind::Probe | TimerKind::ProbeDeadline | TimerKind::Uptime => 0,
            _ => 1,
        }
    }
}
