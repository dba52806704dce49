//! Tasks (one-shot services dependents wait for) and restarts after Ready: a crash under
//! `on-failure`, and a failing liveness probe.

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{Event, has, position};
use coord_tests::harness::testdir::{TestDir, sh_quote, toml_str};
use coord_tests::harness::{PATIENCE, procs};

fn starts<'a>(events: &'a [Event], name: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| e.name == name && e.event == "start")
        .collect()
}

#[test]
fn dependents_wait_for_a_task_to_complete() {
    let dir = TestDir::new("task-ok");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}

[services.migrate]
kind = "task"
command = {migrate}
depends_on = {{ database = "required" }}

[services.api]
command = {api}
port = {{ range = "test" }}
depends_on = {{ migrate = "required", database = "required" }}
"#,
        range = dir.ports().range(0, 4),
        database = dir.toy("database", &[]),
        migrate = dir.toy(
            "migrate",
            &["--check-url", "DATABASE_URL", "--exit-after", "200"]
        ),
        api = dir.toy("api", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = coord.wait_events(dir.events(), |ev| has(ev, "api", "ready"));
    let log = dir.events().dump();
    let done = events.iter().position(|e| {
        e.name == "migrate"
            && e.event == "exit"
            && e.fields.get("code").map(String::as_str) == Some("0")
    });
    assert!(done.is_some(), "the task did not complete\n{log}");
    assert!(
        done < position(&events, "api", "start"),
        "api started before the task completed\n{log}"
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn a_failing_task_fails_its_required_dependents_and_the_run() {
    let dir = TestDir::new("task-fails");
    let stack = format!(
        r#"[coordination]
startup_retry_count = 0

[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}

[services.migrate]
kind = "task"
command = {migrate}
depends_on = {{ database = "required" }}

[services.api]
command = {api}
depends_on = {{ migrate = "required" }}
"#,
        range = dir.ports().range(0, 4),
        database = dir.toy("database", &[]),
        migrate = dir.toy("migrate", &["--exit-after", "50", "--exit-code", "1"]),
        api = dir.toy("api", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    assert_eq!(coord.exit_code(PATIENCE), 1, "{}", coord.transcript());
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(has(&events, "migrate", "exit"), "{log}");
    assert!(
        !has(&events, "api", "start"),
        "api started after its task failed\n{log}"
    );
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
    assert!(
        has(&dir.events().read(), "database", "sigterm"),
        "database was not stopped\n{log}"
    );
}

/// A shell command running the toy with `first_args` the first time and `later_args` after,
/// using a marker file in the test directory.
fn first_time_differs(
    dir: &TestDir,
    name: &str,
    first_args: &[&str],
    later_args: &[&str],
) -> String {
    let marker = sh_quote(&dir.file(&format!("{name}.ran")).to_string_lossy());
    toml_str(&format!(
        "if [ -e {marker} ]; then exec {later}; else touch {marker}; exec {first}; fi",
        later = dir.toy_shell(name, later_args),
        first = dir.toy_shell(name, first_args),
    ))
}

#[test]
fn a_crash_after_ready_is_restarted_under_on_failure() {
    let dir = TestDir::new("restart-crash");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ range = "test" }}
ready = {{ http = "/health" }}
restart = {{ policy = "on-failure", max_restarts = 3 }}
"#,
        range = dir.ports().range(0, 4),
        api = first_time_differs(
            &dir,
            "api",
            &["--crash-after", "300", "--exit-code", "7"],
            &[]
        ),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = coord.wait_events(dir.events(), |ev| {
        ev.iter()
            .filter(|e| e.name == "api" && e.event == "ready")
            .count()
            >= 2
    });
    let s = starts(&events, "api");
    assert_eq!(s.len(), 2, "{}", dir.events().dump());
    assert_ne!(s[0].pid, s[1].pid);
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn a_failing_liveness_probe_restarts_the_service() {
    let dir = TestDir::new("restart-liveness");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ range = "test" }}
ready = {{ http = "/health" }}
live = {{ http = "/health", period = "100ms", failure_threshold = 2 }}
restart = {{ policy = "on-failure", max_restarts = 3 }}
stop_grace = "2s"
"#,
        range = dir.ports().range(0, 4),
        api = first_time_differs(
            &dir,
            "api",
            &[
                "--unhealthy-when-exists",
                &dir.file("hang").to_string_lossy()
            ],
            &[]
        ),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    // Only once coord has seen the first process ready does it hang (a clock here raced the
    // readiness probe on a loaded machine: the hang could come first, and it never got ready).
    dir.touch("hang");
    let events = coord.wait_events(dir.events(), |ev| {
        ev.iter()
            .filter(|e| e.name == "api" && e.event == "ready")
            .count()
            >= 2
    });
    let log = dir.events().dump();
    let s = starts(&events, "api");
    let unhealthy = position(&events, "api", "unhealthy");
    assert!(unhealthy.is_some(), "{log}");
    // The hung first process was stopped, and only then was the second one started.
    assert!(!procs::alive(s[0].pid), "{log}");
    let second = events.iter().position(|e| e.pid == s[1].pid).unwrap();
    assert!(unhealthy < Some(second), "{log}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}
