//! One small function per invariant, over the checker's model. Each returns the violation it finds.

use super::model::Checker;
use super::{EndState, Invariant, Violation};
use coord_core::stack::{ServiceId, env_prefix as env_name, env_prefix_char};
use coord_core::{Action, ExitStatus, Generation, RunOutcome, ServiceState, Timestamp};

type Check = Result<(), Violation>;

fn up(state: &ServiceState) -> bool {
    matches!(state, ServiceState::Ready | ServiceState::Completed)
}

/// Stop grace, calm phase and shutdown deadlines that passed without what they wait for.
pub(super) fn time_bounds(c: &Checker, now: Timestamp) -> Check {
    if let Some((deadline, s, g)) = c.stop_deadlines.first()
        && *deadline < now
    {
        return Err(c.violation(
            Invariant::StopCompletes,
            now,
            format!(
                "{} (generation {g}) got its stop signal, its grace period ended at {} ms, \
                 and it has neither exited nor been sent SIGKILL",
                c.name(*s),
                deadline.as_millis() - super::model::KILL_SLACK_MS
            ),
        ));
    }
    if let Some(deadline) = c.calm_deadline
        && now > deadline
        && !(c.all_settled() && c.startup_finished())
    {
        let waiting: Vec<String> = ServiceId::all(c.views.len())
            .filter(|id| {
                let s = &c.views[*id].state;
                !(s.is_final() || *s == ServiceState::Ready)
            })
            .map(|id| format!("{} is {}", c.name(id), c.views[id].state))
            .collect();
        return Err(c.violation(
            Invariant::Converges,
            now,
            format!(
                "the calm phase did not converge by {} ms: {}{}",
                deadline.as_millis(),
                waiting.join(", "),
                if c.startup_finished() {
                    ""
                } else {
                    " (startup never finished)"
                }
            ),
        ));
    }
    if let Some(deadline) = c.shutdown_deadline
        && now > deadline
        && c.finished.is_none()
    {
        return Err(c.violation(
            Invariant::Converges,
            now,
            format!("the shutdown did not finish by {} ms", deadline.as_millis()),
        ));
    }
    Ok(())
}

/// Nothing is emitted after `Finished`.
pub(super) fn nothing_after_finished(c: &Checker, now: Timestamp, cmd: &Action) -> Check {
    match &c.finished {
        Some(outcome) => Err(c.violation(
            Invariant::RunOutcome,
            now,
            format!("command after Finished({outcome:?}): {cmd:?}"),
        )),
        None => Ok(()),
    }
}

/// No service spawned before its required dependencies are Ready (or Completed).
pub(super) fn deps_ready_before_spawn(c: &Checker, now: Timestamp, s: ServiceId) -> Check {
    for r in c.requires.of(s) {
        let state = &c.views[*r].state;
        if !up(state) {
            return Err(c.violation(
                Invariant::DepsReadyBeforeSpawn,
                now,
                format!(
                    "{} spawned while its required dependency {} is {state}",
                    c.name(s),
                    c.name(*r)
                ),
            ));
        }
    }
    Ok(())
}

/// A service spawns only once each of its `started` dependencies has run in this run, has ended
/// for good (failed, skipped, stopped, not started), or the edge's timeout has passed since the
/// service began waiting.
pub(super) fn started_deps_ran_before_spawn(c: &Checker, now: Timestamp, s: ServiceId) -> Check {
    for &(d, timeout_ms) in &c.facts[s].started {
        let dep = &c.views[d];
        let waited = c.views[s].waiting_since.map(|w| now.millis_since(w));
        if dep.ran || dep.state.is_final() || waited.is_some_and(|w| w >= timeout_ms) {
            continue;
        }
        return Err(c.violation(
            Invariant::StartedWaitsForTheProcess,
            now,
            format!(
                "{} spawned while its started dependency {} ({}) has not run yet, after waiting \
                 {} ms of the edge's {timeout_ms} ms",
                c.name(s),
                c.name(d),
                dep.state,
                waited.unwrap_or(0)
            ),
        ));
    }
    Ok(())
}

/// After each step (checked when the next input comes): a service whose dependencies are all
/// `started` edges is not left waiting while each of them has a running process (of its current
/// generation, not stopped on request) and a start slot is free: it does not wait for readiness.
pub(super) fn started_not_held_for_readiness(c: &Checker, now: Timestamp) -> Check {
    if c.started_only.is_empty() || c.run_is_ending() || c.starting >= c.max_parallel {
        return Ok(());
    }
    let runs = |d: ServiceId| {
        let view = &c.views[d];
        !view.stop_requested && c.live.contains_key(&(d, view.generation))
    };
    for &s in &c.started_only {
        let view = &c.views[s];
        if view.state != ServiceState::Waiting || view.stop_requested {
            continue;
        }
        if c.facts[s].started.iter().all(|&(d, _)| runs(d)) {
            let deps: Vec<String> = c.facts[s]
                .started
                .iter()
                .map(|&(d, _)| format!("{} {}", c.name(d), c.views[d].state))
                .collect();
            return Err(c.violation(
                Invariant::StartedWaitsForTheProcess,
                now,
                format!(
                    "{} still waits with a start slot free although every dependency it needs \
                     only running runs ({})",
                    c.name(s),
                    deps.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A service whose required dependency failed before it was spawned never starts.
pub(super) fn required_failure_cascades_at_spawn(
    c: &Checker,
    now: Timestamp,
    s: ServiceId,
) -> Check {
    if c.views[s].must_fail {
        return Err(c.violation(
            Invariant::RequiredFailureCascades,
            now,
            format!(
                "{} spawned although a required dependency failed before it started",
                c.name(s)
            ),
        ));
    }
    Ok(())
}

/// Once the calm phase settled: each service whose required dependency failed before it started
/// is Failed or Skipped.
pub(super) fn required_failure_cascades_settled(c: &Checker, now: Timestamp) -> Check {
    for (id, view) in ServiceId::enumerate(&c.views) {
        if view.must_fail
            && !matches!(
                view.state,
                ServiceState::Failed(_) | ServiceState::Skipped(_)
            )
        {
            let failed: Vec<&str> = c
                .requires
                .of(id)
                .iter()
                .filter(|r| {
                    matches!(
                        c.views[**r].state,
                        ServiceState::Failed(_) | ServiceState::Skipped(_)
                    )
                })
                .map(|r| c.name(*r))
                .collect();
            return Err(c.violation(
                Invariant::RequiredFailureCascades,
                now,
                format!(
                    "{} is {} although its required dependency {} failed before it started",
                    c.name(id),
                    view.state,
                    failed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A port is never handed to a service while another service holds it or another live process
/// (another service's, or an older generation of the same service) has it.
pub(super) fn port_exclusive(
    c: &Checker,
    now: Timestamp,
    s: ServiceId,
    g: Generation,
    port: u16,
) -> Check {
    if let Some(&(holder, _)) = c.port_reservers.get(&port)
        && holder != s
    {
        return Err(c.violation(
            Invariant::PortExclusive,
            now,
            format!(
                "port {port} handed to {} while {} still holds it",
                c.name(s),
                c.name(holder)
            ),
        ));
    }
    if let Some(owners) = c.live_ports.get(&port)
        && let Some((t, h)) = owners.iter().find(|o| **o != (s, g))
    {
        return Err(c.violation(
            Invariant::PortExclusive,
            now,
            format!(
                "port {port} handed to {} (generation {g}) while the process of {} \
                 (generation {h}) on it is still alive",
                c.name(s),
                c.name(*t)
            ),
        ));
    }
    Ok(())
}

/// A `ReleasePort` comes from the owner of the reservation: a port the model has handed to
/// another service, or to another generation, is not released in its name.
pub(super) fn only_owner_releases(
    c: &Checker,
    now: Timestamp,
    s: ServiceId,
    g: Generation,
    port: u16,
) -> Check {
    match c.port_reservers.get(&port) {
        Some(&(owner, owner_gen)) if (owner, owner_gen) != (s, g) => Err(c.violation(
            Invariant::OnlyOwnerReleases,
            now,
            format!(
                "{} (generation {g}) released port {port}, which {} (generation {owner_gen}) \
                 holds",
                c.name(s),
                c.name(owner)
            ),
        )),
        _ => Ok(()),
    }
}

/// A user stop never fails the run: a service stopped on request is not Failed for it, and a
/// dependent that was not started is not Failed (or Skipped) while the only required
/// dependencies it lacks are ones stopped on request.
pub(super) fn user_stop_never_fails(
    c: &Checker,
    now: Timestamp,
    s: ServiceId,
    to: &ServiceState,
) -> Check {
    if c.run_is_ending() {
        return Ok(());
    }
    if c.views[s].user_stopped {
        return Err(c.violation(
            Invariant::UserStopNeverFails,
            now,
            format!("{} became {to} after it was stopped on request", c.name(s)),
        ));
    }
    let waiting = matches!(
        c.views[s].state,
        ServiceState::Waiting | ServiceState::Pending
    );
    let lacking: Vec<ServiceId> = c
        .requires
        .of(s)
        .iter()
        .copied()
        .filter(|r| !up(&c.views[*r].state))
        .collect();
    if waiting && !lacking.is_empty() && lacking.iter().all(|r| c.views[*r].user_stopped) {
        let names: Vec<&str> = lacking.iter().map(|r| c.name(*r)).collect();
        return Err(c.violation(
            Invariant::UserStopNeverFails,
            now,
            format!(
                "{} became {to} while waiting for {}, stopped on request: it must keep waiting",
                c.name(s),
                names.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A port reported taken is not handed out again while the outsider still holds it, except to
/// the service whose fixed port it is: that is a retry after a backoff, in case the outsider left.
pub(super) fn port_not_outsider(c: &Checker, now: Timestamp, s: ServiceId, port: u16) -> Check {
    let own_fixed = c.facts[s].fixed_port == Some(port);
    if c.told_taken.contains(&port) && c.outsiders.contains(&port) && !own_fixed {
        return Err(c.violation(
            Invariant::PortNotOutsider,
            now,
            format!(
                "port {port} handed to {} although the coordinator was told an outsider holds it \
                 (and it still does)",
                c.name(s)
            ),
        ));
    }
    Ok(())
}

/// A service's fixed port is never handed to another service of the run (every service of the
/// stack is in the simulated run).
pub(super) fn fixed_port_kept(c: &Checker, now: Timestamp, s: ServiceId, port: u16) -> Check {
    if c.facts[s].fixed_port == Some(port) {
        return Ok(());
    }
    if let Some(&owner) = c.fixed_owners.get(&port) {
        return Err(c.violation(
            Invariant::PortExclusive,
            now,
            format!(
                "port {port} handed to {} although it is the fixed port of {}",
                c.name(s),
                c.name(owner)
            ),
        ));
    }
    Ok(())
}

/// A spawned dependent gets `<NAME>_PORT` and `<NAME>_AVAILABLE=1` of each Ready (required or
/// optional) dependency, and `<NAME>_AVAILABLE=0` without `<NAME>_PORT` for a failed one.
pub(super) fn discovery_env(
    c: &Checker,
    now: Timestamp,
    s: ServiceId,
    env: &[(String, String)],
) -> Check {
    for d in c.discovers.of(s) {
        let view = &c.views[*d];
        let get = |suffix: &str| {
            let found = env.iter().find(|(k, _)| is_env_key(k, c.name(*d), suffix));
            found.map(|(_, v)| v.as_str())
        };
        // The variable names, spelled out only for a message.
        let port_key = || format!("{}_PORT", env_name(c.name(*d)));
        let available_key = || format!("{}_AVAILABLE", env_name(c.name(*d)));
        let wrong = |what: String| {
            Err(c.violation(
                Invariant::DiscoveryEnv,
                now,
                format!("{} spawned with {what}", c.name(s)),
            ))
        };
        match &view.state {
            ServiceState::Ready if view.live > 0 => {
                if let Some(port) = view.reserved
                    && !get("_PORT").is_some_and(|v| is_decimal(v, port))
                {
                    return wrong(format!(
                        "{}={} but {} is Ready on port {port}",
                        port_key(),
                        get("_PORT").unwrap_or("<missing>"),
                        c.name(*d)
                    ));
                }
                if get("_AVAILABLE") == Some("0") {
                    let key = available_key();
                    return wrong(format!("{key}=0 but {} is Ready", c.name(*d)));
                }
            }
            ServiceState::Failed(_) | ServiceState::Skipped(_)
                if get("_AVAILABLE") == Some("1") || get("_PORT").is_some() =>
            {
                return wrong(format!(
                    "{}={} {}={} but {} is {}",
                    available_key(),
                    get("_AVAILABLE").unwrap_or("<missing>"),
                    port_key(),
                    get("_PORT").unwrap_or("<missing>"),
                    c.name(*d),
                    view.state
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The `<NAME>_PORT` values of a spawn's environment, per discovered dependency.
pub(super) fn env_dependency_ports(
    c: &Checker,
    s: ServiceId,
    env: &[(String, String)],
) -> Vec<(ServiceId, u16)> {
    c.discovers
        .of(s)
        .iter()
        .filter_map(|d| {
            let (_, v) = env
                .iter()
                .find(|(k, _)| is_env_key(k, c.name(*d), "_PORT"))?;
            Some((*d, v.parse().ok()?))
        })
        .collect()
}

/// Every dependent that held an old address of a dependency Ready elsewhere was restarted in
/// the step that made the dependency Ready (checked when the next input comes).
pub(super) fn dependents_follow_moves(c: &Checker, now: Timestamp) -> Check {
    match c.stale.first() {
        Some(&(s, g, d)) => Err(c.violation(
            Invariant::DependentsFollowMoves,
            now,
            format!(
                "{} (generation {g}) keeps running with an old address of {}, which is Ready on \
                 port {}",
                c.name(s),
                c.name(d),
                c.views[d]
                    .reserved
                    .map_or("?".to_string(), |p| p.to_string())
            ),
        )),
        None => Ok(()),
    }
}

/// Whether `key` is `<NAME><suffix>` for the service `name` (the core's prefix rule, one
/// character each), compared in place rather than spelled out.
fn is_env_key(key: &str, name: &str, suffix: &str) -> bool {
    let Some(prefix) = key.strip_suffix(suffix) else {
        return false;
    };
    let mut chars = prefix.chars();
    name.chars()
        .all(|c| chars.next() == Some(env_prefix_char(c)))
        && chars.next().is_none()
}

/// Whether `text` is `port` written in decimal (as `port.to_string()` would, without allocating).
fn is_decimal(text: &str, port: u16) -> bool {
    let canonical = text == "0" || !text.starts_with('0');
    canonical && text.bytes().all(|b| b.is_ascii_digit()) && text.parse() == Ok(port)
}

/// Liveness is probed only for a generation that reached Ready.
pub(super) fn liveness_after_ready(
    c: &Checker,
    now: Timestamp,
    s: ServiceId,
    g: Generation,
) -> Check {
    if c.views[s].ready_gen != Some(g) {
        return Err(c.violation(
            Invariant::LivenessAfterReady,
            now,
            format!(
                "liveness probe of {} (generation {g}) while that generation was never Ready \
                 (state {})",
                c.name(s),
                c.views[s].state
            ),
        ));
    }
    Ok(())
}

/// Ready only after the readiness of the current generation was proven by its own live process
/// (or, without a readiness probe, after it ran `min_uptime`).
pub(super) fn ready_proven(c: &Checker, now: Timestamp, s: ServiceId) -> Check {
    let view = &c.views[s];
    let g = view.generation;
    let fail = |why: String| {
        Err(c.violation(
            Invariant::ReadyProven,
            now,
            format!("{} (generation {g}) became Ready {why}", c.name(s)),
        ))
    };
    let Some(live) = c.live.get(&(s, g)) else {
        return fail("but its process is not running".to_string());
    };
    match c.facts[s].ready_threshold {
        Some(threshold) if view.proven != Some(g) => fail(format!(
            "without {threshold} successful readiness probe(s) of this generation answered by \
             its own process ({} so far)",
            view.successes
        )),
        Some(_) => Ok(()),
        None => {
            let ran = now.millis_since(live.spawned_at);
            if ran < c.facts[s].min_uptime_ms {
                fail(format!(
                    "after running {ran} ms, less than its min_uptime of {} ms",
                    c.facts[s].min_uptime_ms
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// Completed only after the current generation exited 0.
pub(super) fn completed_proven(c: &Checker, now: Timestamp, s: ServiceId) -> Check {
    let view = &c.views[s];
    if view.last_exit != Some((view.generation, ExitStatus::Code(0))) {
        return Err(c.violation(
            Invariant::ReadyProven,
            now,
            format!(
                "{} (generation {}) became Completed without exiting 0 (last exit {:?})",
                c.name(s),
                view.generation,
                view.last_exit
            ),
        ));
    }
    Ok(())
}

/// A service that was never started fails (or is skipped) only because a required dependency is
/// not up, or because the run is ending; never because of an optional or soft dependency.
pub(super) fn optional_failure_contained(
    c: &Checker,
    now: Timestamp,
    s: ServiceId,
    to: &ServiceState,
) -> Check {
    if c.views[s].spawned || c.run_is_ending() {
        return Ok(());
    }
    if c.requires.of(s).iter().any(|r| !up(&c.views[*r].state)) {
        return Ok(());
    }
    let required: Vec<String> = c
        .requires
        .of(s)
        .iter()
        .map(|r| format!("{} {}", c.name(*r), c.views[*r].state))
        .collect();
    Err(c.violation(
        Invariant::OptionalFailureContained,
        now,
        format!(
            "{} became {to} before it was started although every required dependency is up \
             ({}): an optional or soft dependency must not fail it",
            c.name(s),
            if required.is_empty() {
                "it has none".to_string()
            } else {
                required.join(", ")
            }
        ),
    ))
}

/// In a shutdown (or a failed run) a service is stopped only when no dependent has a live process
/// (a forced shutdown kills everything at once).
pub(super) fn stops_dependents_first(c: &Checker, now: Timestamp, s: ServiceId) -> Check {
    if !c.run_is_ending() || c.forced {
        return Ok(());
    }
    for d in c.dependents.of(s) {
        if c.views[*d].live > 0 {
            return Err(c.violation(
                Invariant::StopsDependentsFirst,
                now,
                format!(
                    "{} sent its stop signal while its dependent {} ({}) still has a live process",
                    c.name(s),
                    c.name(*d),
                    c.views[*d].state
                ),
            ));
        }
    }
    Ok(())
}

/// Each transition leaves the state the previous one entered.
pub(super) fn transitions_chain(c: &Checker, now: Timestamp, t: &coord_core::Transition) -> Check {
    let current = &c.views[t.service].state;
    if t.from != *current {
        return Err(c.violation(
            Invariant::TransitionsChain,
            now,
            format!(
                "{} transition {} -> {} but it was {current}",
                c.name(t.service),
                t.from,
                t.to
            ),
        ));
    }
    Ok(())
}

/// Never more than `max_parallel_starts` services Starting.
pub(super) fn max_parallel_starts(c: &Checker, now: Timestamp) -> Check {
    if c.starting > c.max_parallel {
        let starting: Vec<&str> = ServiceId::all(c.views.len())
            .filter(|id| c.views[*id].state == ServiceState::Starting)
            .map(|id| c.name(id))
            .collect();
        return Err(c.violation(
            Invariant::MaxParallelStarts,
            now,
            format!(
                "{} services Starting at once (max_parallel_starts = {}): {}",
                c.starting,
                c.max_parallel,
                starting.join(", ")
            ),
        ));
    }
    Ok(())
}

/// `StartupFinished` is emitted once.
pub(super) fn startup_finished_once(c: &Checker, now: Timestamp) -> Check {
    if c.startup_finished > 1 {
        return Err(c.violation(
            Invariant::RunOutcome,
            now,
            format!("StartupFinished emitted {} times", c.startup_finished),
        ));
    }
    Ok(())
}

/// The outcome is Failed exactly when a non-optional service failed, and it comes only once
/// every process has ended.
pub(super) fn run_outcome(c: &Checker, now: Timestamp, outcome: &RunOutcome) -> Check {
    match (&c.run_failed, outcome) {
        (Some(name), RunOutcome::Stopped | RunOutcome::Interrupted | RunOutcome::Completed) => {
            return Err(c.violation(
                Invariant::RunOutcome,
                now,
                format!("the non-optional service {name} failed but the run ended {outcome:?}"),
            ));
        }
        (None, RunOutcome::Failed(why)) => {
            return Err(c.violation(
                Invariant::RunOutcome,
                now,
                format!("the run ended Failed({why}) but no non-optional service failed"),
            ));
        }
        _ => {}
    }
    if let Some(((s, g), _)) = c.live.first_key_value() {
        return Err(c.violation(
            Invariant::ShutdownLeavesNothing,
            now,
            format!(
                "Finished while {} (generation {g}) still has a live process",
                c.name(s)
            ),
        ));
    }
    Ok(())
}

/// Nothing left to happen while the run is not finished: a deadlock.
pub(super) fn no_deadlock(c: &Checker, now: Timestamp) -> Check {
    if let Some((_, s, g)) = c.stop_deadlines.first() {
        return Err(c.violation(
            Invariant::StopCompletes,
            now,
            format!(
                "{} (generation {g}) got its stop signal and nothing is left to happen: \
                 it will never exit and no SIGKILL will come",
                c.name(*s)
            ),
        ));
    }
    if c.finished.is_none() {
        let states: Vec<String> = ServiceId::all(c.views.len())
            .map(|id| format!("{} {}", c.name(id), c.views[id].state))
            .collect();
        return Err(c.violation(
            Invariant::Converges,
            now,
            format!(
                "deadlock: no event and no timer left but the run is not finished ({})",
                states.join(", ")
            ),
        ));
    }
    Ok(())
}

/// After the run: Finished was emitted and nothing is alive, bound, reserved or reported.
pub(super) fn leaves_nothing(c: &Checker, now: Timestamp, end: &EndState) -> Check {
    let fail = |what: String| Err(c.violation(Invariant::ShutdownLeavesNothing, now, what));
    if c.finished.is_none() {
        return fail("the run ended without Finished".to_string());
    }
    if let Some((s, g)) = end.live_processes.first() {
        return fail(format!(
            "{} (generation {g}) still has a live process",
            c.name(*s)
        ));
    }
    if let Some(((s, g), _)) = c.live.first_key_value() {
        return fail(format!(
            "{} (generation {g}) was spawned and never reported Exited",
            c.name(s)
        ));
    }
    if let Some((port, s)) = end.held_reservations.first() {
        return fail(format!(
            "the reservation of port {port} by {} was never released",
            c.name(*s)
        ));
    }
    if let Some(port) = end.bound_ports.first() {
        return fail(format!("port {port} is still bound by a service's process"));
    }
    if let Some(s) = end.status_with_pid.first() {
        return fail(format!("the status still reports a pid for {}", c.name(*s)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_env_key_matches_the_upper_snake_name() {
        use super::{env_name, is_env_key};
        assert!(is_env_key("AUTH_DB_PORT", "auth-db", "_PORT"));
        assert!(is_env_key("MY_DB_2_AVAILABLE", "my_db-2", "_AVAILABLE"));
        assert!(!is_env_key("AUTH_DB_PORT", "auth", "_PORT"));
        assert!(!is_env_key("AUTH_PORT", "auth-db", "_PORT"));
        assert!(!is_env_key("AUTH_DB_URL", "auth-db", "_PORT"));
        assert!(!is_env_key("auth_db_PORT", "auth-db", "_PORT"));
        for name in ["redis", "auth-db", "a1", "my_db-2"] {
            let key = format!("{}_PORT", env_name(name));
            assert!(is_env_key(&key, name, "_PORT"), "{key}");
        }
    }

    #[test]
    fn is_decimal_accepts_only_the_plain_spelling() {
        assert!(super::is_decimal("5432", 5432));
        assert!(super::is_decimal("0", 0));
        assert!(!super::is_decimal("05432", 5432));
        assert!(!super::is_decimal("+5432", 5432));
        assert!(!super::is_decimal("5433", 5432));
        assert!(!super::is_decimal("", 0));
        assert!(!super::is_decimal("99999", 34463), "no wrap-around");
    }
}
