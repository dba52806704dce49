//! Seeds on which the coordinator broke an invariant, kept as named tests. Fixed bugs stay as
//! ordinary tests (they guard the fix); open ones are ignored so they stay visible
//! (`cargo test -p coord-tests --test sim_regressions -- --ignored`). A seed reproduces a bug only
//! for a given version of the simulator (its fault kinds and draws) and of the coordinator: if
//! either changes, find the seed again with `sim --seeds` and update it here.

mod sim_common;

use coord_sim::report;
use coord_sim::sweep::run_seed;
use sim_common::fixture;

fn assert_seed_holds(name: &str, seed: u64) {
    let stack = fixture(name);
    let run = run_seed(&stack, seed, true);
    assert!(
        run.violation.is_none(),
        "{}",
        report::failure(&run, &stack, &format!("fixtures/{name}"))
    );
}

// Fixed (core 4c031f3): a failure cascade stopped a dependency before its dependents.

/// database (required) is killed after Ready, the run fails, and the coordinator stopped auth
/// ("dependency database failed") while backend, which depends on auth, still ran.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 5 --stack fixtures/netra.toml`
#[test]
fn netra_seed_5_failed_run_stops_backend_before_auth() {
    assert_seed_holds("netra.toml", 5);
}

/// The same on the demo stack: database fails after Ready; api must wait for web.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 5 --stack fixtures/demo.toml`
#[test]
fn demo_seed_5_failed_run_stops_web_before_api() {
    assert_seed_holds("demo.toml", 5);
}

// Fixed (core 0c580df): a `PortTaken` for a spawn that never ran was ignored unless the service
// was Starting, so a Stopping or Restarting service waited forever for an exit.

/// The run fails in the millisecond auth's spawn is answered `PortTaken`; auth was Stopping and
/// the run never finished.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 108939 --stack fixtures/netra.toml`
#[test]
fn netra_seed_108939_port_taken_while_stopping_finishes() {
    assert_seed_holds("netra.toml", 108939);
}

/// The operator restarts redis right after its spawn, which is then answered `PortTaken`; redis
/// stayed Restarting, then Stopping, forever.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 12199 --stack fixtures/netra.toml`
#[test]
fn netra_seed_12199_port_taken_while_restarting_finishes() {
    assert_seed_holds("netra.toml", 12199);
}

// Fixed: a failed run stopped a dependency before its optional dependents.

/// database fails after Ready and the run fails. The coordinator stops api ("dependency database
/// failed") at once while worker, which depends on api optionally, still runs. A failed run stops
/// everything in reverse dependency order (DESIGN §5), optional edges included.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 135 --stack fixtures/demo.toml`
#[test]
fn demo_seed_135_failed_run_stops_api_before_optional_dependent() {
    assert_seed_holds("demo.toml", 135);
}

/// The run fails (database killed) while auth's new attempt is Starting; its process then cannot
/// bind and the driver answers `PortTaken`. The coordinator restarts auth (SIGTERM) in the middle
/// of the failed run although backend, which depends on auth, still runs.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 66870 --stack fixtures/netra.toml`
#[test]
fn netra_seed_66870_failed_attempt_during_failed_run_stops_auth_first() {
    assert_seed_holds("netra.toml", 66870);
}

// Fixed: the run failed on account of a service that never became Failed.

/// redis (optional for the run, required by backend) crashes after Ready. The coordinator
/// decides backend fails ("dependency redis failed"), starts stopping frontend, and ends the run
/// Failed(backend failed...), but backend never gets a transition to Failed: it stays Ready, and
/// when it exits on its own it becomes Stopped. The transitions and the outcome disagree.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 15454 --stack fixtures/netra.toml`
#[test]
fn netra_seed_15454_run_fails_for_a_service_never_failed() {
    assert_seed_holds("netra.toml", 15454);
}

// Fixed: a `PortTaken` of a process that did run was ignored outside Starting.

/// The operator restarts database (which ignores SIGTERM) while it is Starting; an outsider steals
/// 8000 and the driver answers `PortTaken` for that generation. database is Restarting, so the
/// `PortTaken` is ignored, and the next generation is handed 8000 again while the outsider still
/// holds it.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 16527 --stack fixtures/demo.toml`
#[test]
fn demo_seed_16527_port_taken_while_restarting_is_forgotten() {
    assert_seed_holds("demo.toml", 16527);
}

// Fixed: the immediate re-spawn after `PortTaken` skipped the dependency check.

/// web is spawned on 3000, the operator restarts api (web's required dependency), then web's spawn
/// is answered `PortTaken`. The coordinator re-spawns web at once on 3001, with
/// `API_AVAILABLE=0`, although api is required and Restarting.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 66439 --stack fixtures/demo.toml`
#[test]
fn demo_seed_66439_port_taken_retry_spawns_without_required_dependency() {
    assert_seed_holds("demo.toml", 66439);
}

// Fixed: a service doomed by a failure cascade no longer makes others fail while it reads Ready
// (a doomed dependency now counts as not ready; its waiting dependents fail when it does).

/// On the random stack of seed 549 (`sim --seed 549 --random-stack` prints it), s6 is killed after
/// Ready. s8 requires s6, so the coordinator decides s8 goes down too, and at once fails s9
/// ("dependency s8 failed"), which requires s8 and had not started, while s8 still reads Ready:
/// no transition of s8 comes first. The record says s9 failed although its only required
/// dependency is up. (netra seed 15454 above is the same gap seen from the run's outcome.)
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 549 --random-stack`
#[test]
fn random_stack_seed_549_dependent_fails_for_a_service_still_ready() {
    let stack = coord_sim::stacks::random_small(549);
    let run = run_seed(&stack, 549, true);
    assert!(
        run.violation.is_none(),
        "{}",
        report::failure(&run, &stack, report::RANDOM_STACK)
    );
}

/// On the random stack of seed 668, optional s1 fails after Ready: s2 (requires s1, running) is
/// doomed and s9 (required, waiting on s1) fails, which fails the run, in the same event. The
/// doomed s2 was stopped at once while its dependent s3 still ran; doomed services are now
/// stopped only after the whole event has propagated, so the failed run orders the stops.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 668 --random-stack`
#[test]
fn random_stack_seed_668_doomed_stop_waits_for_the_run_failure_in_the_same_event() {
    let stack = coord_sim::stacks::random_small(668);
    let run = run_seed(&stack, 668, true);
    assert!(
        run.violation.is_none(),
        "{}",
        report::failure(&run, &stack, report::RANDOM_STACK)
    );
}

// Fixed (decides-audit): a fixed port reported taken after the spawn was retried after the
// ordinary backoff (100 ms), although the README promises a backoff from 1 s for any fixed port
// held outside the run.

/// On the random stack of seed 116, s0 has the fixed port 10010; an outsider grabs it before s0
/// binds, and the driver reports it taken after the spawn. s0 was retried 104 ms later
/// (`fixed_port_backs_off` broken); it now waits about a second.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 116 --random-stack`
#[test]
fn random_stack_seed_116_fixed_port_taken_after_the_spawn_backs_off_from_a_second() {
    let stack = coord_sim::stacks::random_small(116);
    let run = run_seed(&stack, 116, true);
    let text = report::failure(&run, &stack, report::RANDOM_STACK);
    assert!(run.violation.is_none(), "{text}");
}

// Fixed (core-rules): backoff doubling and jitter overflowed `Duration` and panicked.

/// netra with `restart = { policy = "always", backoff = "300000000000y", backoff_max =
/// "300000000000y" }` on every service (a file `coord check` accepted): seed 13 panicked in the
/// backoff doubling. Built in code, since the parser now bounds durations.
/// Replay: the same stack in a file, `sim --seed 13 --stack that.toml`.
#[test]
fn netra_seed_13_huge_backoffs_do_not_panic() {
    use coord_core::stack::RestartPolicy;
    let mut stack = fixture("netra.toml");
    let huge = std::time::Duration::from_secs(300_000_000_000 * 365 * 24 * 3600);
    for s in &mut stack.services {
        s.restart.policy = RestartPolicy::Always;
        s.restart.backoff_initial = huge;
        s.restart.backoff_max = huge;
    }
    let run = run_seed(&stack, 13, true);
    let text = report::full(&run, &stack, "netra-huge-backoff.toml");
    assert!(
        run.violation.is_none() && text.contains("> finished"),
        "{text}"
    );
}

// Fixed: a user stop failed the run. `stop database` while auth (requires database) waited made
// auth fail "dependency database was stopped"; now auth keeps waiting until `restart database`.
// The same seed loses probe answers (the core's probe deadline gives up on them).

/// database is stopped on request 23 ms in, while auth waits for it; auth waits (through its
/// dependency timeout) until the operator restarts database, then starts.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 32 --stack fixtures/netra.toml`
#[test]
fn netra_seed_32_user_stop_keeps_the_waiting_dependent_waiting() {
    assert_seed_holds("netra.toml", 32);
    let run = run_seed(&fixture("netra.toml"), 32, true);
    let text = run.trace.lines().join("\n");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in the trace:\n{text}"))
    };
    let stopped = at("database     > state     stopping -> stopped (stopped on request)");
    let restarted = at("database     restart");
    let auth_starts = at("auth         > state     waiting -> starting");
    assert!(stopped < restarted && restarted < auth_starts, "{text}");
    assert!(!text.contains("dependency database was stopped"), "{text}");
    assert!(text.contains("lost        g1 probe answer"), "{text}");
}

// Fixed: a dependency that moved left its dependents stale. redis restarts and must move (its
// old port is taken); auth and backend, which were given redis's old port, are restarted.

/// redis comes back on another port: auth and backend restart, saying why, and the invariant
/// dependents_follow_moves holds.
/// Replay: `cargo run -p coord-sim --bin sim -- --seed 387 --stack fixtures/netra.toml`
#[test]
fn netra_seed_387_a_moved_dependency_restarts_its_dependents() {
    assert_seed_holds("netra.toml", 387);
    let run = run_seed(&fixture("netra.toml"), 387, true);
    let text = run.trace.lines().join("\n");
    assert!(
        text.contains(
            "auth         > state     ready -> restarting (dependency redis moved from port"
        ),
        "{text}"
    );
}
