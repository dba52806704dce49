//! The `started` dependency kind against real processes: a dependent starts once its dependency's
//! process runs, although that dependency never becomes ready; in coord.toml (`"started"`) and in
//! a process-compose file (`process_started`). `coord graph` names the kind.

use coord_tests::harness::coord::{CoordRun, coord_cmd};
use coord_tests::harness::events::{Event, has};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

/// Runs `file` (in `dir`), waits until `app` and `agent` run, and checks that `agent` is not
/// ready (it never binds its port, or its probe never passes); then stops the run and checks
/// nothing is left.
fn app_starts_while_agent_is_not_ready(dir: &TestDir, file: &str) {
    let mut coord = CoordRun::start(dir.path(), &["run", "-f", file]);
    // Both toys run (which of them writes its first event first is up to the scheduler: coord
    // orders the spawns, the core and simulator tests check that order).
    let events = coord.wait_events(dir.events(), |e: &[Event]| {
        has(e, "app", "start") && has(e, "agent", "start")
    });
    let log = dir.events().dump();
    assert!(
        !has(&events, "agent", "listening"),
        "agent must never be ready in this test\n{log}"
    );
    let (code, status, _) = coord_cmd(dir.path(), file, &["status"]);
    assert_eq!(code, 0, "{status}");
    let agent = status
        .lines()
        .find(|l| l.split_whitespace().next() == Some("agent"))
        .unwrap_or_else(|| panic!("no agent line\n{status}"));
    assert!(agent.contains("starting"), "{status}");
    coord.interrupt();
    coord
        .wait_exit(PATIENCE)
        .unwrap_or_else(|| panic!("coord did not stop\n{}", coord.transcript()));
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn a_started_dependent_starts_although_its_dependency_never_gets_ready() {
    let dir = TestDir::new("started-kind");
    let never = dir.file("never-created");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.agent]
command = {agent}
port = {{ range = "test" }}

[services.app]
command = {app}
depends_on = {{ agent = "started" }}
"#,
        range = dir.ports().range(0, 4),
        agent = dir.toy("agent", &["--bind-when-exists", &never.to_string_lossy()]),
        app = dir.toy("app", &["--sleep"]),
    );
    let file = dir.write("coord.toml", &stack);
    let file = file.to_string_lossy().into_owned();
    let (code, graph, err) = coord_cmd(dir.path(), &file, &["graph"]);
    assert_eq!(code, 0, "{err}");
    assert!(graph.contains("app <- agent (started)"), "{graph}");
    app_starts_while_agent_is_not_ready(&dir, &file);
}

#[test]
fn process_started_in_a_process_compose_file_waits_only_for_the_process() {
    let dir = TestDir::new("process-started");
    let never = dir.file("never-created");
    let stack = format!(
        r#"processes:
  agent:
    command: "{agent}"
    readiness_probe:
      exec:
        command: "test -e {never}"
      period_seconds: 1
  app:
    command: "{app}"
    depends_on:
      agent:
        condition: process_started
"#,
        agent = dir.toy_shell("agent", &["--sleep"]),
        app = dir.toy_shell("app", &["--sleep"]),
        never = never.display(),
    );
    let file = dir.write("process-compose.yaml", &stack);
    let file = file.to_string_lossy().into_owned();
    let (code, graph, err) = coord_cmd(dir.path(), &file, &["graph"]);
    assert_eq!(code, 0, "{err}");
    assert!(graph.contains("app <- agent (started)"), "{graph}");
    assert!(
        !err.contains("process_started"),
        "an exact mapping needs no warning: {err}"
    );
    app_starts_while_agent_is_not_ready(&dir, &file);
}
