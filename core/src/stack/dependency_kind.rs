//! What a dependency kind means: the one table ([`DependencyKind::semantics`]) that run
//! selection, the required-set closure, the waiting verdict, the failure cascade and the load-time
//! warnings all read, so the README's dependency-kind table is decided in this file only.

use serde::Serialize;

/// The kind of a dependency edge (systemd's Requires / Wants / After).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyKind {
    /// Pulled in; the dependent waits for Ready (or Completed) and fails if the dependency fails.
    Required,
    /// Pulled in; the dependent waits for Ready, a final failure or the timeout, then starts anyway.
    Optional,
    /// Ordering only: not pulled in; if in the run, the dependent waits for its outcome up to the
    /// timeout, then starts anyway.
    Soft,
    /// Pulled in; the dependent waits only for the dependency's process to run (spawned, not
    /// ready), a final failure or the timeout, then starts anyway (process-compose's
    /// `process_started`).
    Started,
}

/// What the dependent waits for before it may start (the README's "the dependent waits for").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitsFor {
    /// The dependency is Ready (or Completed, for a task); nothing else lets the dependent start.
    Ready,
    /// The dependency is Ready, has reached a final failure, or the edge's timeout has passed.
    ReadyOrFinalFailureOrTimeout,
    /// Ordering only: if the dependency is in the run, its outcome, up to the edge's timeout.
    OutcomeIfInRun,
    /// The dependency's process is running (spawned; readiness not needed) or has completed, it
    /// has reached a final failure, or the edge's timeout has passed.
    RunningOrFinalFailureOrTimeout,
}

/// The meaning of one dependency kind, read wherever a rule depends on the kind of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KindSemantics {
    /// A selected dependent pulls the dependency into the run (run selection).
    pub pulled_in: bool,
    /// What the dependent waits for.
    pub waits_for: WaitsFor,
    /// The dependency's failure (failed, skipped or stopped) fails the dependent and cascades
    /// along such edges; so a service the run requires makes the dependency required too.
    pub failure_propagates: bool,
    /// The edge's timeout passing without the dependency up fails the dependent.
    pub timeout_fails_dependent: bool,
    /// A dependency that is not in the run fails the dependent.
    pub absence_fails_dependent: bool,
}

impl DependencyKind {
    /// The meaning of this kind: the one table consulted everywhere a rule depends on it.
    pub const fn semantics(self) -> KindSemantics {
        match self {
            DependencyKind::Required => KindSemantics {
                pulled_in: true,
                waits_for: WaitsFor::Ready,
                failure_propagates: true,
                timeout_fails_dependent: true,
                absence_fails_dependent: true,
            },
            DependencyKind::Optional => KindSemantics {
                pulled_in: true,
                waits_for: WaitsFor::ReadyOrFinalFailureOrTimeout,
                failure_propagates: false,
                timeout_fails_dependent: false,
                absence_fails_dependent: false,
            },
            DependencyKind::Soft => KindSemantics {
                pulled_in: false,
                waits_for: WaitsFor::OutcomeIfInRun,
                failure_propagates: false,
                timeout_fails_dependent: false,
                absence_fails_dependent: false,
            },
            // process-compose releases a `process_started` dependent also when the dependency
            // will never run, and nothing it does later reaches the dependent: so a failure
            // before the spawn, the timeout, or a later crash never fails the dependent.
            DependencyKind::Started => KindSemantics {
                pulled_in: true,
                waits_for: WaitsFor::RunningOrFinalFailureOrTimeout,
                failure_propagates: false,
                timeout_fails_dependent: false,
                absence_fails_dependent: false,
            },
        }
    }

    /// Its name in a stack file (`depends_on = { db = "started" }`) and in `coord graph`.
    pub const fn name(self) -> &'static str {
        match self {
            DependencyKind::Required => "required",
            DependencyKind::Optional => "optional",
            DependencyKind::Soft => "soft",
            DependencyKind::Started => "started",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DependencyKind, WaitsFor};

    /// The README's dependency-kind table, row by row: (kind, pulled in, waits for, its failure or
    /// timeout fails the dependent).
    #[test]
    fn semantics_match_the_readme_dependency_kind_table() {
        let readme = [
            (DependencyKind::Required, true, WaitsFor::Ready, true),
            (
                DependencyKind::Optional,
                true,
                WaitsFor::ReadyOrFinalFailureOrTimeout,
                false,
            ),
            (DependencyKind::Soft, false, WaitsFor::OutcomeIfInRun, false),
            (
                DependencyKind::Started,
                true,
                WaitsFor::RunningOrFinalFailureOrTimeout,
                false,
            ),
        ];
        for (kind, pulled_in, waits_for, fails) in readme {
            let s = kind.semantics();
            assert_eq!(s.pulled_in, pulled_in, "{kind:?}: pulled in");
            assert_eq!(s.waits_for, waits_for, "{kind:?}: waits for");
            assert_eq!(s.failure_propagates, fails, "{kind:?}: failure propagates");
            assert_eq!(s.timeout_fails_dependent, fails, "{kind:?}: timeout fails");
            // Only a kind whose failure fails the dependent makes its absence fatal.
            assert_eq!(s.absence_fails_dependent, fails, "{kind:?}: absence fails");
        }
    }
}
