//! `coord run` end to end with plain `sh` services: order, environment, exit codes, stops,
//! no survivors after Ctrl-C or `kill -9`, leftovers of a crashed run, the control socket.

mod common;

use common::*;
use rustix::process::Signal;
use std::process::Command;

/// Waits until the registry shows every listed service in `state`.
fn wait_states(file: &std::path::Path, names: &[&str], state: &str) {
    wait_until(&format!("{names:?} to be {state}"), || {
        let r = registry(file);
        names
            .iter()
            .all(|n| r.services.get(*n).is_some_and(|e| e.state == state))
    });
}

/// The process groups the registry records for running services.
fn recorded_groups(file: &std::path::Path) -> Vec<u32> {
    registry(file)
        .services
        .values()
        .filter_map(|e| e.pgid)
        .collect()
}

/// Sends `signal` to coord, checks that it exits with `code`, and that none of `groups` (recorded
/// while the stack ran) has a live member left.
fn signal_and_expect_clean_exit(
    coord: &mut std::process::Child,
    file: &std::path::Path,
    groups: Vec<u32>,
    signal: Signal,
    code: i32,
) {
    send(coord.id(), signal);
    assert_eq!(wait_exit(coord).code(), Some(code), "{:?}", printed(file));
    for g in groups {
        assert!(live_members(g).is_empty(), "group {g} survived");
    }
}

const CHAIN: &str = r#"
[services.first]
command = "echo first-up; exec sleep 300"
ready = { log = "first-up" }

[services.second]
command = "echo \"second sees FIRST_AVAILABLE=$FIRST_AVAILABLE GREETING=$GREETING\"; exec sleep 300"
depends_on = ["first"]
env = { GREETING = "hello" }
ready = { log = "second sees" }

[services.setup]
kind = "task"
command = "echo setup-done"
depends_on = ["second"]
"#;

#[test]
fn a_chain_comes_up_in_order_and_ctrl_c_stops_it_cleanly() {
    let file = stack_file("chain", CHAIN);
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["first", "second"], "ready");
    wait_states(&file, &["setup"], "completed");
    wait_until("the summary line", || {
        printed(&file).1.contains("3/3 ready")
    });
    let groups = recorded_groups(&file);
    assert_eq!(groups.len(), 2, "{groups:?}");

    signal_and_expect_clean_exit(&mut coord, &file, groups, Signal::INT, 0);
    let (out, err) = printed(&file);
    let first = out.find("first  | first-up").expect(&out);
    let second = out
        .find("second | second sees FIRST_AVAILABLE=1 GREETING=hello")
        .expect(&out);
    let setup = out.find("setup  | setup-done").expect(&out);
    assert!(first < second && second < setup, "{out}");
    // Stopped dependents first.
    let stop_second = err.find("second: ready -> stopping").expect(&err);
    let stop_first = err.find("first: ready -> stopping").expect(&err);
    assert!(stop_second < stop_first, "{err}");
    // Output also went to the log files; the registry keeps no pids.
    let dir = file.parent().unwrap();
    let log = std::fs::read_to_string(dir.join(".coord/logs/setup.log")).unwrap();
    assert_eq!(log, "setup-done\n");
    let r = registry(&file);
    assert!(r.coord.is_none());
    assert!(r.services.values().all(|e| e.pid.is_none()));
}

#[test]
fn a_failed_required_service_fails_the_run_with_exit_1() {
    let file = stack_file(
        "required-fails",
        r#"
[coordination]
startup_retry_count = 0

[services.base]
command = "echo base-up; exec sleep 300"
ready = { log = "base-up" }

[services.broken]
kind = "task"
command = "echo broken >&2; exit 3"
depends_on = ["base"]
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    let status = wait_exit(&mut coord);
    assert_eq!(status.code(), Some(1), "{:?}", printed(&file));
    let (_, err) = printed(&file);
    assert!(err.contains("broken"), "{err}");
    let r = registry(&file);
    assert_eq!(r.services["broken"].state, "failed");
    assert!(r.services.values().all(|e| e.pid.is_none()));
}

#[test]
fn an_optional_failure_leaves_the_stack_up() {
    let file = stack_file(
        "optional-fails",
        r#"
[coordination]
startup_retry_count = 0
optional_services = ["extra"]

[services.extra]
command = "exit 4"
min_uptime = "5s"

[services.app]
command = "echo \"app extra=$EXTRA_AVAILABLE\"; exec sleep 300"
depends_on = { extra = "optional" }
ready = { log = "app extra" }
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["app"], "ready");
    assert_eq!(registry(&file).services["extra"].state, "failed");
    assert!(printed(&file).0.contains("app extra=0"));
    send(coord.id(), Signal::INT);
    assert_eq!(wait_exit(&mut coord).code(), Some(0));
}

#[test]
fn ctrl_c_during_startup_exits_130() {
    let file = stack_file(
        "interrupted",
        r#"
[services.slow]
command = "echo started; exec sleep 300"
ready = { log = "never printed" }
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    wait_until("the service to print", || {
        printed(&file).0.contains("started")
    });
    let groups = recorded_groups(&file);
    signal_and_expect_clean_exit(&mut coord, &file, groups, Signal::INT, 130);
}

#[test]
fn a_service_ignoring_sigterm_is_killed_after_its_grace() {
    let file = stack_file(
        "stubborn",
        r#"
[services.stubborn]
command = "trap '' TERM; echo up; while :; do sleep 1; done"
ready = { log = "up" }
stop_grace = "300ms"
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["stubborn"], "ready");
    let groups = recorded_groups(&file);
    signal_and_expect_clean_exit(&mut coord, &file, groups, Signal::TERM, 0);
}

#[test]
fn kill_9_of_coord_leaves_no_process_behind() {
    let file = stack_file(
        "kill9",
        r#"
[services.forker]
command = "sleep 300 & sleep 300 & echo forked; wait"
ready = { log = "forked" }

[services.other]
command = "echo other; exec sleep 300"
ready = { log = "other" }
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["forker", "other"], "ready");
    let groups = recorded_groups(&file);
    assert_eq!(groups.len(), 2);
    wait_until("the grandchildren", || {
        live_members(groups[0]).len() >= 3 || live_members(groups[1]).len() >= 3
    });
    send(coord.id(), Signal::KILL);
    wait_exit(&mut coord);
    wait_until("every group to be empty", || {
        groups.iter().all(|&g| live_members(g).is_empty())
    });
}

#[test]
fn the_next_run_kills_what_a_crashed_run_left_and_reuses_ports() {
    let file = stack_file(
        "leftover",
        r#"
[services.svc]
command = "echo up; exec sleep 300"
ready = { log = "up" }
"#,
    );
    // A leftover shim group, recorded in the registry as a crashed run would have left it (its
    // lifeline is kept open here, so only the cleanup can end it).
    let mut leftover = Command::new(coord_bin());
    {
        use std::os::unix::process::CommandExt;
        leftover
            .args(["__supervise", "--", "sleep", "300"])
            .env(coord::supervise::TOKEN_VAR, "leftover-token")
            .stdin(std::process::Stdio::piped())
            .process_group(0);
    }
    let mut leftover = leftover.spawn().unwrap();
    let pid = leftover.id();
    wait_until("the leftover's sleep", || live_members(pid).len() >= 2);
    let paths = coord::paths::StackPaths::for_stack_file(&file).unwrap();
    coord::registry::update(&paths, |r| {
        r.coord = Some(coord::registry::ProcessId {
            pid: 999_999,
            start_time: 1,
        });
        r.services.insert(
            "svc".into(),
            coord::registry::Entry {
                state: "ready".into(),
                pid: Some(pid),
                pgid: Some(pid),
                pid_start_time: coord::procfs::start_time(pid),
                shim_token: Some("leftover-token".into()),
                port: Some(free_port()),
                ..Default::default()
            },
        );
    })
    .unwrap();
    let mut coord = spawn_run(&file, &[]);
    let coord_pid = coord.id();
    // The fake entry already says "ready": wait for this run's own record of it.
    wait_until("this run to record svc ready", || {
        let r = registry(&file);
        r.coord.is_some_and(|c| c.pid == coord_pid)
            && r.services["svc"].state == "ready"
            && r.services["svc"].pid.is_some_and(|p| p != pid)
    });
    wait_exit(&mut leftover);
    wait_until("the leftover group to be gone", || {
        live_members(pid).is_empty()
    });
    assert!(
        printed(&file).1.contains("previous coord"),
        "{:?}",
        printed(&file)
    );
    send(coord.id(), Signal::INT);
    assert_eq!(wait_exit(&mut coord).code(), Some(0));
}

#[test]
fn socket_activation_tcp_readiness_discover_and_stop_through_the_control_socket() {
    let port = free_port();
    let file = stack_file(
        "activation",
        &format!(
            r#"
[ports.ranges]
test = "{port}-{port}"

[services.api]
command = "exec sleep 300"
port = {{ range = "test" }}
socket_activation = true

[services.worker]
command = "echo \"worker uses $API_URL\"; exec sleep 300"
depends_on = ["api"]
ready = {{ log = "worker uses" }}
"#
        ),
    );
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["api", "worker"], "ready");
    let url = format!("http://127.0.0.1:{port}");
    assert!(printed(&file).0.contains(&format!("worker uses {url}")));
    let discover = Command::new(coord_bin())
        .args(["discover", "api", "--wait", "10s", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&discover.stdout).trim(), url);

    let stop = Command::new(coord_bin())
        .args(["stop", "worker", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(stop.status.success(), "{stop:?}");
    wait_states(&file, &["worker"], "stopped");
    let status = Command::new(coord_bin())
        .args(["status", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    let worker = text
        .lines()
        .find(|l| l.starts_with("worker "))
        .expect(&text);
    assert!(
        worker.contains("stopped") && worker.contains("not_ready"),
        "{text}"
    );
    let api = text.lines().find(|l| l.starts_with("api ")).expect(&text);
    assert!(
        api.contains(" ready ") && api.contains(&port.to_string()),
        "{text}"
    );

    send(coord.id(), Signal::INT);
    assert_eq!(wait_exit(&mut coord).code(), Some(0));
    // The port is free again and was recorded for the next run.
    assert_eq!(registry(&file).services["api"].port, Some(port));
    coord::ports::bind_check(port).unwrap();
}

#[test]
fn a_second_coord_on_the_same_stack_is_refused() {
    let file = stack_file(
        "twice",
        r#"
[services.one]
command = "echo up; exec sleep 300"
ready = { log = "up" }
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["one"], "ready");
    let second = Command::new(coord_bin())
        .args(["run", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already running"));
    send(coord.id(), Signal::INT);
    assert_eq!(wait_exit(&mut coord).code(), Some(0));
}

#[test]
fn a_failing_liveness_probe_restarts_the_service() {
    let file = stack_file(
        "liveness",
        r#"
[services.svc]
command = "touch alive; echo up; exec sleep 300"
ready = { exec = "test -f alive" }
live = { exec = "test -f alive", period = "100ms", failure_threshold = 1 }
restart = { policy = "on-failure" }
"#,
    );
    let dir = file.parent().unwrap().to_path_buf();
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["svc"], "ready");
    let first = registry(&file).services["svc"].pid.unwrap();
    std::fs::remove_file(dir.join("alive")).unwrap();
    wait_until("a new process to be ready", || {
        let e = &registry(&file).services["svc"];
        e.state == "ready" && e.pid.is_some_and(|p| p != first)
    });
    assert!(
        live_members(first).is_empty(),
        "the unhealthy generation survived"
    );
    wait_until("the second generation's output", || {
        printed(&file).0.matches("svc | up").count() == 2
    });
    send(coord.id(), Signal::INT);
    assert_eq!(wait_exit(&mut coord).code(), Some(0));
}

#[test]
fn an_outsider_on_the_port_after_the_spawn_fails_the_attempt_at_once() {
    let port = free_port();
    let file = stack_file(
        "outsider-after-spawn",
        &format!(
            r#"
[coordination]
startup_retry_count = 0
readiness_timeout = "10m"

[ports.ranges]
one = "{port}-{port}"

[services.api]
command = "echo started; exec sleep 300"
port = {{ range = "one" }}
"#
        ),
    );
    let mut coord = spawn_run(&file, &[]);
    wait_until("the service to start", || {
        printed(&file).0.contains("started")
    });
    // The port was free at the spawn; now an outsider takes it before the service binds.
    let outsider = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let status = wait_exit(&mut coord);
    assert_eq!(status.code(), Some(1), "{:?}", printed(&file));
    let (_, err) = printed(&file);
    assert!(err.contains("outside the service's process group"), "{err}");
    assert!(err.contains("port") && err.contains("taken"), "{err}");
    drop(outsider);
}

#[test]
fn the_kill_after_the_grace_also_reaches_a_daemon_that_left_the_group() {
    let file = stack_file(
        "stubborn-daemon",
        r#"
[services.stubborn]
command = "(setsid sleep 300 >/dev/null 2>&1 & echo daemon $!); trap '' TERM; echo up; while :; do sleep 1; done"
ready = { log = "up" }
stop_grace = "200ms"
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["stubborn"], "ready");
    let daemon: u32 = {
        let out = printed(&file).0;
        let line = out
            .lines()
            .find(|l| l.contains("daemon "))
            .expect(&out)
            .to_string();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    wait_until("the daemon to leave the group", || {
        coord::procfs::pgid(daemon).is_some_and(|g| g == daemon)
    });
    send(coord.id(), Signal::INT);
    assert_eq!(
        wait_exit(&mut coord).code(),
        Some(0),
        "{:?}",
        printed(&file)
    );
    wait_until("the daemon to die", || {
        coord::procfs::start_time(daemon).is_none() || coord::procfs::is_zombie(daemon)
    });
}

#[test]
fn sighup_stops_the_stack_like_ctrl_c() {
    let file = stack_file(
        "hangup",
        r#"
[services.one]
command = "echo up; exec sleep 300"
ready = { log = "up" }
"#,
    );
    let mut coord = spawn_run(&file, &[]);
    wait_states(&file, &["one"], "ready");
    let groups = recorded_groups(&file);
    signal_and_expect_clean_exit(&mut coord, &file, groups, Signal::HUP, 0);
    assert!(printed(&file).1.contains("one: ready -> stopping"));
}
