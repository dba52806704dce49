//! A user stop never fails the run: `coord stop slow` while `api` (requires slow) waits leaves
//! `api` waiting, its dependency timeout suspended, until `coord restart slow`.

mod common;

use common::Harness;
use coord_core::{Input, RunOutcome, ServiceState, Timestamp};

const SLOW_API: &str = r#"
[services.slow]
command = "slow"

[services.api]
command = "api"
depends_on = { slow = { kind = "required", timeout = "5s" } }

[services.web]
command = "web"
depends_on = { slow = { kind = "optional", timeout = "5s" } }
"#;

#[test]
fn a_waiting_dependent_keeps_waiting_through_a_user_stop_and_starts_after_the_restart() {
    let mut h = Harness::new(SLOW_API);
    h.script("slow").ready_after = Some(2_000);
    h.start(&[]);
    h.run_until(100);
    assert_eq!(h.state("api"), ServiceState::Waiting);
    let slow = h.id("slow");
    h.input(Input::StopService { service: slow });
    h.run_until(500);
    assert_eq!(h.state("slow"), ServiceState::Stopped);
    // Long past the 5 s dependency timeout: still waiting, the run still on.
    h.run_until(60_000);
    assert_eq!(h.state("api"), ServiceState::Waiting);
    assert_eq!(h.state("web"), ServiceState::Waiting);
    assert_eq!(h.outcome(), None);
    let status = h.c.status(Timestamp(h.now));
    let api = &status.services[h.id("api")];
    assert_eq!(
        api.waiting_for.as_deref(),
        Some("waiting for slow (stopped on request)")
    );
    // Started again: the dependents start once it is ready.
    h.input(Input::RestartService { service: slow });
    h.run_until(70_000);
    assert_eq!(h.state("slow"), ServiceState::Ready);
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.state("web"), ServiceState::Ready);
    h.input(Input::Interrupt);
    h.run_until(80_000);
    assert_eq!(h.outcome(), Some(RunOutcome::Stopped));
}

#[test]
fn the_suspended_timeout_starts_afresh_when_the_dependency_is_started_again() {
    let toml = SLOW_API.replace(
        "command = \"slow\"",
        "command = \"slow\"\nready = { exec = \"check\" }",
    );
    let mut h = Harness::new(&toml);
    h.script("slow").ready_after = None;
    h.start(&[]);
    h.run_until(100);
    let slow = h.id("slow");
    h.input(Input::StopService { service: slow });
    h.run_until(20_000);
    h.input(Input::RestartService { service: slow });
    // slow never becomes ready again: api fails 5 s after the restart, not at once.
    h.run_until(24_900);
    assert_eq!(h.state("api"), ServiceState::Waiting);
    h.run_until(25_200);
    assert_eq!(
        h.state("api"),
        ServiceState::Failed("dependency slow not ready within 5s".into())
    );
}

#[test]
fn a_stop_before_the_dependency_ever_spawned_keeps_dependents_waiting_too() {
    let toml = r#"
[coordination]
max_parallel_starts = 1

[services.first]
command = "first"

[services.slow]
command = "slow"
depends_on = { first = "required" }

[services.api]
command = "api"
depends_on = { slow = "required" }
"#;
    let mut h = Harness::new(toml);
    h.script("first").ready_after = Some(1_000);
    h.start(&[]);
    h.run_until(10);
    let slow = h.id("slow");
    h.input(Input::StopService { service: slow });
    h.run_until(120_000);
    assert_eq!(h.state("slow"), ServiceState::Stopped);
    assert_eq!(h.state("api"), ServiceState::Waiting);
    assert_eq!(h.outcome(), None, "the run did not fail");
}
