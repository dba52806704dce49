//! Services held back (`autostart = false`) and `coord start NAME`: a bare run leaves the
//! worker alone and `coord status` says `not_started`; `coord start worker` after `coord stop db`
//! starts db again, then the worker once db is ready.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, coord_cmd, is_summary};
use coord_tests::harness::events::{has, position};
use coord_tests::harness::testdir::TestDir;

#[test]
fn start_of_a_service_not_autostarted_with_a_stopped_dependency_starts_both_in_order() {
    let dir = TestDir::new("on-demand");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.db]
command = {db}
port = {{ range = "test" }}

[services.worker]
command = {worker}
autostart = false
depends_on = {{ db = "required" }}
"#,
        range = dir.ports().range(0, 4),
        db = dir.toy("db", &[]),
        worker = dir.toy("worker", &["--check-url", "DB_URL"]),
    );
    let stack = dir.write("coord.toml", &stack);
    let file = stack.to_string_lossy().into_owned();
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("1/1 ready"), "{summary}");
    let (code, status, all) = coord_cmd(dir.path(), &file, &["status"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("worker") && l.contains("not_started")),
        "{status}"
    );
    assert!(!has(&dir.events().read(), "worker", "start"));

    let (code, out, all) = coord_cmd(dir.path(), &file, &["stop", "db"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(out.trim(), "stopping db");
    coord
        .wait_line(PATIENCE, |l| l.contains("db: stopping -> stopped"))
        .unwrap_or_else(|t| panic!("{t}"));

    let (code, out, all) = coord_cmd(dir.path(), &file, &["start", "worker"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(out.trim(), "starting worker (and db)");
    coord
        .wait_line(PATIENCE, |l| l.contains("worker: starting -> ready"))
        .unwrap_or_else(|t| panic!("{t}\n{}", coord.transcript()));
    let events = dir.events().read();
    let db_ready_again = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == "db" && e.event == "listening")
        .nth(1)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("db did not start again:\n{}", dir.events().dump()));
    let worker_start = position(&events, "worker", "start").expect("worker started");
    assert!(
        db_ready_again < worker_start,
        "worker started before db listened again:\n{}",
        dir.events().dump()
    );

    // A second start is refused with the reason; an unknown name is a usage error.
    let (code, _, all) = coord_cmd(dir.path(), &file, &["start", "worker"]);
    assert_eq!(code, 1, "{all}");
    assert!(
        all.contains("start worker: nothing done: worker is already"),
        "{all}"
    );
    let (code, _, all) = coord_cmd(dir.path(), &file, &["start", "nosuch"]);
    assert_eq!(code, 2, "{all}");

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}
