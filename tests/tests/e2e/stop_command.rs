//! `stop_command`: run (with the service's environment and `$MAINPID`) instead of the stop
//! signal, in dependents-first order; a stop command that does nothing, or hangs, ends in the
//! group SIGKILL after the grace.

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::has;
use coord_tests::harness::testdir::{TestDir, toml_str};
use coord_tests::harness::{PATIENCE, procs};

fn assert_all_gone(pids: &[u32], dir: &TestDir, what: &str) {
    if let Err(left) = procs::wait_all_gone(pids, PATIENCE) {
        let left: Vec<String> = left.into_iter().map(procs::describe).collect();
        panic!("{what}: still running: {left:?}\n{}", dir.events().dump());
    }
}

#[test]
fn stop_commands_stop_the_services_in_order_with_their_environment() {
    let dir = TestDir::new("stop-command");
    let marker = dir.file("stopped.txt");
    // SIGINT, not the stop signal (SIGTERM, which the toy would log): only the stop command
    // can have ended the toy.
    let stop = |name: &str| {
        toml_str(&format!(
            "echo \"{name} $PORT $MAINPID\" >> '{}'; kill -INT $MAINPID",
            marker.display()
        ))
    };
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.db]
command = {db}
port = {{ range = "test" }}
stop_command = {db_stop}

[services.api]
command = {api}
port = {{ range = "test" }}
depends_on = {{ db = "required" }}
stop_command = {api_stop}
"#,
        range = dir.ports().range(0, 4),
        db = dir.toy("db", &[]),
        api = dir.toy("api", &[]),
        db_stop = stop("db"),
        api_stop = stop("api"),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = coord.wait_events(dir.events(), |ev| {
        has(ev, "db", "listening") && has(ev, "api", "listening")
    });
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    assert_all_gone(&dir.events().pids(), &dir, "after the stop commands");
    let log = dir.events().dump();
    let after = dir.events().read();
    assert!(
        !has(&after, "db", "sigterm") && !has(&after, "api", "sigterm"),
        "a stop signal was sent besides the stop command\n{log}"
    );
    let lines = std::fs::read_to_string(&marker).expect("the stop commands ran");
    let lines: Vec<Vec<&str>> = lines.lines().map(|l| l.split(' ').collect()).collect();
    let names: Vec<&str> = lines.iter().map(|l| l[0]).collect();
    assert_eq!(names, ["api", "db"], "dependents first: {lines:?}");
    for line in &lines {
        let name = line[0];
        let port = coord_tests::harness::events::listening_port(&events, name);
        assert_eq!(
            line[1].parse::<u16>().ok(),
            port,
            "{name}'s $PORT: {lines:?}"
        );
        let pid = events.iter().find(|e| e.name == name).map(|e| e.pid);
        assert_eq!(
            line[2].parse::<u32>().ok(),
            pid,
            "{name}'s $MAINPID: {lines:?}"
        );
    }
}

#[test]
fn a_stop_command_that_does_nothing_or_hangs_ends_in_sigkill_after_the_grace() {
    let dir = TestDir::new("stop-command-hangs");
    let hung = dir.file("hung.pid");
    let stack = format!(
        r#"[services.idle]
command = {idle}
stop_command = "true"
stop_grace = "1s"

[services.hung]
command = {hang}
stop_command = {hang_stop}
stop_grace = "1s"
"#,
        idle = dir.toy("idle", &[]),
        hang = dir.toy("hang", &[]),
        hang_stop = toml_str(&format!("echo $$ > '{}'; exec sleep 600", hung.display())),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.wait_events(dir.events(), |ev| {
        has(ev, "idle", "start") && has(ev, "hang", "start")
    });
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    let mut pids = dir.events().pids();
    let stop_pid = std::fs::read_to_string(&hung).expect("the hanging stop command ran");
    pids.push(stop_pid.trim().parse().expect("a pid"));
    assert_all_gone(&pids, &dir, "after the grace");
    let events = dir.events().read();
    let log = dir.events().dump();
    for name in ["idle", "hang"] {
        assert!(!has(&events, name, "sigterm"), "{name} got SIGTERM\n{log}");
        assert!(
            !has(&events, name, "exit"),
            "{name} exited by itself\n{log}"
        );
    }
    let transcript = coord.transcript();
    assert!(
        transcript.contains("idle: running its stop_command"),
        "coord says it ran the stop commands\n{transcript}"
    );
    assert!(
        transcript.contains("killed: still running 1s after its stop command"),
        "coord says the grace ended in SIGKILL\n{transcript}"
    );
}
