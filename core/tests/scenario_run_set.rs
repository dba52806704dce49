//! Which services fail the run when they fail: decided once, when the run starts. The required
//! set is closed over required edges, `required_services` (when it lists names) says which
//! services are required, and a run of tasks only ends once every task has ended.

mod common;

use common::Harness;
use coord_core::{RunOutcome, ServiceState, Timestamp};

const OPTIONAL_BUT_REQUIRED: &str = r#"
[coordination]
optional_services = ["cache", "metrics"]

[services.cache]
command = "c"
port = { range = "development" }

[services.metrics]
command = "m"

[services.api]
command = "a"
depends_on = { cache = "required", metrics = "optional" }
"#;

#[test]
fn an_optional_service_required_by_a_required_one_is_required_for_the_run() {
    let mut h = Harness::new(OPTIONAL_BUT_REQUIRED);
    h.script("cache").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    let status = h.c.status(Timestamp(h.now));
    let required: Vec<(&str, bool)> = status
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.required))
        .collect();
    assert_eq!(
        required,
        [("cache", true), ("metrics", false), ("api", true)]
    );
    // The run fails because of cache, a service required for the run, named as such.
    match h.outcome() {
        Some(RunOutcome::Failed(why)) => assert!(why.starts_with("cache failed"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_optional_service_only_optional_dependents_need_never_fails_the_run() {
    let mut h = Harness::new(OPTIONAL_BUT_REQUIRED);
    h.script("metrics").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    assert!(matches!(h.state("metrics"), ServiceState::Failed(_)));
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.outcome(), None);
}

#[test]
fn required_services_names_what_fails_the_run() {
    // Only `api` (and what it requires) is required: `worker` failing leaves the run up.
    let toml = r#"
[coordination]
required_services = ["api"]

[services.db]
command = "d"

[services.api]
command = "a"
depends_on = { db = "required" }

[services.worker]
command = "w"
"#;
    let mut h = Harness::new(toml);
    h.script("worker").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    assert!(matches!(h.state("worker"), ServiceState::Failed(_)));
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.outcome(), None);
    let status = h.c.status(Timestamp(h.now));
    let required: Vec<bool> = status.services.iter().map(|s| s.required).collect();
    assert_eq!(required, [true, true, false]);
}

#[test]
fn without_graceful_degradation_every_selected_service_is_required() {
    let toml = r#"
[coordination]
graceful_degradation = false
optional_services = ["extra"]

[services.extra]
command = "e"

[services.api]
command = "a"
"#;
    let mut h = Harness::new(toml);
    h.script("extra").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    assert!(matches!(h.outcome(), Some(RunOutcome::Failed(_))));
}

const TASKS: &str = r#"
[services.migrate]
kind = "task"
command = "m"

[services.seed]
kind = "task"
command = "s"
depends_on = { migrate = "required" }
"#;

#[test]
fn a_run_of_tasks_only_completes_once_every_task_has_ended() {
    let mut h = Harness::new(TASKS);
    h.script("migrate").exit_after = Some((100, 0));
    h.script("seed").exit_after = Some((200, 0));
    h.start(&[]);
    h.run_until(60_000);
    assert_eq!(h.state("seed"), ServiceState::Completed);
    assert_eq!(h.outcome(), Some(RunOutcome::Completed));
    assert!(h.c.is_finished());
    assert!(!h.anything_after_finished());
}

#[test]
fn a_run_of_tasks_only_fails_when_a_task_fails() {
    let mut h = Harness::new(TASKS);
    h.script("migrate").exit_after = Some((100, 3));
    h.start(&[]);
    h.run_until(60_000);
    match h.outcome() {
        Some(RunOutcome::Failed(why)) => assert!(why.contains("migrate"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_optional_task_that_fails_does_not_fail_a_tasks_only_run() {
    let toml = r#"
[services.migrate]
kind = "task"
command = "m"

[services.warm]
kind = "task"
command = "w"
optional = true
"#;
    let mut h = Harness::new(toml);
    h.script("migrate").exit_after = Some((100, 0));
    h.script("warm").exit_after = Some((100, 1));
    h.start(&[]);
    h.run_until(60_000);
    assert!(matches!(h.state("warm"), ServiceState::Failed(_)));
    assert_eq!(h.outcome(), Some(RunOutcome::Completed));
}

#[test]
fn a_run_with_a_service_does_not_end_when_its_tasks_do() {
    let toml = r#"
[services.migrate]
kind = "task"
command = "m"

[services.api]
command = "a"
depends_on = { migrate = "required" }
"#;
    let mut h = Harness::new(toml);
    h.script("migrate").exit_after = Some((100, 0));
    h.start(&[]);
    h.run_until(60_000);
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.outcome(), None);
    // Selecting only the task makes it a run of tasks only.
    let mut h = Harness::new(toml);
    h.script("migrate").exit_after = Some((100, 0));
    h.start(&["migrate"]);
    h.run_until(60_000);
    assert_eq!(h.outcome(), Some(RunOutcome::Completed));
}
