//! A fixed port belongs to its service: another service's range never hands it out, and one held
//! by a program outside the run is retried, backing off over seconds, until it is free.

use std::process::{Child, Command, Stdio};

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{EventLog, listening_port};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, bins, procs};

/// An outsider process holding `port` until dropped.
struct Outsider(Child);

impl Outsider {
    fn hold(port: u16, events: &EventLog) -> Outsider {
        let child = Command::new(bins::toy())
            .args(["--name", "outsider", "--hold-port", &port.to_string()])
            .arg("--events")
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
fn a_range_skips_the_fixed_port_of_a_later_service() {
    let dir = TestDir::new("fixed-port-kept");
    let fixed = dir.ports().port(0);
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.a]
command = {a}
port = {{ range = "test" }}

[services.b]
command = {b}
port = {fixed}
"#,
        range = dir.ports().range(0, 4),
        a = dir.toy("a", &[]),
        b = dir.toy("b", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(
        summary.contains("2/2 ready"),
        "{summary}\n{}",
        coord.transcript()
    );
    let events = dir.events().read();
    let log = dir.events().dump();
    assert_eq!(listening_port(&events, "b"), Some(fixed), "{log}");
    assert_ne!(listening_port(&events, "a"), Some(fixed), "{log}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn a_fixed_port_held_by_an_outsider_is_retried_until_it_is_free() {
    let dir = TestDir::new("fixed-port-retried");
    let fixed = dir.ports().port(0);
    let stack = format!(
        r#"[coordination]
startup_retry_count = 4

[services.web]
command = {web}
port = {fixed}
"#,
        web = dir.toy("web", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let outsider = Outsider::hold(fixed, dir.events());
    let mut coord = CoordRun::run(&stack);
    // coord met the outsider: the attempt failed and is being retried.
    coord
        .wait_line(PATIENCE, |l| {
            l.contains("web") && l.contains(&fixed.to_string())
        })
        .unwrap_or_else(|t| panic!("{t}"));
    drop(outsider);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(
        summary.contains("1/1 ready"),
        "{summary}\n{}",
        coord.transcript()
    );
    assert_eq!(
        listening_port(&dir.events().read(), "web"),
        Some(fixed),
        "{}",
        dir.events().dump()
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}

#[test]
fn a_busy_fixed_port_names_the_process_that_holds_it() {
    let dir = TestDir::new("fixed-port-holder");
    let fixed = dir.ports().port(0);
    let stack = format!(
        "[services.web]\ncommand = {web}\nport = {fixed}\n",
        web = dir.toy("web", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let outsider = Outsider::hold(fixed, dir.events());
    let mut coord = CoordRun::run(&stack);
    let line = coord
        .wait_line(PATIENCE, |l| {
            l.contains(&format!("web: port {fixed} is in use on this machine"))
        })
        .unwrap_or_else(|t| panic!("{t}"));
    let toy = bins::toy();
    let expected = format!(
        ", held by pid {} ({} --name outsider --hold-port {fixed} --events ",
        outsider.0.id(),
        toy.display()
    );
    assert!(line.contains(&expected), "{line}\nexpected: {expected}");
    coord.interrupt();
    coord.wait_exit(PATIENCE).expect("coord exits");
}
