//! Readiness kinds beyond tcp/http: socket activation (the listener comes from coord), sd_notify
//! `READY=1`, and a log line.

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{env_of, has, listening_port, position};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

#[test]
fn socket_activation_passes_the_listener() {
    let dir = TestDir::new("socket-activation");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ range = "test" }}
socket_activation = true
ready = {{ http = "/health" }}

[services.web]
command = {web}
depends_on = {{ api = "required" }}
"#,
        range = dir.ports().range(0, 4),
        // --listen-fds exits 5 unless LISTEN_FDS/LISTEN_PID hand it a TCP listener.
        api = dir.toy("api", &["--listen-fds", "--ready-after", "100"]),
        web = dir.toy(
            "web",
            &["--print-env", "API_PORT", "--check-url", "API_URL"]
        ),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("2/2 ready"), "{summary}");
    let events = dir.events().read();
    let log = dir.events().dump();
    let listening = events
        .iter()
        .find(|e| e.name == "api" && e.event == "listening")
        .unwrap_or_else(|| panic!("api got no socket\n{log}"));
    assert_eq!(
        listening.fields.get("activated").map(String::as_str),
        Some("true"),
        "{log}"
    );
    let port = listening_port(&events, "api").unwrap();
    assert!(dir.ports().ports(0, 4).contains(&port), "{log}");
    assert_eq!(
        env_of(&events, "web", "API_PORT"),
        Some(port.to_string()),
        "{log}"
    );
    assert!(
        position(&events, "api", "ready") < position(&events, "web", "start"),
        "{log}"
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn notify_and_log_readiness_gate_dependents() {
    let dir = TestDir::new("notify-log");
    let line = "database system is ready to accept connections";
    let stack = format!(
        r#"[services.notifier]
command = {notifier}
ready = {{ notify = true }}

[services.logger]
command = {logger}
ready = {{ log = "ready to accept connections$" }}

[services.web]
command = {web}
depends_on = {{ notifier = "required", logger = "required" }}
"#,
        notifier = dir.toy("notifier", &["--notify", "--ready-after", "300"]),
        logger = dir.toy("logger", &["--log-ready", line, "--ready-after", "300"]),
        web = dir.toy("web", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("3/3 ready"), "{summary}");
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(
        has(&events, "notifier", "notified"),
        "READY=1 was not sent (NOTIFY_SOCKET?)\n{log}"
    );
    // "ready" is written just before READY=1 is sent / the line is printed, so a dependent that
    // started before it was let through by something else.
    let web = position(&events, "web", "start").unwrap_or_else(|| panic!("web never ran\n{log}"));
    assert!(position(&events, "notifier", "ready") < Some(web), "{log}");
    assert!(position(&events, "logger", "ready") < Some(web), "{log}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}
