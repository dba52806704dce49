//! Stopping: Ctrl-C during and after startup, coord killed with SIGKILL, a service ignoring
//! SIGTERM, and a second Ctrl-C.

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{has, position};
use coord_tests::harness::testdir::{TestDir, toml_str};
use coord_tests::harness::{PATIENCE, procs};
use rustix::process::Signal;

use crate::stacks::{NETRA_EDGES, Netra, netra};

fn assert_all_gone(dir: &TestDir, what: &str) {
    let pids = dir.events().pids();
    assert!(!pids.is_empty(), "no toy ever ran");
    if let Err(left) = procs::wait_all_gone(&pids, PATIENCE) {
        let left: Vec<String> = left.into_iter().map(procs::describe).collect();
        panic!("{what}: still running: {left:?}\n{}", dir.events().dump());
    }
}

#[test]
fn ctrl_c_after_startup_stops_in_reverse_order_and_exits_0() {
    let dir = TestDir::new("ctrl-c-up");
    let stack = dir.write("coord.toml", &netra(&dir, Netra::default()));
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    assert_all_gone(&dir, "after Ctrl-C");
    let events = dir.events().read();
    let log = dir.events().dump();
    // A dependency is told to stop only after its dependents have exited.
    for (dependent, dependency) in NETRA_EDGES {
        let gone = events
            .iter()
            .rposition(|e| e.name == dependent && e.event == "exit");
        let told = position(&events, dependency, "sigterm");
        assert!(
            gone.is_some() && told.is_some(),
            "{dependent}/{dependency} not stopped by SIGTERM\n{log}"
        );
        assert!(
            gone < told,
            "{dependency} stopped before its dependent {dependent} was gone\n{log}"
        );
    }
}

#[test]
fn ctrl_c_during_startup_exits_130_with_nothing_left() {
    let dir = TestDir::new("ctrl-c-startup");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}

[services.slow]
command = {slow}
port = {{ range = "test" }}
ready = {{ http = "/health" }}
depends_on = {{ database = "required" }}

[services.web]
command = {web}
depends_on = {{ slow = "required" }}
"#,
        range = dir.ports().range(0, 4),
        database = dir.toy("database", &["--fork-grandchild"]),
        // Never ready: its gate file is never created.
        slow = dir.toy(
            "slow",
            &["--ready-when-exists", &dir.file("never").to_string_lossy()]
        ),
        web = dir.toy("web", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord.wait_events(dir.events(), |ev| has(ev, "slow", "listening"));
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 130, "{}", coord.transcript());
    assert_all_gone(&dir, "after Ctrl-C during startup");
    let events = dir.events().read();
    assert!(!has(&events, "web", "start"), "{}", dir.events().dump());
    assert!(
        has(&events, "slow", "sigterm"),
        "slow was not sent its stop signal"
    );
}

#[test]
fn kill_9_of_coord_leaves_no_child_or_grandchild() {
    let dir = TestDir::new("kill-9");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}

[services.api]
command = {api}
port = {{ range = "test" }}
depends_on = {{ database = "required" }}

[services.worker]
command = {worker}
"#,
        range = dir.ports().range(0, 4),
        database = dir.toy("database", &["--fork-grandchild"]),
        api = dir.toy("api", &["--fork-grandchild", "--ignore-sigterm"]),
        // A shell that runs the toy in the background: the toy is a grandchild of coord's child.
        worker = toml_str(&format!("{} & wait", dir.toy_shell("worker", &[]))),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = coord.wait_events(dir.events(), |ev| {
        ["database", "api"].iter().all(|n| has(ev, n, "grandchild"))
            && ["database-grandchild", "api-grandchild", "worker"]
                .iter()
                .all(|n| has(ev, n, "start"))
    });
    let pids = dir.events().pids();
    assert_eq!(
        pids.len(),
        5,
        "three toys and two grandchildren: {events:?}"
    );
    assert!(
        pids.iter().all(|p| procs::alive(*p)),
        "all running before the kill"
    );
    coord.signal(Signal::KILL);
    coord.wait_exit(PATIENCE).expect("coord dies of SIGKILL");
    assert_all_gone(&dir, "after kill -9 of coord");
}

#[test]
fn a_service_ignoring_sigterm_is_killed_after_its_grace() {
    let dir = TestDir::new("ignore-sigterm");
    let stack = format!(
        r#"[services.stubborn]
command = {stubborn}
stop_grace = "1s"

[services.polite]
command = {polite}
"#,
        stubborn = dir.toy("stubborn", &["--ignore-sigterm", "--fork-grandchild"]),
        polite = dir.toy("polite", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    // Without a probe, "ready" comes with the spawn: wait until both toys really run (a stop
    // that reaches a shim before its service started means the service is never started).
    coord.wait_events(dir.events(), |ev| {
        has(ev, "polite", "start") && has(ev, "stubborn", "grandchild")
    });
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    assert_all_gone(&dir, "after the grace");
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(
        has(&events, "stubborn", "sigterm-ignored"),
        "SIGTERM came first\n{log}"
    );
    assert!(
        !has(&events, "stubborn", "exit"),
        "it never exits by itself: SIGKILL ended it\n{log}"
    );
    assert!(has(&events, "polite", "sigterm"), "{log}");
}

#[test]
fn a_second_ctrl_c_kills_everything_at_once() {
    let dir = TestDir::new("second-ctrl-c");
    let stack = format!(
        r#"[services.stubborn]
command = {stubborn}
stop_grace = "1h"
"#,
        stubborn = dir.toy("stubborn", &["--ignore-sigterm"]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.interrupt();
    coord.wait_events(dir.events(), |ev| has(ev, "stubborn", "sigterm-ignored"));
    coord.interrupt();
    assert!(
        coord.wait_exit(PATIENCE).is_some(),
        "coord still waits out the 1 h grace\n{}",
        coord.transcript()
    );
    assert_all_gone(&dir, "after a second Ctrl-C");
}

#[test]
fn sigterm_to_coord_stops_the_stack_like_ctrl_c() {
    let dir = TestDir::new("sigterm-coord");
    let stack = format!(
        r#"[services.db]
command = {db}

[services.api]
command = {api}
depends_on = {{ db = "required" }}
"#,
        db = dir.toy("db", &["--fork-grandchild"]),
        api = dir.toy("api", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.signal(Signal::TERM);
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    assert_all_gone(&dir, "after SIGTERM to coord");
    let events = dir.events().read();
    let log = dir.events().dump();
    let api_gone = events
        .iter()
        .rposition(|e| e.name == "api" && e.event == "exit");
    assert!(
        api_gone.is_some(),
        "api was not stopped with SIGTERM\n{log}"
    );
    assert!(
        api_gone < position(&events, "db", "sigterm"),
        "db stopped before api\n{log}"
    );
}
