//! Named regression scenarios for the races of the original design, each on the netra fixture
//! with one fault switched fully on: the trace is snapshotted and the point of the scenario is
//! asserted on the run itself (every invariant is checked on every step as well).

mod sim_common;

use coord_core::RunOutcome;
use coord_core::stack::Stack;
use coord_sim::{FaultKind, FaultPlan, RunReport, World, report};
use sim_common::fixture;

fn simulate(stack: &Stack, seed: u64, plan: FaultPlan) -> (RunReport, String) {
    let run = World::with_plan(stack.clone(), seed, plan, true).run();
    let text = report::full(&run, stack, "fixtures/netra.toml");
    (run, text)
}

fn lines_of<'a>(text: &'a str, who: &str, what: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() > 3 && cols[2] == who && l[27..].starts_with(what)
        })
        .collect()
}

/// Port collision during startup: an outsider already holds every service's first port. Each
/// service is told `PortTaken`, moves to its next candidate, and the stack still comes up.
#[test]
fn port_collision_during_startup() {
    let stack = fixture("netra.toml");
    let plan = FaultPlan::calm()
        .with(FaultKind::PortHeldAtStart, 1000)
        .window(2_000);
    let (run, text) = simulate(&stack, 11, plan);
    assert_eq!(run.violation, None, "{text}");
    assert_eq!(run.outcome, Some(RunOutcome::Stopped), "{text}");
    let taken = lines_of(&text, "database", "port-taken");
    assert!(
        !taken.is_empty() && taken[0].ends_with("port 5432"),
        "{text}"
    );
    let spawns = lines_of(&text, "database", "> spawn");
    assert!(!spawns.last().unwrap().contains("port 5432 "), "{text}");
    assert!(text.contains("> startup   5/5 up"), "{text}");
    insta::assert_snapshot!(text);
}

/// The port is stolen between the reservation and the bind: the process cannot bind it (or the
/// outsider answers the readiness probe first, which takes the port just the same), the attempt
/// fails, and a later attempt on another port succeeds.
#[test]
fn port_stolen_between_reservation_and_bind() {
    let stack = fixture("netra.toml");
    let plan = FaultPlan::calm()
        .with(FaultKind::PortStolen, 1000)
        .window(1);
    let (run, text) = simulate(&stack, 5, plan);
    assert_eq!(run.violation, None, "{text}");
    assert!(
        text.contains("bind-fail") || text.contains("outside the service's tree"),
        "{text}"
    );
    let redis = lines_of(&text, "redis", "> spawn");
    assert!(
        redis.len() >= 2 && !redis.last().unwrap().contains("port 6379"),
        "{text}"
    );
    assert!(text.contains("> startup   5/5 up"), "{text}");
    insta::assert_snapshot!(text);
}

/// Late readiness: every service needs seconds after its bind; readiness probes fail for a
/// while, nobody times out or restarts, and dependents wait.
#[test]
fn late_readiness() {
    let stack = fixture("netra.toml");
    let plan = FaultPlan::calm()
        .with(FaultKind::LateReadiness, 1000)
        .window(60_000);
    let (run, text) = simulate(&stack, 2, plan);
    assert_eq!(run.violation, None, "{text}");
    assert_eq!(run.outcome, Some(RunOutcome::Stopped), "{text}");
    assert!(
        lines_of(&text, "database", "ready?")
            .iter()
            .any(|l| l.contains("failure")),
        "{text}"
    );
    assert!(lines_of(&text, "database", "> spawn").len() == 1, "{text}");
    insta::assert_snapshot!(text);
}

/// Health false positives during initialisation: until the service is really ready, a stale
/// listener outside its process tree answers the probe. Those answers never make it Ready: the
/// core takes the port for taken, fails the attempt and moves it to another port.
#[test]
fn health_false_positive_during_initialisation() {
    let stack = fixture("netra.toml");
    let plan = FaultPlan::calm()
        .with(FaultKind::OutsiderAnswers, 1000)
        .with(FaultKind::LateReadiness, 1000)
        .window(1);
    let (run, text) = simulate(&stack, 4, plan);
    assert_eq!(run.violation, None, "{text}");
    assert!(
        lines_of(&text, "database", "ready?")
            .iter()
            .any(|l| l.contains("outsider:")),
        "{text}"
    );
    let spawns = lines_of(&text, "database", "> spawn");
    assert!(
        spawns.len() >= 2 && spawns[0].contains("port 5432") && !spawns[1].contains("port 5432"),
        "the attempt after the outsider's answer moves: {text}"
    );
    assert!(text.contains("> startup   5/5 up"), "{text}");
    insta::assert_snapshot!(text);
}

/// Discovery before registration: dependents are spawned only once their dependencies are Ready,
/// with the port each dependency really bound in `<NAME>_PORT`.
#[test]
fn discovery_only_after_registration() {
    let stack = fixture("netra.toml");
    let plan = FaultPlan::calm()
        .with(FaultKind::LateReadiness, 1000)
        .with(FaultKind::PortHeldAtStart, 1000)
        .window(60_000);
    let (run, text) = simulate(&stack, 9, plan);
    assert_eq!(run.violation, None, "{text}");
    let db_bind = lines_of(&text, "database", "binds");
    let db_port = db_bind.last().unwrap().rsplit(' ').next().unwrap();
    let auth_spawn = lines_of(&text, "auth", "> spawn");
    assert!(
        auth_spawn[0].contains(&format!("DATABASE_PORT={db_port}")),
        "{text}"
    );
    let ready_at = |who: &str| -> u64 {
        let line = lines_of(&text, who, "> state")
            .into_iter()
            .find(|l| l.contains("-> ready"))
            .unwrap();
        line.split_whitespace().next().unwrap().parse().unwrap()
    };
    let spawn_at: u64 = auth_spawn[0]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(spawn_at >= ready_at("database"), "{text}");
    insta::assert_snapshot!(text);
}

/// A service marked optional down: redis never comes up. auth (which needs it optionally) starts
/// without it (`REDIS_AVAILABLE=0`); backend (which requires it) fails when its 15 s dependency
/// timeout passes, and since backend is required the run fails (redis itself is required for the
/// run too, as backend requires it). frontend, which nothing requires, down alone never fails the
/// run.
#[test]
fn optional_service_down() {
    let stack = fixture("netra.toml");
    let redis = stack.service_id("redis").unwrap();
    let mut plan = FaultPlan::calm().window(1_000);
    plan.doomed = Some(redis);
    let (run, text) = simulate(&stack, 6, plan);
    assert_eq!(run.violation, None, "{text}");
    assert!(
        lines_of(&text, "auth", "> spawn")[0].contains("REDIS_AVAILABLE=0"),
        "{text}"
    );
    assert!(
        text.contains("auth         > state     starting -> ready"),
        "{text}"
    );
    assert!(matches!(run.outcome, Some(RunOutcome::Failed(_))), "{text}");
    insta::assert_snapshot!(text);

    let frontend = stack.service_id("frontend").unwrap();
    let mut plan = FaultPlan::calm().window(1_000);
    plan.doomed = Some(frontend);
    let (run, text) = simulate(&stack, 6, plan);
    assert_eq!(run.violation, None, "{text}");
    assert_eq!(run.outcome, Some(RunOutcome::Stopped), "{text}");
    assert!(text.contains("4/5 up"), "{text}");
}
