//! CI runs: `--exit-code-from TASK` ends the run when the task ends, stops the stack in order
//! and carries the task's exit code; `--abort-on-failure` makes any failure fail the run.

mod common;

use common::Harness;
use coord_core::stack::StopSignal;
use coord_core::{Options, RunOutcome, ServiceState};

const STACK: &str = r#"
[services.database]
command = "db"

[services.api]
command = "api"
depends_on = ["database"]

[services.tests]
kind = "task"
command = "tests"
depends_on = ["api"]

[services.extra]
command = "extra"
optional = true
"#;

fn exit_code_from(task: &str) -> Options {
    Options {
        exit_code_from: Some(task.to_string()),
        ..Options::default()
    }
}

fn run_with_task_exit(code: i32) -> Harness {
    let mut h = Harness::with_options(STACK, exit_code_from("tests"));
    h.script("tests").exit_after = Some((100, code));
    h.start(&[]);
    h.run_to_end(60_000);
    h
}

#[test]
fn the_run_ends_with_the_code_of_the_task_and_stops_the_stack_in_order() {
    for code in [0, 3] {
        let h = run_with_task_exit(code);
        assert_eq!(
            h.outcome(),
            Some(RunOutcome::TaskEnded {
                task: "tests".into(),
                code
            }),
            "code {code}"
        );
        // database, api, then tests; the stop goes api before database.
        assert!(h.spawns("tests")[0].0 >= h.first("api", "ready").expect("api ready"));
        let api_stop = h.signals("api")[0];
        let db_stop = h.signals("database")[0];
        assert_eq!(api_stop.1, StopSignal::Term);
        assert!(api_stop.0 <= db_stop.0);
        assert!(
            h.first("database", "stopped").expect("db stopped")
                >= h.first("api", "stopped").expect("api stopped")
        );
        // Run once: a failing test suite is not retried.
        assert_eq!(h.spawns("tests").len(), 1, "code {code}");
        assert!(!h.anything_after_finished());
    }
}

#[test]
fn a_task_killed_by_a_signal_gives_128_plus_the_signal() {
    let h = run_with_task_exit(-9);
    assert_eq!(
        h.outcome(),
        Some(RunOutcome::TaskEnded {
            task: "tests".into(),
            code: 137
        })
    );
}

#[test]
fn a_task_not_autostarted_is_started_for_exit_code_from() {
    let stack = STACK.replace("kind = \"task\"", "kind = \"task\"\nautostart = false");
    let mut h = Harness::with_options(&stack, exit_code_from("tests"));
    h.script("tests").exit_after = Some((100, 0));
    h.start(&[]);
    h.run_to_end(60_000);
    assert_eq!(h.spawns("tests").len(), 1);
    assert!(matches!(
        h.outcome(),
        Some(RunOutcome::TaskEnded { code: 0, .. })
    ));
}

#[test]
fn a_required_service_failing_before_the_task_ends_fails_the_run() {
    let mut h = Harness::with_options(STACK, exit_code_from("tests"));
    h.script("database").spawn_fails = true;
    h.start(&[]);
    h.run_to_end(60_000);
    assert!(matches!(h.outcome(), Some(RunOutcome::Failed(_))));
    assert!(h.spawns("tests").is_empty());
}

#[test]
fn abort_on_failure_fails_the_run_on_an_optional_failure() {
    let mut plain = Harness::new(STACK);
    plain.script("extra").spawn_fails = true;
    plain.script("tests").exit_after = Some((100, 0));
    plain.start(&[]);
    plain.run_until(30_000);
    assert!(matches!(plain.state("extra"), ServiceState::Failed(_)));
    assert_eq!(
        plain.outcome(),
        None,
        "an optional failure fails no plain run"
    );

    let mut h = Harness::with_options(
        STACK,
        Options {
            abort_on_failure: true,
            ..Options::default()
        },
    );
    h.script("extra").spawn_fails = true;
    h.script("tests").exit_after = Some((100, 0));
    h.start(&[]);
    h.run_to_end(60_000);
    match h.outcome() {
        Some(RunOutcome::Failed(why)) => assert!(why.starts_with("extra failed"), "{why}"),
        other => panic!("expected a failed run, got {other:?}"),
    }
}
