//! Services held back (`autostart = false`) and started on demand (`Input::StartService`,
//! `coord start NAME`): a bare run leaves them alone and never waits for or fails on them; a
//! start pulls in their dependencies per kind and starts them in order.

mod common;

use common::Harness;
use coord_core::{Input, OperatorAnswer, RunOutcome, ServiceId, ServiceState};

const STACK: &str = r#"
[services.db]
command = "db"

[services.api]
command = "api"
depends_on = ["db"]

[services.worker]
command = "worker"
autostart = false
depends_on = { db = "required", cache = "optional" }

[services.cache]
command = "cache"
autostart = false
"#;

fn accepted(answer: Option<OperatorAnswer>) -> String {
    match answer {
        Some(OperatorAnswer::Accepted(what)) => what,
        other => panic!("expected an acceptance, got {other:?}"),
    }
}

fn refused(answer: Option<OperatorAnswer>) -> String {
    match answer {
        Some(OperatorAnswer::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_bare_run_leaves_services_not_autostarted_alone_and_is_up_without_them() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(2_000);
    assert_eq!(h.state("worker"), ServiceState::NotStarted);
    assert_eq!(h.state("cache"), ServiceState::NotStarted);
    assert!(h.spawns("worker").is_empty() && h.spawns("cache").is_empty());
    assert_eq!(h.state("api"), ServiceState::Ready);
    let status = h.c.status(coord_core::Timestamp(h.now));
    let worker = status
        .services
        .iter()
        .find(|s| s.name == "worker")
        .expect("worker in status");
    assert_eq!(worker.state.name(), "not_started");
    assert!(!worker.selected && !worker.required);
    // Startup is over without them: the summary counts the two services of the run.
    assert!(
        h.log.iter().any(|l| matches!(&l.command,
            coord_core::Action::StartupFinished(s) if s.to_string().starts_with("2/2 ready"))),
        "no 2/2 summary"
    );
}

#[test]
fn a_service_not_autostarted_that_is_named_runs_and_is_required() {
    let mut h = Harness::new(STACK);
    h.start(&["worker"]);
    h.run_until(2_000);
    assert_eq!(h.state("worker"), ServiceState::Ready);
    // Pulled in by the optional edge although not autostarted.
    assert_eq!(h.state("cache"), ServiceState::Ready);
    assert!(h.spawns("api").is_empty());
    let status = h.c.status(coord_core::Timestamp(h.now));
    assert!(
        status
            .services
            .iter()
            .any(|s| s.name == "worker" && s.required)
    );
}

#[test]
fn start_pulls_in_dependencies_per_kind_and_starts_them_in_order() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(2_000);
    let worker = h.id("worker");
    h.input(Input::StartService { service: worker });
    assert_eq!(accepted(h.c.poll_answer()), "starting worker (and cache)");
    h.run_until(4_000);
    assert_eq!(h.state("worker"), ServiceState::Ready);
    assert_eq!(h.state("cache"), ServiceState::Ready);
    let cache_ready = h.first("cache", "ready").expect("cache ready");
    let worker_spawn = h.spawns("worker")[0].0;
    assert!(
        worker_spawn >= cache_ready,
        "worker spawned before cache was ready"
    );
    // Started again: already running.
    h.input(Input::StartService { service: worker });
    assert_eq!(refused(h.c.poll_answer()), "worker is already ready");
}

#[test]
fn start_of_a_service_whose_dependency_was_stopped_starts_both_in_order() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(2_000);
    let db = h.id("db");
    h.input(Input::StopService { service: db });
    h.run_until(3_000);
    assert_eq!(h.state("db"), ServiceState::Stopped);
    let worker = h.id("worker");
    h.input(Input::StartService { service: worker });
    assert_eq!(
        accepted(h.c.poll_answer()),
        "starting worker (and db, cache)"
    );
    h.run_until(6_000);
    assert_eq!(h.state("db"), ServiceState::Ready);
    assert_eq!(h.state("worker"), ServiceState::Ready);
    let db_again = h.spawns("db")[1].0;
    let db_ready = h
        .transitions("db")
        .into_iter()
        .filter(|(t, s)| s == "ready" && *t >= db_again)
        .map(|(t, _)| t)
        .next()
        .expect("db ready again");
    assert!(h.spawns("worker")[0].0 >= db_ready);
}

#[test]
fn a_service_started_on_demand_that_fails_never_fails_the_run() {
    let mut h = Harness::new(STACK);
    h.script("worker").spawn_fails = true;
    h.start(&[]);
    h.run_until(2_000);
    let worker = h.id("worker");
    h.input(Input::StartService { service: worker });
    accepted(h.c.poll_answer());
    h.run_until(30_000);
    assert!(matches!(h.state("worker"), ServiceState::Failed(_)));
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.outcome(), None);
    h.input(Input::Interrupt);
    h.run_until(60_000);
    assert_eq!(h.outcome(), Some(RunOutcome::Stopped));
}

#[test]
fn start_is_refused_before_the_run_and_during_shutdown_and_says_why() {
    let mut h = Harness::new(STACK);
    let worker = h.id("worker");
    h.input(Input::StartService { service: worker });
    assert_eq!(refused(h.c.poll_answer()), "the run has not started yet");
    h.start(&[]);
    h.run_until(2_000);
    h.input(Input::StartService {
        service: ServiceId::from_index(99),
    });
    assert!(refused(h.c.poll_answer()).contains("no service with id 99"));
    h.input(Input::Interrupt);
    h.input(Input::StartService { service: worker });
    assert_eq!(refused(h.c.poll_answer()), "the stack is shutting down");
}

#[test]
fn stop_of_a_service_not_started_points_at_coord_start() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(2_000);
    let worker = h.id("worker");
    h.input(Input::StopService { service: worker });
    assert_eq!(
        refused(h.c.poll_answer()),
        "worker is not part of this run (start it with `coord start worker`)"
    );
}
