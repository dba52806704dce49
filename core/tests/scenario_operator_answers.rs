//! An operator's `stop` / `restart` gets the core's answer: what it does, or why it changes
//! nothing (before, `coord restart X` said "requested" even when the core ignored it).

mod common;

use common::Harness;
use coord_core::{Input, OperatorAnswer, ServiceId, ServiceState};

const STACK: &str = r#"
[services.db]
command = "db"

[services.api]
command = "api"
depends_on = ["db"]

[services.extra]
command = "extra"
"#;

fn refused(answer: Option<OperatorAnswer>) -> String {
    match answer {
        Some(OperatorAnswer::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn accepted(answer: Option<OperatorAnswer>) -> String {
    match answer {
        Some(OperatorAnswer::Accepted(what)) => what,
        other => panic!("expected an acceptance, got {other:?}"),
    }
}

#[test]
fn a_service_outside_the_run_is_refused_by_name() {
    let mut h = Harness::new(STACK);
    h.start(&["api"]);
    h.run_until(2_000);
    let extra = h.id("extra");
    h.input(Input::RestartService { service: extra });
    let why = refused(h.c.poll_answer());
    assert!(why.contains("extra is not part of this run"), "{why}");
    h.input(Input::StopService { service: extra });
    assert!(refused(h.c.poll_answer()).contains("not part of this run"));
    // Nothing moved.
    assert!(h.spawns("extra").is_empty());
}

#[test]
fn stop_and_restart_say_what_they_do_and_a_second_stop_is_refused() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(2_000);
    assert_eq!(h.state("db"), ServiceState::Ready);
    let db = h.id("db");
    h.input(Input::StopService { service: db });
    assert_eq!(accepted(h.c.poll_answer()), "stopping db");
    h.run_until(4_000);
    assert_eq!(h.state("db"), ServiceState::Stopped);
    h.input(Input::StopService { service: db });
    assert_eq!(refused(h.c.poll_answer()), "db is already stopped");
    h.input(Input::RestartService { service: db });
    assert_eq!(accepted(h.c.poll_answer()), "starting db again");
    h.run_until(6_000);
    assert_eq!(h.state("db"), ServiceState::Ready);
    h.input(Input::RestartService { service: db });
    assert_eq!(accepted(h.c.poll_answer()), "restarting db");
}

#[test]
fn during_shutdown_and_for_unknown_ids_nothing_is_done_and_the_answer_says_why() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(2_000);
    h.input(Input::RestartService {
        service: ServiceId::from_index(99),
    });
    assert!(refused(h.c.poll_answer()).contains("no service with id 99"));
    h.input(Input::Interrupt);
    let db = h.id("db");
    h.input(Input::RestartService { service: db });
    assert_eq!(refused(h.c.poll_answer()), "the stack is shutting down");
    // The answer is given once.
    assert_eq!(h.c.poll_answer(), None);
}
