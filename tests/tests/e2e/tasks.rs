//! A stack of tasks only ends on its own once every task has ended, as `make` does: exit 0 when
//! they completed, 1 when one failed.

use coord_tests::harness::coord::CoordRun;
use coord_tests::harness::events::has;
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

fn tasks_stack(dir: &TestDir, seed_args: &[&str]) -> std::path::PathBuf {
    let stack = format!(
        r#"[coordination]
startup_retry_count = 0

[services.migrate]
kind = "task"
command = {migrate}

[services.seed]
kind = "task"
command = {seed}
depends_on = {{ migrate = "required" }}
"#,
        migrate = dir.toy("migrate", &["--exit-after", "50"]),
        seed = dir.toy("seed", seed_args),
    );
    dir.write("coord.toml", &stack)
}

#[test]
fn a_stack_of_tasks_exits_0_once_every_task_completed() {
    let dir = TestDir::new("tasks-only-ok");
    let stack = tasks_stack(&dir, &["--exit-after", "50"]);
    let mut coord = CoordRun::run(&stack);
    // No interrupt: coord ends by itself.
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(has(&events, "migrate", "exit"), "{log}");
    assert!(has(&events, "seed", "exit"), "{log}");
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn a_stack_of_tasks_exits_1_when_a_task_fails() {
    let dir = TestDir::new("tasks-only-fails");
    let stack = tasks_stack(&dir, &["--exit-after", "50", "--exit-code", "3"]);
    let mut coord = CoordRun::run(&stack);
    assert_eq!(coord.exit_code(PATIENCE), 1, "{}", coord.transcript());
    let log = dir.events().dump();
    assert!(has(&dir.events().read(), "seed", "exit"), "{log}");
    assert!(
        coord.transcript().contains("seed"),
        "{}",
        coord.transcript()
    );
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}
