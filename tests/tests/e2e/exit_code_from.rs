//! `coord run --exit-code-from tests` (the integration-test pattern: database, api, then tests):
//! when the test task ends coord stops the stack in order and exits with the task's own code.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::CoordRun;
use coord_tests::harness::events::position;
use coord_tests::harness::procs::wait_all_gone;
use coord_tests::harness::testdir::TestDir;

fn run_tests_exiting(code: i32) {
    let dir = TestDir::new(&format!("exit-code-from-{code}"));
    let code_text = code.to_string();
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

[services.tests]
kind = "task"
command = {tests}
depends_on = {{ api = "required" }}
"#,
        range = dir.ports().range(0, 4),
        database = dir.toy("database", &[]),
        api = dir.toy("api", &["--check-url", "DATABASE_URL"]),
        tests = dir.toy(
            "tests",
            &[
                "--check-url",
                "API_URL",
                "--exit-after",
                "50",
                "--exit-code",
                &code_text
            ]
        ),
    );
    let stack = dir.write("coord.toml", &stack);
    let file = stack.to_string_lossy().into_owned();
    let mut coord = CoordRun::start(
        dir.path(),
        &["run", "-f", &file, "--exit-code-from", "tests"],
    );
    assert_eq!(coord.exit_code(PATIENCE), code, "{}", coord.transcript());
    let transcript = coord.transcript();
    assert!(
        transcript.contains(&format!(
            "coord: tests ended with code {code}; the stack was stopped"
        )),
        "{transcript}"
    );
    let events = dir.events().read();
    let order: Vec<usize> = ["database", "api", "tests"]
        .iter()
        .map(|n| position(&events, n, "start").unwrap_or_else(|| panic!("{n} never started")))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "{}",
        dir.events().dump()
    );
    // Stopped in order: api got its stop signal before database.
    let api_term = position(&events, "api", "sigterm").expect("api stopped");
    let db_term = position(&events, "database", "sigterm").expect("database stopped");
    assert!(api_term < db_term, "{}", dir.events().dump());
    wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn exit_code_from_a_test_task_exiting_0_exits_0() {
    run_tests_exiting(0);
}

#[test]
fn exit_code_from_a_test_task_exiting_3_exits_3() {
    run_tests_exiting(3);
}

#[test]
fn exit_code_from_an_unknown_service_is_a_usage_error() {
    let dir = TestDir::new("exit-code-from-unknown");
    let stack = dir.write(
        "coord.toml",
        &format!("[services.a]\ncommand = {}\n", dir.toy("a", &[])),
    );
    let file = stack.to_string_lossy().into_owned();
    let mut coord = CoordRun::start(
        dir.path(),
        &["run", "-f", &file, "--exit-code-from", "nosuch"],
    );
    assert_eq!(coord.exit_code(PATIENCE), 2, "{}", coord.transcript());
    assert!(
        coord
            .transcript()
            .contains("--exit-code-from nosuch: no service named `nosuch`"),
        "{}",
        coord.transcript()
    );
}

#[test]
fn up_detached_refuses_the_options_that_decide_how_the_run_ends() {
    let dir = TestDir::new("exit-code-from-detached");
    let stack = dir.write(
        "coord.toml",
        &format!("[services.a]\ncommand = {}\n", dir.toy("a", &[])),
    );
    let file = stack.to_string_lossy().into_owned();
    for option in [&["--exit-code-from", "a"][..], &["--abort-on-failure"][..]] {
        let mut args = vec!["up", "-d", "-f", &file];
        args.extend_from_slice(option);
        let mut coord = CoordRun::start(dir.path(), &args);
        assert_eq!(coord.exit_code(PATIENCE), 2, "{}", coord.transcript());
        let out = coord.transcript();
        assert!(
            out.contains(&format!("`coord up -d` cannot take {}", option[0])),
            "{out}"
        );
        assert!(
            !dir.path().join(".coord/registry.json").exists(),
            "nothing started: {out}"
        );
    }
}
