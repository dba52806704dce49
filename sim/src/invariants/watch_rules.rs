//! The file-watch invariants: debounced restarts and cascades after ready. The checker tells a
//! restart for changed files (and a cascaded one) by its transition's reason.

use super::model::Checker;
use super::{Invariant, Violation};
use coord_core::{ServiceState, Timestamp, Transition};

type Check = Result<(), Violation>;

/// The reason of a restart for changed files starts with this.
const FILES_CHANGED: &str = "files changed";

/// A restart for changed files: a change came since the last one, and the files were quiet for
/// the debounce since the last change. The change is then used up.
pub(super) fn watch_debounced(c: &mut Checker, now: Timestamp, t: &Transition) -> Check {
    if !t.reason.starts_with(FILES_CHANGED) {
        return Ok(());
    }
    let s = t.service;
    let Some(debounce) = c.facts[s].debounce_ms else {
        return Err(c.violation(
            Invariant::WatchDebounced,
            now,
            format!("{} restarted for changed files but watches none", c.name(s)),
        ));
    };
    let Some(last) = c.views[s].last_change.take() else {
        return Err(c.violation(
            Invariant::WatchDebounced,
            now,
            format!(
                "{} restarted for changed files with no change since its last such restart",
                c.name(s)
            ),
        ));
    };
    let quiet = now.millis_since(last);
    if quiet < debounce {
        return Err(c.violation(
            Invariant::WatchDebounced,
            now,
            format!(
                "{} restarted {quiet} ms after the last change, within its debounce of {debounce} ms",
                c.name(s)
            ),
        ));
    }
    Ok(())
}

/// A cascaded restart (`dependency NAME restarted after files changed`): NAME is a required
/// dependency of the restarted service, and Ready or Completed now.
pub(super) fn cascade_after_ready(c: &mut Checker, now: Timestamp, t: &Transition) -> Check {
    let Some(dep_name) = t
        .reason
        .strip_prefix("dependency ")
        .and_then(|r| r.strip_suffix(" restarted after files changed"))
    else {
        return Ok(());
    };
    let s = t.service;
    let dep = c
        .requires
        .of(s)
        .iter()
        .copied()
        .find(|d| c.name(*d) == dep_name);
    let Some(dep) = dep else {
        return Err(c.violation(
            Invariant::CascadeAfterReady,
            now,
            format!(
                "{} restarted for {dep_name}, which it does not require",
                c.name(s)
            ),
        ));
    };
    let state = &c.views[dep].state;
    if !matches!(state, ServiceState::Ready | ServiceState::Completed) {
        return Err(c.violation(
            Invariant::CascadeAfterReady,
            now,
            format!(
                "{} restarted for {dep_name}'s changed files while {dep_name} was {state}, not ready again",
                c.name(s)
            ),
        ));
    }
    Ok(())
}
