//! Talking to a running coord: `status`, `stop NAME`, `restart NAME`.

use crate::stacks::db_and_api;
use coord_tests::harness::coord::{CoordRun, coord_cmd, is_summary};
use coord_tests::harness::events::{Event, has, listening_port};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

fn starts(events: &[Event], name: &str) -> Vec<u32> {
    events
        .iter()
        .filter(|e| e.name == name && e.event == "start")
        .map(|e| e.pid)
        .collect()
}

#[test]
fn status_stop_and_restart_act_on_the_running_stack() {
    let dir = TestDir::new("control");
    let file = db_and_api(&dir, &[]);
    let stack = std::path::PathBuf::from(&file);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = dir.events().read();
    let (db_port, api_port) = (
        listening_port(&events, "db").unwrap(),
        listening_port(&events, "api").unwrap(),
    );

    let (code, out, all) = coord_cmd(dir.path(), &file, &["status", "--json"]);
    assert_eq!(code, 0, "{all}");
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("status --json: {e}\n{out}"));
    let text = json.to_string();
    for needle in [
        "\"db\"",
        "\"api\"",
        &db_port.to_string(),
        &api_port.to_string(),
    ] {
        assert!(text.contains(needle), "{needle} not in the status:\n{out}");
    }

    let api_pid = starts(&events, "api")[0];
    let (code, _, all) = coord_cmd(dir.path(), &file, &["stop", "api"]);
    assert_eq!(code, 0, "{all}");
    procs::wait_all_gone(&[api_pid], PATIENCE).expect("api stopped");
    let events = dir.events().read();
    assert!(
        has(&events, "api", "sigterm"),
        "stopped with its stop signal"
    );
    let db_pid = starts(&events, "db")[0];
    assert!(procs::alive(db_pid), "stopping api must leave db running");

    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    let events = coord.wait_events(dir.events(), |ev| {
        ev.iter()
            .filter(|e| e.name == "api" && e.event == "ready")
            .count()
            >= 2
    });
    let pids = starts(&events, "api");
    assert_eq!(pids.len(), 2);
    assert_ne!(pids[0], pids[1]);

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn a_restart_the_core_ignores_says_why_and_exits_1() {
    let dir = TestDir::new("control-refused");
    let stack = format!(
        r#"[services.api]
command = {api}

[services.extra]
command = {extra}
"#,
        api = dir.toy("api", &["--sleep"]),
        extra = dir.toy("extra", &["--sleep"]),
    );
    let stack = dir.write("coord.toml", &stack);
    let file = stack.to_string_lossy().into_owned();
    // Only api is in the run.
    let mut coord = CoordRun::start(dir.path(), &["run", "-f", &file, "api"]);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let (code, out, all) = coord_cmd(dir.path(), &file, &["restart", "extra"]);
    assert_eq!(code, 1, "{all}");
    assert!(!out.contains("requested"), "{all}");
    assert!(
        all.contains("restart extra: nothing done: extra is not part of this run"),
        "{all}"
    );
    // A name the stack does not have is a usage error, exit 2, as for `coord run nosuch`.
    let (code, _, all) = coord_cmd(dir.path(), &file, &["stop", "nosuch"]);
    assert_eq!(code, 2, "{all}");
    let (code, out, all) = coord_cmd(dir.path(), &file, &["stop", "api"]);
    assert_eq!(code, 0, "{all}");
    assert!(out.contains("stopping api"), "{all}");
    coord.interrupt();
    coord.exit_code(PATIENCE);
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
    assert!(starts(&dir.events().read(), "extra").is_empty());
}
