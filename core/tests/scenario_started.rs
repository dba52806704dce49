//! The `started` dependency kind (process-compose's `process_started`): the dependent waits for
//! the dependency's process to run, not for its readiness; a dependency that never runs (a final
//! failure, or the edge's timeout) lets it start anyway, and nothing the dependency does later
//! reaches it.

mod common;

use common::Harness;
use coord_core::{Action, Input, ServiceState, Timestamp};

/// `app` started-depends on `agent`; both optional for the run so that a failure of `agent`
/// alone leaves the run going.
const STACK: &str = r#"
[coordination]
optional_services = ["agent"]

[services.agent]
command = "agent"
port = { range = "development" }

[services.app]
command = "app"
depends_on = { agent = { kind = "started", timeout = "5s" } }
"#;

/// The spawns the coordinator asked for so far, by service name, in order.
fn spawned(h: &mut Harness) -> Vec<String> {
    let mut names = Vec::new();
    while let Some(command) = h.c.poll_command() {
        if let Action::Spawn { service, .. } = command {
            names.push(h.c.stack().services[service].name.clone());
        }
    }
    names
}

#[test]
fn the_dependent_spawns_once_the_dependency_runs_not_when_it_is_ready() {
    let mut h = Harness::new(STACK);
    h.script("agent").ready_after = None; // never ready (readiness timeout 90 s)
    h.start(&[]);
    h.run_until(1_000);
    let agent_spawn = h.spawns("agent")[0].0;
    let app_spawn = h.spawns("app").first().map(|s| s.0);
    assert_eq!(app_spawn, Some(agent_spawn), "no wait for the readiness");
    assert_eq!(h.state("agent"), ServiceState::Starting);
    assert_eq!(h.state("app"), ServiceState::Ready);
    assert_eq!(h.first("agent", "ready"), None);
}

#[test]
fn the_spawn_request_alone_is_not_enough_the_process_must_run() {
    let mut h = Harness::new(STACK);
    let (agent, app) = (h.id("agent"), h.id("app"));
    h.c.handle_input(
        Timestamp(0),
        Input::Start {
            services: Vec::new(),
        },
    );
    assert_eq!(spawned(&mut h), ["agent"], "app waits for agent's process");
    assert_eq!(*h.c.state(app), ServiceState::Waiting);
    h.c.handle_input(
        Timestamp(3),
        Input::Spawned {
            service: agent,
            generation: 1,
            pid: 42,
        },
    );
    assert_eq!(spawned(&mut h), ["app"], "agent runs: app goes");
}

#[test]
fn a_dependency_that_never_runs_lets_the_dependent_start_at_its_final_failure() {
    let mut h = Harness::new(STACK);
    h.script("agent").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    assert!(matches!(h.state("agent"), ServiceState::Failed(_)));
    let failed = h.first("agent", "failed").expect("agent failed");
    let app_spawn = h.spawns("app")[0].0;
    assert!(
        app_spawn >= failed,
        "app spawned at {app_spawn}, before agent's final failure at {failed}"
    );
    assert_eq!(h.state("app"), ServiceState::Ready, "not failed by it");
    assert_eq!(
        h.outcome(),
        None,
        "the run goes on: a started edge does not make agent required for the run"
    );
}

#[test]
fn a_dependency_that_does_not_run_within_the_timeout_lets_the_dependent_start() {
    // agent waits (required) for db, which never gets ready: agent never spawns.
    let toml = r#"
[coordination]
optional_services = ["agent", "db"]

[services.db]
command = "db"
port = { range = "development" }

[services.agent]
command = "agent"
depends_on = { db = { kind = "required", timeout = "60s" } }

[services.app]
command = "app"
depends_on = { agent = { kind = "started", timeout = "5s" } }
"#;
    let mut h = Harness::new(toml);
    h.script("db").ready_after = None;
    h.start(&[]);
    h.run_until(20_000);
    assert!(h.spawns("agent").is_empty());
    assert_eq!(
        h.spawns("app")[0].0,
        5_000,
        "the started edge's own timeout"
    );
    assert_eq!(h.state("app"), ServiceState::Ready);
}

#[test]
fn a_later_failure_of_the_dependency_never_reaches_the_running_dependent() {
    // Restart policy "no" (the default): agent's crash after ready is final.
    let mut h = Harness::new(STACK);
    h.script("agent").exit_after = Some((2_000, 1));
    h.start(&[]);
    h.run_until(30_000);
    assert!(matches!(h.state("agent"), ServiceState::Failed(_)));
    assert_eq!(h.state("app"), ServiceState::Ready);
    assert_eq!(
        h.spawns("app").len(),
        1,
        "app was neither stopped nor restarted"
    );
    assert!(h.signals("app").is_empty());
}

#[test]
fn a_started_dependency_is_pulled_into_the_run() {
    let mut h = Harness::new(STACK);
    h.start(&["app"]);
    h.run_until(1_000);
    assert_eq!(h.spawns("agent").len(), 1);
    assert_eq!(h.state("agent"), ServiceState::Ready);
    assert_eq!(h.state("app"), ServiceState::Ready);
}
