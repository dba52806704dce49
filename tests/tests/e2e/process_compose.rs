//! A process-compose.yaml stack run natively by `coord run -f process-compose.yaml`: a
//! `process_completed_successfully` migration, a `process_log_ready` broker (its
//! `ready_log_line` is a plain substring with regex characters), an API with an http readiness
//! probe and a `shutdown.command` (coord's `stop_command`), and a web front waiting for the API
//! to be healthy. It comes up in that order (the migration sees the file's `environment` and the
//! `.env` beside it) and stops cleanly on Ctrl-C, the API through its shutdown command.

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::position;
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

#[test]
fn a_process_compose_stack_comes_up_in_order_and_stops_cleanly() {
    let dir = TestDir::new("process-compose");
    let port = dir.ports().port(0);
    let line = "broker [1] up (ok)";
    let stack = format!(
        r#"version: "0.5"
environment:
  - "STACK=pc"
processes:
  migrate:
    command: "{migrate}"
  broker:
    command: "{broker}"
    ready_log_line: "{line}"
  api:
    command: "{api}"
    readiness_probe:
      http_get:
        host: 127.0.0.1
        port: {port}
        path: /health
      period_seconds: 1
    shutdown:
      command: "echo stopped >> {stopped} && kill -TERM $MAINPID"
      timeout_seconds: 10
    depends_on:
      migrate:
        condition: process_completed_successfully
      broker:
        condition: process_log_ready
  web:
    command: "{web}"
    depends_on:
      api:
        condition: process_healthy
"#,
        migrate = dir.toy_shell(
            "migrate",
            &[
                "--exit-after",
                "50",
                "--require-env",
                "STACK",
                "--require-env",
                "FROM_DOTENV"
            ]
        ),
        broker = dir.toy_shell("broker", &["--log-ready", line, "--ready-after", "200"]),
        api = dir.toy_shell(
            "api",
            &["--port", &port.to_string(), "--ready-after", "200"]
        ),
        web = dir.toy_shell("web", &["--sleep"]),
        stopped = dir.file("stopped.txt").display(),
    );
    // process-compose loads the `.env` beside the file; so does coord.
    dir.write(".env", "FROM_DOTENV=yes\n");
    let file = dir.write("process-compose.yaml", &stack);
    let mut coord = CoordRun::start(dir.path(), &["run", "-f", &file.to_string_lossy()]);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(summary.contains("ready"), "{summary}\n{log}");
    let at = |name: &str, event: &str| {
        position(&events, name, event).unwrap_or_else(|| panic!("{name} {event}\n{log}"))
    };
    assert!(at("migrate", "exit") < at("api", "start"), "{log}");
    assert!(at("broker", "ready") < at("api", "start"), "{log}");
    assert!(at("api", "ready") < at("web", "start"), "{log}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
    let stopped = std::fs::read_to_string(dir.file("stopped.txt")).unwrap_or_default();
    assert_eq!(
        stopped, "stopped\n",
        "the shutdown.command stopped api once"
    );
}
