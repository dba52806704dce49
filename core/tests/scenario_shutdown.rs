//! Graceful degradation and run failure, ordered shutdown (dependents first, SIGKILL after
//! grace), forced shutdown, the startup summary and critical path, determinism.

mod common;

use common::Harness;
use coord_core::stack::StopSignal;
use coord_core::{Action, Input, Options, RunOutcome, ServiceState};

const NETRA: &str = include_str!("../../fixtures/netra.toml");

fn stop_order(h: &Harness) -> Vec<String> {
    h.log
        .iter()
        .filter_map(|l| match &l.command {
            Action::Signal {
                service, signal, ..
            } if *signal != StopSignal::Kill => Some(h.c.stack().services[*service].name.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn netra_comes_up_in_order_with_a_critical_path() {
    let mut h = Harness::new(NETRA);
    for (name, ready) in [
        ("database", 400),
        ("redis", 100),
        ("auth", 300),
        ("backend", 500),
        ("frontend", 200),
    ] {
        h.script(name).ready_after = Some(ready);
    }
    h.start(&[]);
    h.run_until(60_000);
    let summary = h
        .log
        .iter()
        .find_map(|l| match &l.command {
            Action::StartupFinished(s) => Some(s.clone()),
            _ => None,
        })
        .expect("startup finished");
    assert_eq!((summary.ready, summary.selected), (5, 5));
    assert_eq!(
        summary.critical_path,
        vec!["database", "auth", "backend", "frontend"]
    );
    assert_eq!(summary.total_ms, 400 + 300 + 500 + 200);
    assert!(
        summary.to_string().starts_with(
            "5/5 ready in 1.40 s (critical path database > auth > backend > frontend)"
        )
    );
    let status = h.c.status(coord_core::Timestamp(h.now));
    let backend = status
        .services
        .iter()
        .find(|s| s.name == "backend")
        .expect("backend");
    assert_eq!(backend.waited_ms, Some(700));
    assert_eq!(backend.spawn_to_ready_ms, Some(500));
    assert_eq!(backend.ready_at_ms, Some(1_200));
}

#[test]
fn ordered_shutdown_stops_dependents_first_and_kills_after_grace() {
    let mut h = Harness::new(NETRA);
    h.script("auth").ignore_term = true;
    h.start(&[]);
    h.run_until(60_000);
    let t0 = h.now;
    h.input(Input::Shutdown);
    h.run_until(t0 + 60_000);
    assert_eq!(
        stop_order(&h),
        vec!["frontend", "backend", "auth", "database", "redis"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
        "reverse startup order; auth holds back database and redis until killed"
    );
    let auth_signals = h.signals("auth");
    assert_eq!(auth_signals.len(), 2);
    assert_eq!(auth_signals[1].1, StopSignal::Kill);
    assert_eq!(
        auth_signals[1].0 - auth_signals[0].0,
        10_000,
        "default 10 s grace"
    );
    let db_stop = h.signals("database")[0].0;
    assert!(
        db_stop >= auth_signals[1].0,
        "database stopped after auth is gone"
    );
    assert_eq!(h.outcome(), Some(RunOutcome::Stopped));
    assert!(!h.anything_after_finished());
    assert!(h.alive.is_empty(), "no process left");
    for name in ["database", "redis", "auth", "backend", "frontend"] {
        assert_eq!(h.state(name), ServiceState::Stopped);
    }
    let released = h
        .log
        .iter()
        .filter(|l| matches!(l.command, Action::ReleasePort { .. }))
        .count();
    assert_eq!(released, 5, "every port released");
}

#[test]
fn a_failed_optional_service_does_not_fail_the_run() {
    let mut h = Harness::new(NETRA);
    h.script("frontend").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    assert!(matches!(h.state("frontend"), ServiceState::Failed(_)));
    assert_eq!(h.state("backend"), ServiceState::Ready);
    assert_eq!(h.outcome(), None);
}

#[test]
fn a_failed_required_service_stops_everything_in_reverse_order() {
    let mut h = Harness::new(NETRA);
    // backend (required) crashes at every attempt; database, redis, auth are up by then.
    h.script("backend").exit_after = Some((10, 1));
    h.start(&[]);
    h.run_until(120_000);
    assert!(matches!(h.state("backend"), ServiceState::Failed(_)));
    assert_eq!(
        h.state("frontend"),
        ServiceState::Failed("dependency backend failed".into())
    );
    assert!(matches!(h.outcome(), Some(RunOutcome::Failed(r)) if r.starts_with("backend failed")));
    assert_eq!(
        stop_order(&h)
            .into_iter()
            .filter(|n| n != "backend")
            .collect::<Vec<_>>(),
        vec!["auth", "database", "redis"]
    );
    assert!(h.alive.is_empty());
}

#[test]
fn force_shutdown_kills_everything_at_once() {
    let mut h = Harness::new(NETRA);
    for name in ["database", "auth"] {
        h.script(name).ignore_term = true;
    }
    h.start(&[]);
    h.run_until(60_000);
    let t0 = h.now;
    h.input(Input::Interrupt);
    h.run_until(t0 + 100);
    h.input(Input::Interrupt);
    h.run_until(t0 + 200);
    assert_eq!(h.outcome(), Some(RunOutcome::Stopped));
    assert!(h.alive.is_empty());
    assert!(h.now - t0 < 10_000, "did not wait for any grace");
}

#[test]
fn shutdown_during_startup_is_an_interruption() {
    let mut h = Harness::new(NETRA);
    h.script("database").ready_after = Some(5_000);
    h.start(&[]);
    h.run_until(1_000);
    h.input(Input::Shutdown);
    h.run_until(30_000);
    assert_eq!(h.outcome(), Some(RunOutcome::Interrupted));
    assert_eq!(
        h.state("backend"),
        ServiceState::Skipped("run shut down before it started".into())
    );
    assert!(h.alive.is_empty());
}

#[test]
fn the_same_seed_gives_the_same_commands() {
    let run = |seed| {
        let mut h = Harness::with_options(
            NETRA,
            Options {
                seed,
                ..Options::default()
            },
        );
        h.script("auth").exit_after = Some((150, 1));
        h.start(&[]);
        h.run_until(60_000);
        format!(
            "{:?}",
            h.log.iter().map(|l| (l.at, &l.command)).collect::<Vec<_>>()
        )
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8), "jitter depends on the seed");
}

/// Found by the simulator (netra and demo, seed 20): a required service crashed after Ready and
/// the cascade stopped its dependents at once, a dependency before its own dependents.
#[test]
fn a_failure_after_ready_stops_the_dependents_dependents_first() {
    let mut h = Harness::new(NETRA);
    h.script("database").exit_after = Some((5_000, 1));
    h.start(&[]);
    h.run_until(120_000);
    assert!(matches!(h.outcome(), Some(RunOutcome::Failed(r)) if r.starts_with("database failed")));
    assert_eq!(stop_order(&h), vec!["frontend", "backend", "auth", "redis"]);
    for name in ["auth", "backend"] {
        assert_eq!(
            h.state(name),
            ServiceState::Failed("dependency database failed".into())
        );
    }
    assert_eq!(
        h.state("frontend"),
        ServiceState::Failed("dependency backend failed".into())
    );
    assert_eq!(h.state("redis"), ServiceState::Stopped);
    assert!(h.alive.is_empty());
}

#[test]
fn an_optional_failure_cascade_stops_doomed_services_in_order_and_the_run_goes_on() {
    let toml = r#"
[coordination]
optional_services = ["cache", "api", "web"]

[services.cache]
command = "c"
port = { range = "development" }

[services.api]
command = "a"
port = { range = "development" }
depends_on = { cache = "required" }

[services.web]
command = "w"
port = { range = "development" }
depends_on = { api = "required" }

[services.other]
command = "o"
port = { range = "development" }
depends_on = { api = "optional" }
"#;
    let mut h = Harness::new(toml);
    h.script("cache").exit_after = Some((2_000, 1));
    h.script("web").ignore_term = true;
    h.start(&[]);
    h.run_until(60_000);
    assert_eq!(stop_order(&h), vec!["web", "api"]);
    let web_kill = h.signals("web")[1];
    assert_eq!(web_kill.1, StopSignal::Kill);
    assert!(
        h.signals("api")[0].0 >= web_kill.0,
        "api waits for web to be gone"
    );
    assert_eq!(
        h.state("api"),
        ServiceState::Failed("dependency cache failed".into())
    );
    assert_eq!(
        h.state("web"),
        ServiceState::Failed("dependency api failed".into())
    );
    assert_eq!(
        h.state("other"),
        ServiceState::Ready,
        "an optional user keeps running"
    );
    assert_eq!(h.outcome(), None, "only optional services failed");
}
