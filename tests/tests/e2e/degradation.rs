//! Graceful degradation: a failed optional dependency leaves the stack up; a failed required one
//! fails the run with everything stopped.

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{env_of, has, position};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

/// A variable no test ever sets: a toy requiring it exits 3 at once.
const NEVER_SET: &str = "COORD_TESTS_NEVER_SET";

#[test]
fn optional_dependency_down_stack_still_up() {
    let dir = TestDir::new("optional-down");
    let stack = format!(
        r#"[coordination]
startup_retry_count = 1
required_services = ["database", "api"]
optional_services = ["cache"]

[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}

[services.cache]
command = {cache}
port = {{ range = "test" }}

[services.api]
command = {api}
port = {{ range = "test" }}
depends_on = {{ database = "required", cache = {{ kind = "optional", timeout = "30s" }} }}
"#,
        range = dir.ports().range(0, 8),
        database = dir.toy("database", &[]),
        cache = dir.toy("cache", &["--require-env", NEVER_SET]),
        api = dir.toy(
            "api",
            &[
                "--check-url",
                "DATABASE_URL",
                "--print-env",
                "DATABASE_PORT",
                "--print-env",
                "CACHE_PORT"
            ]
        ),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("2/3 ready"), "{summary}");
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(
        has(&events, "cache", "missing-env"),
        "the cache never ran\n{log}"
    );
    assert!(!has(&events, "cache", "ready"), "{log}");
    assert!(
        has(&events, "api", "ready"),
        "api did not come up without its optional cache\n{log}"
    );
    assert!(env_of(&events, "api", "DATABASE_PORT").is_some(), "{log}");
    assert_eq!(
        env_of(&events, "api", "CACHE_PORT"),
        None,
        "an absent dependency has no port\n{log}"
    );
    // The api started only once the cache had failed for good (every attempt exited).
    let attempts = events
        .iter()
        .filter(|e| e.name == "cache" && e.event == "start")
        .count();
    assert_eq!(
        attempts, 2,
        "startup_retry_count = 1 means two attempts\n{log}"
    );
    let last_cache_exit = events
        .iter()
        .rposition(|e| e.name == "cache" && e.event == "exit");
    assert!(last_cache_exit < position(&events, "api", "start"), "{log}");

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    if let Err(left) = procs::wait_all_gone(&dir.events().pids(), PATIENCE) {
        panic!("still running: {left:?}");
    }
}

#[test]
fn required_service_down_fails_the_run_and_stops_everything() {
    let dir = TestDir::new("required-down");
    let stack = format!(
        r#"[coordination]
startup_retry_count = 1
required_services = ["database", "broken", "web"]
optional_services = ["sidecar"]

[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}

[services.sidecar]
command = {sidecar}
port = {{ range = "test" }}

[services.broken]
command = {broken}
port = {{ range = "test" }}
depends_on = {{ database = "required" }}

[services.web]
command = {web}
port = {{ range = "test" }}
depends_on = {{ broken = "required" }}
"#,
        range = dir.ports().range(0, 8),
        database = dir.toy("database", &[]),
        sidecar = dir.toy("sidecar", &[]),
        broken = dir.toy("broken", &["--require-env", NEVER_SET]),
        web = dir.toy("web", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let code = coord.exit_code(PATIENCE);
    let transcript = coord.transcript();
    assert_eq!(code, 1, "{transcript}");
    assert!(
        transcript.contains("broken"),
        "the failure summary names the service:\n{transcript}"
    );
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(has(&events, "broken", "missing-env"), "{log}");
    assert!(
        !has(&events, "web", "start"),
        "web started without its required dependency\n{log}"
    );
    assert!(has(&events, "database", "start"), "{log}");
    if let Err(left) = procs::wait_all_gone(&dir.events().pids(), PATIENCE) {
        panic!("still running after a failed run: {left:?}\n{log}");
    }
    // What was up was stopped with its stop signal, not left to die with coord.
    let events = dir.events().read();
    assert!(
        has(&events, "database", "sigterm"),
        "database was not stopped\n{log}"
    );
}
