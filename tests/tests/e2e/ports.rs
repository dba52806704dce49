//! Ports: outsiders are never taken for the service, a busy preferred port moves the service,
//! and two coord instances on one range never hand out the same port.

use std::process::{Child, Command, Stdio};

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{EventLog, env_of, has, listening_port, position};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, bins, procs};

/// An outsider process holding `port` and answering every request with 200 ("ok" on /health).
struct Outsider(Child);

impl Outsider {
    fn hold(port: u16, events: &EventLog) -> Outsider {
        let child = Command::new(bins::toy())
            .args([
                "--name",
                "outsider",
                "--hold-port",
                &port.to_string(),
                "--events",
            ])
            .arg(events.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the outsider");
        let pid = child.id();
        events
            .wait_until(PATIENCE, |ev| {
                ev.iter().any(|e| e.pid == pid && e.event == "holding")
            })
            .unwrap_or_else(|ev| panic!("the outsider could not hold {port}: {ev:?}"));
        Outsider(child)
    }
}

impl Drop for Outsider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn an_outsider_answering_on_the_port_is_not_readiness() {
    let dir = TestDir::new("outsider-false-positive");
    // api binds only when the gate file exists: the test puts an outsider on api's port first,
    // so readiness probes of that attempt can only ever reach the outsider.
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ range = "test" }}
ready = {{ http = "/health" }}

[services.web]
command = {web}
depends_on = {{ api = "required" }}
"#,
        range = dir.ports().range(0, 4),
        api = dir.toy(
            "api",
            &["--bind-when-exists", &dir.file("gate").to_string_lossy()]
        ),
        web = dir.toy(
            "web",
            &["--print-env", "API_PORT", "--check-url", "API_URL"]
        ),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let first = coord.wait_events(dir.events(), |ev| has(ev, "api", "start"));
    let taken: u16 = first[position(&first, "api", "start").unwrap()]
        .num("port")
        .expect("api got a $PORT") as u16;
    let outsider = Outsider::hold(taken, dir.events());
    // Open the gate only once coord has met the outsider: it was probed (a connection), or coord
    // already gave up on that attempt (stopped it or started another one).
    coord.wait_events(dir.events(), |ev| {
        has(ev, "outsider", "connection")
            || has(ev, "api", "sigterm")
            || ev
                .iter()
                .filter(|e| e.name == "api" && e.event == "start")
                .count()
                > 1
    });
    dir.touch("gate");

    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("2/2 ready"), "{summary}");
    let events = dir.events().read();
    let log = dir.events().dump();
    let port = listening_port(&events, "api").expect("api listens");
    assert_ne!(
        port, taken,
        "api cannot listen where the outsider is\n{log}"
    );
    for e in events
        .iter()
        .filter(|e| e.name == "web" && e.event == "env")
    {
        assert_ne!(
            e.fields.get("value"),
            Some(&taken.to_string()),
            "web was sent to the outsider\n{log}"
        );
    }
    assert_eq!(
        env_of(&events, "web", "API_PORT"),
        Some(port.to_string()),
        "{log}"
    );
    let ready = events
        .iter()
        .position(|e| e.name == "api" && e.event == "ready");
    assert!(
        ready < position(&events, "web", "start"),
        "web started before api was ready\n{log}"
    );

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    let outsider_pid = outsider.0.id();
    let ours: Vec<u32> = dir
        .events()
        .pids()
        .into_iter()
        .filter(|p| *p != outsider_pid)
        .collect();
    if let Err(left) = procs::wait_all_gone(&ours, PATIENCE) {
        panic!("still running: {left:?}");
    }
    assert!(
        procs::alive(outsider_pid),
        "coord must not kill a process that is not its own"
    );
}

#[test]
fn an_outsider_on_the_preferred_port_moves_the_service() {
    let dir = TestDir::new("outsider-preferred");
    let preferred = dir.ports().port(0);
    let _outsider = Outsider::hold(preferred, dir.events());
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ preferred = {preferred}, range = "test" }}

[services.web]
command = {web}
depends_on = {{ api = "required" }}
"#,
        range = dir.ports().range(1, 4),
        api = dir.toy("api", &["--print-env", "PORT"]),
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
    let port = listening_port(&events, "api").expect("api listens");
    assert!(
        dir.ports().ports(1, 4).contains(&port),
        "api on {port}, not in its range\n{log}"
    );
    assert!(
        !has(&events, "api", "bind-failed"),
        "coord handed out the busy port\n{log}"
    );
    assert_eq!(
        env_of(&events, "web", "API_PORT"),
        Some(port.to_string()),
        "{log}"
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}

#[test]
fn two_coord_instances_on_one_range_never_share_a_port() {
    let a = TestDir::new("two-instances-a");
    let b = TestDir::new("two-instances-b");
    // Both stacks use a's six ports; binding late widens the window in which only coord's
    // machine-wide reservation keeps the two apart.
    let range = a.ports().range(0, 6);
    let stack = |dir: &TestDir| {
        let mut text = format!("[ports.ranges]\nshared = \"{range}\"\n");
        for name in ["one", "two", "three"] {
            text.push_str(&format!(
                "\n[services.{name}]\ncommand = {}\nport = {{ range = \"shared\" }}\n",
                dir.toy(name, &["--bind-after", "200"])
            ));
        }
        dir.write("coord.toml", &text)
    };
    let (file_a, file_b) = (stack(&a), stack(&b));
    let mut run_a = CoordRun::run(&file_a);
    let mut run_b = CoordRun::run(&file_b);
    for run in [&mut run_a, &mut run_b] {
        let summary = run
            .wait_line(PATIENCE, is_summary)
            .unwrap_or_else(|t| panic!("{t}"));
        assert!(summary.contains("3/3 ready"), "{summary}");
    }
    let mut ports = Vec::new();
    for dir in [&a, &b] {
        let events = dir.events().read();
        assert!(
            !events.iter().any(|e| e.event == "bind-failed"),
            "a service was handed a port the other instance held:\n{}\n{}",
            a.events().dump(),
            b.events().dump()
        );
        for name in ["one", "two", "three"] {
            ports.push(listening_port(&events, name).expect("listening"));
        }
    }
    let mut distinct = ports.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        6,
        "ports shared between instances: {ports:?}"
    );
    for run in [&mut run_a, &mut run_b] {
        run.interrupt();
        assert_eq!(run.exit_code(PATIENCE), 0, "{}", run.transcript());
    }
}

#[test]
fn the_next_run_reuses_the_last_port() {
    let dir = TestDir::new("port-reuse");
    let first_choice = dir.ports().port(0);
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ range = "test" }}
"#,
        range = dir.ports().range(0, 4),
        api = dir.toy("api", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    // First run: an outsider holds the range's first port, so api lands elsewhere.
    let outsider = Outsider::hold(first_choice, dir.events());
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let port = listening_port(&dir.events().read(), "api").expect("api listens");
    assert_ne!(port, first_choice);
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    drop(outsider);
    assert!(
        procs::wait_all_gone(&dir.events().pids(), PATIENCE).is_ok(),
        "first run left processes"
    );

    // Second run: the first port is free again, but the registry remembers api's last port.
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let again = listening_port(&dir.events().read(), "api").expect("api listens");
    assert_eq!(
        again,
        port,
        "api did not get its last port back\n{}",
        dir.events().dump()
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}
