//! `coord status`: one JSON schema live and from the registry (`live: true/false`), and after a
//! `kill -9` of coord, the states it left are shown as stale, never as current.

use crate::stacks::db_and_api;
use coord_tests::harness::coord::{CoordRun, coord_cmd, is_summary};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

fn status_json(dir: &TestDir, file: &str) -> serde_json::Value {
    let (code, out, all) = coord_cmd(dir.path(), file, &["status", "--json"]);
    assert_eq!(code, 0, "{all}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("status --json: {e}\n{out}"))
}

fn service<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["services"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {json:#}"))
}

#[test]
fn status_json_has_one_schema_live_and_after_the_run() {
    let dir = TestDir::new("status-schema");
    let file = db_and_api(&dir, &[]);
    let mut coord = CoordRun::run(std::path::Path::new(&file));
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let live = status_json(&dir, &file);
    assert_eq!(live["live"], true, "{live:#}");
    assert_eq!(live["note"], serde_json::Value::Null, "{live:#}");
    assert_eq!(live["coord_pid"], coord.pid(), "{live:#}");
    assert_eq!(service(&live, "api")["state"], "ready", "{live:#}");
    assert!(service(&live, "api")["pid"].is_u64(), "{live:#}");
    coord.interrupt();
    coord.wait_exit(PATIENCE).expect("coord exits");

    let after = status_json(&dir, &file);
    assert_eq!(after["live"], false, "{after:#}");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("an object").keys().cloned().collect()
    };
    assert_eq!(keys(&live), keys(&after));
    assert!(after["services"].is_array(), "{after:#}");
    assert_eq!(service(&after, "api")["state"], "stopped", "{after:#}");
    let note = after["note"].as_str().expect("a note");
    assert!(
        note.starts_with("coord is not running; last seen "),
        "{note}"
    );
}

#[test]
fn after_kill_9_of_coord_status_shows_stale_states_and_gone_pids() {
    let dir = TestDir::new("status-stale");
    let file = db_and_api(&dir, &[]);
    let mut coord = CoordRun::run(std::path::Path::new(&file));
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = dir.events().read();
    let api_pid = events
        .iter()
        .find(|e| e.name == "api" && e.event == "start")
        .expect("api started")
        .pid;
    coord.signal(rustix::process::Signal::KILL);
    coord.wait_exit(PATIENCE).expect("coord is gone");
    // The shims see their lifeline end and kill the services.
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("the services die with coord");

    let json = status_json(&dir, &file);
    assert_eq!(json["live"], false, "{json:#}");
    let note = json["note"].as_str().expect("a note");
    assert!(
        note.starts_with("coord is not running; last seen ")
            && note.contains(&format!(
                "(pid {} is gone without cleaning up: states it recorded as running are stale)",
                coord.pid()
            )),
        "{note}"
    );
    let api = service(&json, "api");
    assert_eq!(api["state"], "stale", "{json:#}");
    assert_eq!(api["recorded_state"], "ready", "{json:#}");
    assert_eq!(api["running"], false, "{json:#}");
    assert_eq!(api["pid"], api_pid, "{json:#}");

    let (code, text, all) = coord_cmd(dir.path(), &file, &["status"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        text.starts_with("coord is not running; last seen "),
        "{text}"
    );
    let api_line = text
        .lines()
        .find(|l| l.starts_with("api "))
        .unwrap_or_else(|| panic!("no api line:\n{text}"));
    assert!(api_line.contains(" stale "), "{text}");
    assert!(api_line.contains(" ready "), "{text}");
    assert!(api_line.contains(&format!("({api_pid})")), "{text}");
    assert!(
        text.contains("(pid): the recorded process is gone"),
        "{text}"
    );
}
