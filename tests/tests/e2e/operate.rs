//! Operating a running stack from other processes: `coord events` (the event stream of the
//! control protocol) while `coord restart` acts, and a subscriber that never reads.

use crate::stacks::db_and_api;
use coord_tests::harness::coord::{CoordRun, Pipe, coord_cmd, is_summary};
use coord_tests::harness::events::has;
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};
use std::io::{BufRead, Write};

/// `coord events --json` started against the running stack, once it is subscribed.
fn subscribe(dir: &TestDir, file: &str) -> CoordRun {
    let mut events = CoordRun::start(dir.path(), &["events", "--json", "-f", file]);
    events
        .wait_line(PATIENCE, |l| l.starts_with("coord: following the stack"))
        .unwrap_or_else(|t| panic!("coord events did not subscribe: {t}"));
    events
}

/// The JSON objects `coord events --json` printed so far (every stdout line must be one).
fn printed(events: &mut CoordRun) -> Vec<serde_json::Value> {
    events
        .lines(Pipe::Out)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The states api entered, in order, from the transition events.
fn api_states(objects: &[serde_json::Value]) -> Vec<String> {
    objects
        .iter()
        .filter(|o| o["kind"] == "transition" && o["service"] == "api")
        .map(|o| o["to"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn two_subscribers_see_a_restart_as_json_transitions() {
    let dir = TestDir::new("operate-events");
    let file = db_and_api(&dir, &[]);
    let mut coord = CoordRun::start(dir.path(), &["run", "-f", &file]);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let mut first = subscribe(&dir, &file);
    let mut second = subscribe(&dir, &file);

    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    for events in [&mut first, &mut second] {
        events
            .wait_line(PATIENCE, |l| {
                l.contains(r#""kind":"transition""#)
                    && l.contains(r#""service":"api""#)
                    && l.contains(r#""to":"ready""#)
            })
            .unwrap_or_else(|t| panic!("no ready transition of api: {t}"));
        let objects = printed(events);
        assert_eq!(
            api_states(&objects),
            ["restarting", "waiting", "starting", "ready"],
            "{objects:#?}"
        );
        for o in &objects {
            assert_eq!(o["v"], 1, "{o}");
            assert!(o["unix_ms"].as_u64().is_some(), "{o}");
            assert!(o["run_ms"].as_u64().is_some(), "{o}");
            assert!(o["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{o}");
        }
        assert!(
            objects
                .iter()
                .any(|o| o["kind"] == "port" && o["service"] == "api" && o["port"].is_u64()),
            "the new generation's port is told: {objects:#?}"
        );
        // Probe verdicts are told when they change, never twice the same in a row.
        let verdicts: Vec<bool> = objects
            .iter()
            .filter(|o| o["kind"] == "probe" && o["service"] == "api")
            .map(|o| o["passed"].as_bool().expect("passed is a bool"))
            .collect();
        assert_eq!(verdicts.last(), Some(&true), "{objects:#?}");
        assert!(verdicts.windows(2).all(|w| w[0] != w[1]), "{verdicts:?}");
    }

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    for events in [&mut first, &mut second] {
        assert_eq!(events.exit_code(PATIENCE), 0, "{}", events.transcript());
        let objects = printed(events);
        let last = objects.last().expect("events were printed");
        assert_eq!(last["kind"], "run_end", "{objects:#?}");
        assert_eq!(last["outcome"], "stopped", "{last}");
    }
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn events_of_a_stack_nobody_runs_say_so() {
    let dir = TestDir::new("operate-none");
    let file = db_and_api(&dir, &[]);
    let (code, _, all) = coord_cmd(dir.path(), &file, &["events", "--json"]);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("no coord is running the stack"), "{all}");
}

#[test]
fn a_subscriber_that_never_reads_is_dropped_and_slows_nothing() {
    let dir = TestDir::new("operate-stalled");
    // api prints many lines each time it starts; the stalled subscriber asked for them.
    let file = db_and_api(&dir, &["--flood-lines", "40000"]);
    let mut coord = CoordRun::start(dir.path(), &["run", "-f", &file]);
    // (Not `is_summary` over 40,000 lines: it compiles a regex per line.)
    coord.wait_events(dir.events(), |ev| has(ev, "api", "ready"));

    let socket = dir.path().join(".coord").join("control.sock");
    let mut stalled = std::os::unix::net::UnixStream::connect(&socket).expect("connect");
    stalled
        .write_all(b"{\"v\":1,\"request\":\"subscribe\",\"logs\":true}\n")
        .expect("send the subscription");
    let mut reply = String::new();
    std::io::BufReader::new(&stalled)
        .read_line(&mut reply)
        .expect("the reply");
    assert!(
        reply.starts_with(r#"{"v":1,"reply":"subscribed""#),
        "{reply}"
    );
    // From here on the stalled subscriber reads nothing.

    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    // The new api prints all its lines (coord keeps reading its output) and becomes ready.
    let events = coord.wait_events(dir.events(), |ev| {
        ev.iter()
            .filter(|e| e.name == "api" && e.event == "flooded")
            .count()
            >= 2
            && ev
                .iter()
                .filter(|e| e.name == "api" && e.event == "ready")
                .count()
                >= 2
    });
    coord
        .wait_line(PATIENCE, |l| {
            l.contains("reads too slowly") && l.contains("dropped")
        })
        .unwrap_or_else(|t| panic!("coord did not drop the stalled subscriber: {t}"));
    let (code, _, status) = coord_cmd(dir.path(), &file, &["status", "--json"]);
    assert_eq!(code, 0, "{status}");
    assert!(status.contains("\"api\""), "{status}");

    coord.signal(rustix::process::Signal::TERM);
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    assert!(has(&events, "db", "ready"));
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
    drop(stalled);
}

/// One raw request line on the control socket; the reply line.
fn raw_request(socket: &std::path::Path, line: &str) -> String {
    let mut stream = std::os::unix::net::UnixStream::connect(socket).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    stream.write_all(line.as_bytes()).expect("send");
    let mut reply = String::new();
    std::io::BufReader::new(&stream)
        .read_line(&mut reply)
        .expect("a reply line");
    reply
}

#[test]
fn bad_requests_get_typed_error_replies_and_coord_carries_on() {
    let dir = TestDir::new("operate-bad");
    let file = db_and_api(&dir, &[]);
    let mut coord = CoordRun::start(dir.path(), &["run", "-f", &file]);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let socket = dir.path().join(".coord").join("control.sock");
    for (line, error) in [
        ("{\"v\":2,\"request\":\"status\"}\n", "unsupported_version"),
        ("{\"request\":\"status\"}\n", "unsupported_version"),
        ("status\n", "bad_request"),
        ("{\"v\":1,\"request\":\"explode\"}\n", "bad_request"),
        (
            "{\"v\":1,\"request\":\"stop\",\"service\":\"nosuch\"}\n",
            "unknown_service",
        ),
        (
            "{\"v\":1,\"request\":\"subscribe\",\"services\":[\"nosuch\"]}\n",
            "unknown_service",
        ),
    ] {
        let reply = raw_request(&socket, line);
        let json: serde_json::Value =
            serde_json::from_str(&reply).unwrap_or_else(|e| panic!("{e}: {reply}"));
        assert_eq!(json["v"], 1, "{line} -> {reply}");
        assert_eq!(json["reply"], "error", "{line} -> {reply}");
        assert_eq!(json["error"], error, "{line} -> {reply}");
    }
    let reply = raw_request(&socket, "{\"v\":1,\"request\":\"status\"}\n");
    assert!(reply.starts_with(r#"{"v":1,"reply":"status""#), "{reply}");
    let mode = std::fs::metadata(&socket)
        .expect("the socket")
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn events_of_one_service_with_its_output_lines() {
    let dir = TestDir::new("operate-logs");
    let file = db_and_api(&dir, &[]);
    let mut coord = CoordRun::start(dir.path(), &["run", "-f", &file]);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let mut events = CoordRun::start(
        dir.path(),
        &["events", "--json", "--logs", "api", "-f", &file],
    );
    events
        .wait_line(PATIENCE, |l| l.starts_with("coord: following the stack"))
        .unwrap_or_else(|t| panic!("coord events did not subscribe: {t}"));
    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "db"]);
    assert_eq!(code, 0, "{all}");
    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    events
        .wait_line(PATIENCE, |l| l.contains(r#""to":"ready""#))
        .unwrap_or_else(|t| panic!("no ready transition: {t}"));
    events
        .wait_line(PATIENCE, |l| {
            l.contains(r#""kind":"log""#) && l.contains("event=ready")
        })
        .unwrap_or_else(|t| panic!("no output line of api: {t}"));
    let objects = printed(&mut events);
    for o in &objects {
        assert!(
            o["service"].is_null() || o["service"] == "api",
            "only api's events: {o}"
        );
    }
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    assert_eq!(events.exit_code(PATIENCE), 0, "{}", events.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}
