//! The world end to end: determinism, a calm run, and a deliberately broken coordinator (behind the
//! test-only `Sabotaged` switch) caught by the checker.

use coord_core::stack::Stack;
use coord_core::{Coordinator, Options, RunOutcome, Timestamp};
use coord_sim::machine::{Sabotage, Sabotaged};
use coord_sim::report;
use coord_sim::stacks::netra;
use coord_sim::sweep::{run_seed, sweep};
use coord_sim::{FaultKind, FaultPlan, Invariant, World};

fn sabotaged(stack: Stack, plan: FaultPlan, sabotage: Sabotage) -> coord_sim::RunReport {
    let coordinator = Coordinator::new(stack.clone(), Options::default(), Timestamp::ZERO);
    World::with_machine(stack, 3, plan, Sabotaged::new(coordinator, sabotage), true).run()
}

#[test]
fn same_seed_same_bytes_and_different_seeds_differ() {
    let stack = netra();
    let text = |seed| report::full(&run_seed(&stack, seed, true), &stack, "netra");
    let first = text(7);
    assert_eq!(first, text(7));
    assert!(first.lines().count() > 20, "{first}");
    let other = text(8);
    assert_ne!(first, other);
    let plan = |seed| run_seed(&stack, seed, false).plan;
    assert_ne!(plan(7), plan(8));
}

#[test]
fn trace_has_no_real_pids_paths_or_floats() {
    let stack = netra();
    for seed in 0..20 {
        let text = report::full(&run_seed(&stack, seed, true), &stack, "netra");
        for line in text.lines().filter(|l| l.contains(" ms  ")) {
            for path_like in ["/tmp", "/home", "/work", "/usr", ".toml", "target/"] {
                assert!(!line.contains(path_like), "a path in {line:?}");
            }
            let number_dot_number = line
                .as_bytes()
                .windows(3)
                .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit());
            assert!(!number_dot_number, "a float in {line:?}");
        }
    }
}

#[test]
fn calm_netra_comes_up_and_stops_cleanly() {
    let report = World::with_plan(netra(), 1, FaultPlan::calm(), true).run();
    assert_eq!(report.violation, None);
    assert_eq!(report.outcome, Some(RunOutcome::Stopped));
    let text = report.trace.lines().join("\n");
    assert!(text.contains("> startup   5/5 up"), "{text}");
}

#[test]
fn leaked_reservations_are_caught() {
    let report = sabotaged(netra(), FaultPlan::calm(), Sabotage::NoRelease);
    let v = report.violation.expect("a leaked reservation");
    assert_eq!(v.invariant, Invariant::ShutdownLeavesNothing, "{v}");
    assert!(v.detail.contains("never released"), "{v}");
}

#[test]
fn a_missing_sigkill_is_caught() {
    let plan = FaultPlan::calm()
        .with(FaultKind::IgnoresTerm, 1000)
        .window(60_000);
    let report = sabotaged(netra(), plan, Sabotage::NoKill);
    let v = report.violation.expect("a stop that never completes");
    assert_eq!(v.invariant, Invariant::StopCompletes, "{v}");
}

#[test]
fn a_coordinator_deaf_to_exits_is_caught() {
    let report = sabotaged(netra(), FaultPlan::calm(), Sabotage::DeafToExits);
    let v = report.violation.expect("a shutdown that never finishes");
    assert_eq!(v.invariant, Invariant::Converges, "{v}");
}

#[test]
fn a_failing_seed_is_printed_with_plan_tail_and_replay_command() {
    let report = sabotaged(netra(), FaultPlan::calm(), Sabotage::NoRelease);
    let text = report::failure(&report, &netra(), "fixtures/netra.toml");
    assert!(
        text.starts_with("FAILED seed 3 on fixtures/netra.toml"),
        "{text}"
    );
    assert!(text.contains("invariant shutdown_leaves_nothing"), "{text}");
    assert!(text.contains("fault plan"), "{text}");
    assert!(text.contains(
        "replay: cargo run -p coord-sim --bin sim -- --seed 3 --stack fixtures/netra.toml"
    ));
    let tail = text
        .lines()
        .skip_while(|l| !l.starts_with("last 50 trace lines"))
        .skip(1)
        .take_while(|l| !l.starts_with("replay"))
        .count();
    assert_eq!(tail, 50, "{text}");
}

#[test]
fn a_sweep_reruns_failures_with_their_trace() {
    let stack = netra();
    let result = sweep(&stack, 0..30);
    assert_eq!(result.runs, 30);
    for failure in &result.failures {
        assert!(failure.violation.is_some());
        assert!(!failure.trace.lines().is_empty());
    }
}

#[test]
fn some_seeds_press_ctrl_c_twice_and_everything_still_ends() {
    let stack = netra();
    let forced: Vec<u64> = (0..200)
        .filter(|seed| {
            let mut plan = FaultPlan::calm();
            plan.draw_force(*seed);
            plan.force_after_ms.is_some()
        })
        .collect();
    assert!(forced.len() > 5 && forced.len() < 60, "{forced:?}");
    let mut seen_force = false;
    for seed in forced {
        let mut plan = FaultPlan::calm().window(100);
        plan.draw_force(seed);
        plan.force_after_ms = Some(0);
        let plan = plan.with(FaultKind::IgnoresTerm, 1000);
        let report = World::with_plan(stack.clone(), seed, plan, true).run();
        assert_eq!(report.violation, None);
        let text = report.trace.lines().join("\n");
        // The shutdown's interrupt, then the second one that forces it.
        seen_force |= text.matches("interrupt").count() >= 2;
        // Everything ignores SIGTERM, so only the forced SIGKILLs end it without waiting out
        // a grace period.
        assert!(report.end.as_millis() < 10_000 + 5_000, "{text}");
    }
    assert!(seen_force);
}

/// Services held back (`autostart = false`) and started by the operator at random moments: on
/// a stack where the held-back `worker` requires `db` (and `db` is also stopped by the operator
/// now and then), every invariant holds, among them "no service spawned before its required
/// dependencies are ready", which covers on-demand starts too, and the worker does run.
#[test]
fn operator_starts_of_held_back_services_keep_every_invariant() {
    use coord_core::stack::DependencyKind;
    use coord_sim::stacks::{depends, service, stack};
    let mut worker = service("worker");
    worker.autostart = false;
    depends(
        &mut worker,
        (0, "db"),
        DependencyKind::Required,
        std::time::Duration::from_secs(30),
    );
    let s = stack("held.toml", vec![service("db"), service("api"), worker]);
    let mut worker_ran = 0;
    for seed in 0..200 {
        let plan = FaultPlan::calm()
            .window(5_000)
            .with(FaultKind::OperatorStart, 500)
            .with(FaultKind::OperatorStop, 100)
            .with(FaultKind::CrashBeforeReady, 100);
        let run = World::with_plan(s.clone(), seed, plan, true).run();
        assert!(
            run.violation.is_none(),
            "{}",
            report::full(&run, &s, "held.toml")
        );
        let text = run.trace.lines().join("\n");
        assert!(
            text.contains("worker       > state     pending -> not_started"),
            "{text}"
        );
        if text.contains("worker       > state     starting -> ready") {
            worker_ran += 1;
        }
    }
    assert!(worker_ran > 20, "the worker ran in {worker_ran} seeds");
}

/// `--exit-code-from tests` under swarm faults (the integration-test pattern: database, api,
/// then tests): every invariant holds, and a run that the operator did not end and no required
/// failure ended ends with the task's code.
#[test]
fn exit_code_from_runs_keep_every_invariant_and_end_with_the_task() {
    use coord_core::stack::{DependencyKind, ServiceKind};
    use coord_sim::stacks::{depends, service, stack};
    let s30 = std::time::Duration::from_secs(30);
    let mut api = service("api");
    depends(&mut api, (0, "database"), DependencyKind::Required, s30);
    let mut tests = service("tests");
    tests.kind = ServiceKind::Task;
    depends(&mut tests, (1, "api"), DependencyKind::Required, s30);
    let s = stack("ci.toml", vec![service("database"), api, tests]);
    let mut ended_with_task = 0;
    for seed in 0..300 {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        let plan = FaultPlan::swarm(&mut rng, &s);
        let options = Options {
            seed,
            exit_code_from: Some("tests".into()),
            ..Options::default()
        };
        let coordinator = Coordinator::new(s.clone(), options, Timestamp::ZERO);
        let run = World::with_machine(s.clone(), seed, plan, coordinator, true).run();
        assert!(
            run.violation.is_none(),
            "{}",
            report::full(&run, &s, "ci.toml")
        );
        if matches!(run.outcome, Some(RunOutcome::TaskEnded { .. })) {
            ended_with_task += 1;
        }
    }
    assert!(
        ended_with_task > 100,
        "{ended_with_task}/300 ended with the task"
    );
}

/// `--abort-on-failure` under swarm faults on netra (optional redis, auth and frontend): every
/// invariant holds with the checker told that any failure fails the run, and some runs fail for
/// an optional service.
#[test]
fn abort_on_failure_runs_keep_every_invariant() {
    let s = netra();
    let mut failed_for_optional = 0;
    for seed in 0..300 {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        let plan = FaultPlan::swarm(&mut rng, &s);
        let options = Options {
            seed,
            abort_on_failure: true,
            ..Options::default()
        };
        let coordinator = Coordinator::new(s.clone(), options, Timestamp::ZERO);
        let run = World::with_machine(s.clone(), seed, plan, coordinator, true)
            .abort_on_failure()
            .run();
        assert!(
            run.violation.is_none(),
            "{}",
            report::full(&run, &s, "netra.toml")
        );
        if let Some(RunOutcome::Failed(why)) = &run.outcome
            && ["redis", "auth", "frontend"]
                .iter()
                .any(|n| why.starts_with(&format!("{n} failed")))
        {
            failed_for_optional += 1;
        }
    }
    assert!(failed_for_optional > 10, "{failed_for_optional}/300");
}
