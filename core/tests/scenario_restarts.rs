//! Restart policy after Ready: crash loops back off doubling to the cap, stop at max_restarts,
//! the backoff resets after the service stayed up; user stop and restart.

mod common;

use common::Harness;
use coord_core::{Input, ServiceState};

const CRASHY: &str = r#"
[services.worker]
command = "w"
restart = { policy = "always", max_restarts = 6, window = "10m", backoff = "100ms", backoff_max = "1s" }
min_uptime = "10ms"
"#;

#[test]
fn crash_loop_backoff_doubles_to_the_cap_and_stops_at_max_restarts() {
    let mut h = Harness::new(CRASHY);
    h.script("worker").exit_after = Some((20, 1));
    h.start(&[]);
    h.run_until(60_000);
    let spawns: Vec<u64> = h.spawns("worker").iter().map(|s| s.0).collect();
    assert_eq!(spawns.len(), 7, "first start + max_restarts 6");
    // Each process lives 20 ms; the gap after each exit is the backoff.
    let gaps: Vec<u64> = spawns.windows(2).map(|w| w[1] - w[0] - 20).collect();
    let bases = [100, 200, 400, 800, 1_000, 1_000];
    for (gap, base) in gaps.iter().zip(bases) {
        assert!(
            (base..=base + base / 10).contains(gap),
            "gap {gap} for base {base}: {gaps:?}"
        );
    }
    assert!(
        matches!(h.state("worker"), ServiceState::Failed(r) if r.contains("gave up after 6 restarts")),
        "{:?}",
        h.state("worker")
    );
    let status = h.c.status(coord_core::Timestamp(h.now));
    assert_eq!(status.services[0].restarts, 6);
}

#[test]
fn backoff_resets_after_the_service_stayed_up() {
    let toml = CRASHY.replace(
        "backoff_max = \"1s\"",
        "backoff_max = \"1s\", backoff_reset = \"5s\"",
    );
    let mut h = Harness::new(&toml);
    h.script("worker").exit_after = Some((20, 1));
    h.script("worker")
        .exit_after_by_gen
        .insert(4, Some((8_000, 1)));
    h.start(&[]);
    h.run_until(60_000);
    let spawns: Vec<u64> = h.spawns("worker").iter().map(|s| s.0).collect();
    // Generation 4 stayed up 8 s (> 5 s reset): the gap after it is the initial 100 ms again.
    let gap = spawns[4] - spawns[3] - 8_000;
    assert!((100..=110).contains(&gap), "backoff reset: {gap}");
}

#[test]
fn on_failure_does_not_restart_a_clean_exit() {
    let toml = CRASHY.replace("\"always\"", "\"on-failure\"");
    let mut h = Harness::new(&toml);
    h.script("worker").exit_after = Some((50, 0));
    h.start(&[]);
    h.run_until(5_000);
    assert_eq!(h.spawns("worker").len(), 1);
    assert_eq!(h.state("worker"), ServiceState::Stopped);
}

#[test]
fn policy_no_fails_on_a_crash_after_ready() {
    let toml = CRASHY.replace("\"always\"", "\"no\"");
    let mut h = Harness::new(&toml);
    h.script("worker").exit_after = Some((50, 3));
    h.start(&[]);
    h.run_until(5_000);
    assert_eq!(h.spawns("worker").len(), 1);
    assert_eq!(
        h.state("worker"),
        ServiceState::Failed("exited with code 3".into())
    );
}

const PAIR: &str = r#"
[services.db]
command = "db"
port = { range = "development" }

[services.api]
command = "api"
port = { range = "development" }
depends_on = { db = "required" }
"#;

#[test]
fn user_stop_stops_one_service_and_leaves_dependents_running() {
    let mut h = Harness::new(PAIR);
    h.start(&[]);
    h.run_until(1_000);
    let db = h.id("db");
    h.input(Input::StopService { service: db });
    h.run_until(2_000);
    assert_eq!(h.state("db"), ServiceState::Stopped);
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.outcome(), None);
}

#[test]
fn user_restart_starts_again_with_fresh_attempts() {
    let mut h = Harness::new(PAIR);
    h.start(&[]);
    h.run_until(1_000);
    let db = h.id("db");
    h.input(Input::StopService { service: db });
    h.run_until(1_500);
    h.input(Input::RestartService { service: db });
    h.run_until(3_000);
    assert_eq!(h.state("db"), ServiceState::Ready);
    assert_eq!(h.spawns("db").len(), 2);
    let status = h.c.status(coord_core::Timestamp(h.now));
    assert_eq!(status.services[db].attempts, 1);
}
