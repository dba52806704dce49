//! Probe answers are facts the core decides on: a connect that something answered while no
//! listener of the service is seen is never readiness (the vanishing-outsider race).

use std::io::{Read, Write};
use std::net::TcpListener;

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, Pipe, is_summary};
use coord_tests::harness::events::{env_of, has, position};
use coord_tests::harness::testdir::TestDir;

/// Deterministic: while `api` has not bound its port yet, an outsider binds it, accepts coord's
/// http probe, closes its listener and only then answers 200. When coord attributes the answer
/// no listener is left: unattributable, so not ready. `api` becomes ready only once it listens,
/// on the same port (this is not a taken port), and its dependent starts only then.
#[test]
fn an_outsider_that_answers_once_and_vanishes_is_not_readiness() {
    let dir = TestDir::new("vanishing-outsider");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ range = "test" }}
# A generous probe timeout: on a loaded machine the outsider's one answer may come late, and a
# probe that times out is a plain failure, never the verdict this test waits for.
ready = {{ http = "/health", timeout = "20s" }}

[services.web]
command = {web}
depends_on = {{ api = "required" }}
"#,
        range = dir.ports().range(0, 4),
        api = dir.toy(
            "api",
            &["--bind-when-exists", &dir.file("gate").to_string_lossy()]
        ),
        web = dir.toy("web", &["--print-env", "API_PORT"]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let first = coord.wait_events(dir.events(), |ev| has(ev, "api", "start"));
    let port = first[position(&first, "api", "start").unwrap()]
        .num("port")
        .expect("api got a $PORT") as u16;

    // The outsider: one connection, then it is gone before it answers.
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind api's port first");
    let outsider = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("coord's probe connects");
        drop(listener);
        let mut request = [0u8; 1024];
        let _ = conn.read(&mut request);
        conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .expect("answer the probe");
    });
    outsider.join().expect("the outsider answered once");
    coord
        .wait_line(PATIENCE, |l| l.contains("no listener of the service"))
        .unwrap_or_else(|t| panic!("coord never judged the answer unattributable: {t}"));
    let early: Vec<String> = coord
        .lines(Pipe::Err)
        .into_iter()
        .chain(coord.lines(Pipe::Out))
        .filter(|l| l.contains("api: starting -> ready"))
        .collect();
    assert!(
        early.is_empty(),
        "ready on the outsider's answer: {early:?}\n{}",
        coord.transcript()
    );
    assert!(
        !has(&dir.events().read(), "web", "start"),
        "web started on the outsider's answer\n{}",
        dir.events().dump()
    );

    dir.touch("gate");
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("2/2 ready"), "{summary}");
    let events = dir.events().read();
    assert_eq!(
        env_of(&events, "web", "API_PORT"),
        Some(port.to_string()),
        "{}",
        dir.events().dump()
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}
