//! Processes coord must never lose or wrongly kill: a daemon that keeps forking under `kill -9`
//! of coord, a shim killed under its service, a stop racing the start, a registry naming
//! processes that are not coord's, and a stack larger than the default descriptor limit.

use std::process::Command;
use std::time::{Duration, Instant};

use coord_tests::harness::coord::{CoordRun, Pipe, is_summary};
use coord_tests::harness::events::has;
use coord_tests::harness::testdir::{TestDir, toml_str};
use coord_tests::harness::{PATIENCE, bins, procs};
use rustix::process::Signal;

/// Live pids whose command line contains every one of `words`.
fn processes_with(words: &[&str]) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            let args: Vec<String> = raw
                .split(|&b| b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            words.iter().all(|w| args.iter().any(|a| a == w)) && procs::alive(pid)
        })
        .collect()
}

/// Waits until several scans in a row find no process with `words` (a churn always has one
/// link alive, so a quiet run of scans means it is over). Err: what was still found.
fn wait_none_with(words: &[&str], patience: Duration) -> Result<(), Vec<u32>> {
    let deadline = Instant::now() + patience;
    let mut quiet = 0;
    loop {
        let found = processes_with(words);
        if found.is_empty() {
            quiet += 1;
            if quiet >= 5 {
                return Ok(());
            }
        } else {
            quiet = 0;
            if Instant::now() >= deadline {
                return Err(found);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Test clean-up of an escaped churn: freeze and kill until none is left.
fn stop_churn(words: &[&str]) {
    for _ in 0..10_000 {
        let found = processes_with(words);
        if found.is_empty() {
            return;
        }
        for &p in &found {
            procs::signal(p, Signal::STOP);
        }
        for &p in &found {
            procs::signal(p, Signal::KILL);
        }
    }
}

/// The parent of `pid` (field 4 of `/proc/<pid>/stat`).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn kill_9_of_coord_leaves_nothing_of_a_daemon_that_keeps_forking() {
    // One snapshot and one kill per process let a link of the churn escape in some trials:
    // repeat so that a single-snapshot kill is caught.
    for trial in 0..8 {
        let dir = TestDir::new(&format!("fork-churn-{trial}"));
        let name = format!("churn{}t{trial}", std::process::id());
        let marker = format!("{name}-churn");
        // The daemons and their children: every process named after the service's churn.
        let words = [marker.as_str()];
        let stack = format!(
            "[services.daemon]\ncommand = {}\n",
            dir.toy(&name, &["--fork-churn"])
        );
        let stack = dir.write("coord.toml", &stack);
        let mut coord = CoordRun::run(&stack);
        coord.wait_events(dir.events(), |ev| has(ev, &name, "churning"));
        let deadline = Instant::now() + PATIENCE;
        while processes_with(&words).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        coord.signal(Signal::KILL);
        coord.wait_exit(PATIENCE).expect("coord dies of SIGKILL");
        let left = wait_none_with(&words, PATIENCE);
        stop_churn(&words);
        if let Err(left) = left {
            let left: Vec<String> = left.into_iter().map(procs::describe).collect();
            panic!("trial {trial}: the churn outlived coord: {left:?}");
        }
        if let Err(left) = procs::wait_all_gone(&dir.events().pids(), PATIENCE) {
            panic!("trial {trial}: still running: {left:?}");
        }
    }
}

#[test]
fn kill_9_of_the_shim_leaves_no_service_process() {
    let dir = TestDir::new("kill-shim");
    let stack = format!(
        r#"[services.api]
command = {api}
"#,
        api = dir.toy("api", &["--fork-grandchild"]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = coord.wait_events(dir.events(), |ev| {
        has(ev, "api", "grandchild") && has(ev, "api-grandchild", "start")
    });
    let service: Vec<u32> = dir.events().pids();
    let api = events
        .iter()
        .find(|e| e.name == "api")
        .map(|e| e.pid)
        .expect("api started");
    let shim = parent_of(api).expect("api has a parent");
    assert_ne!(shim, coord.pid(), "coord starts services through a shim");
    procs::signal(shim, Signal::KILL);
    if let Err(left) = procs::wait_all_gone(&service, PATIENCE) {
        let left: Vec<String> = left.into_iter().map(procs::describe).collect();
        panic!(
            "the service outlived its shim: {left:?}\n{}",
            dir.events().dump()
        );
    }
    coord.interrupt();
    assert!(
        coord.wait_exit(PATIENCE).is_some(),
        "{}",
        coord.transcript()
    );
    assert!(procs::wait_all_gone(&dir.events().pids(), PATIENCE).is_ok());
}

#[test]
fn kill_9_of_the_shim_leaves_no_daemon_that_left_the_group() {
    let dir = TestDir::new("kill-shim-daemon");
    // A daemon in a session of its own whose parent is the service's main process.
    let command = format!(
        "setsid {} & exec {}",
        dir.toy_shell("api-daemon", &["--sleep"]),
        dir.toy_shell("api", &[])
    );
    let stack = dir.write(
        "coord.toml",
        &format!("[services.api]\ncommand = {}\n", toml_str(&command)),
    );
    let mut coord = CoordRun::run(&stack);
    let events = coord.wait_events(dir.events(), |ev| {
        has(ev, "api", "ready") && has(ev, "api-daemon", "start")
    });
    let pid_of = |name: &str| events.iter().find(|e| e.name == name).map(|e| e.pid);
    let (api, daemon) = (pid_of("api").unwrap(), pid_of("api-daemon").unwrap());
    let shim = parent_of(api).expect("api has a parent");
    procs::signal(shim, Signal::KILL);
    if let Err(left) = procs::wait_all_gone(&[api, daemon], PATIENCE) {
        let left: Vec<String> = left.into_iter().map(procs::describe).collect();
        panic!("outlived the shim: {left:?}\n{}", dir.events().dump());
    }
    coord.interrupt();
    assert!(
        coord.wait_exit(PATIENCE).is_some(),
        "{}",
        coord.transcript()
    );
    assert!(procs::wait_all_gone(&dir.events().pids(), PATIENCE).is_ok());
}

#[test]
fn status_json_shows_the_services_own_pid_and_its_shims() {
    let dir = TestDir::new("status-pids");
    let stack = dir.write(
        "coord.toml",
        &format!("[services.api]\ncommand = {}\n", dir.toy("api", &[])),
    );
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = coord.wait_events(dir.events(), |ev| has(ev, "api", "start"));
    let api = events.iter().find(|e| e.name == "api").expect("api").pid;
    let file = stack.to_string_lossy().into_owned();
    // The shim reports the pid right after the start: ask until it is there.
    let deadline = Instant::now() + PATIENCE;
    let (pid, shim) = loop {
        let mut status = CoordRun::start(dir.path(), &["status", "--json", "-f", &file]);
        assert_eq!(status.exit_code(PATIENCE), 0, "{}", status.transcript());
        let out = status.lines(Pipe::Out).join("\n");
        let json: serde_json::Value = serde_json::from_str(&out).expect("status --json is JSON");
        let entry = json["services"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == "api"))
            .cloned()
            .unwrap_or_else(|| panic!("no api in {out}"));
        let pid = entry["pid"].as_u64().map(|p| p as u32);
        if pid.is_some() || Instant::now() >= deadline {
            break (pid, entry["shim_pid"].as_u64().map(|p| p as u32));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(pid, Some(api), "`pid` is the service's own");
    assert_eq!(shim, parent_of(api), "`shim_pid` is its parent, the shim");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}

#[test]
fn ctrl_c_right_after_start_does_not_wait_a_one_hour_grace() {
    // The stop must reach the service however early it comes: interrupt coord as soon as it
    // has started a shim, at a few different moments. The service exits on SIGTERM, its grace
    // is an hour: only a lost stop makes coord wait.
    for trial in 0..5u64 {
        let dir = TestDir::new(&format!("early-ctrl-c-{trial}"));
        let stack = format!(
            "[services.api]\ncommand = {}\nstop_grace = \"1h\"\n",
            dir.toy("api", &[])
        );
        let stack = dir.write("coord.toml", &stack);
        let mut coord = CoordRun::run(&stack);
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline
            && processes_with(&["__supervise"])
                .iter()
                .all(|&p| parent_of(p) != Some(coord.pid()))
        {
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_micros(500 * trial));
        coord.interrupt();
        assert!(
            coord.wait_exit(PATIENCE).is_some(),
            "trial {trial}: coord waits out the grace of a stop it lost\n{}\n{}",
            dir.events().dump(),
            coord.transcript()
        );
        assert!(procs::wait_all_gone(&dir.events().pids(), PATIENCE).is_ok());
    }
}

#[test]
fn a_forged_registry_never_gets_a_foreign_process_killed() {
    use std::os::unix::process::CommandExt;
    let dir = TestDir::new("forged-registry");
    // A process that is not coord's, in its own group, with `__supervise` among its arguments:
    // everything the old check looked at.
    let mut victim = Command::new("sh")
        .arg("-c")
        .arg("sleep 600")
        .arg("__supervise")
        .process_group(0)
        .spawn()
        .expect("start the victim");
    let pid = victim.id();
    let start_time: u64 = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(19)?
                .parse()
                .ok()
        })
        .expect("the victim's start time");
    let stack = dir.write(
        "coord.toml",
        &format!(
            "[services.api]\ncommand = {}\n[services.web]\ncommand = {}\n",
            dir.toy("api", &[]),
            dir.toy("web", &[])
        ),
    );
    std::fs::create_dir_all(dir.file(".coord")).unwrap();
    std::fs::set_permissions(
        dir.file(".coord"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let registry = serde_json::json!({
        "coord": null,
        "file": stack.to_string_lossy(),
        "services": {
            "api": { "state": "ready", "pid": pid, "pgid": pid, "pid_start_time": start_time },
            "web": { "state": "ready", "pid": pid, "pgid": 1, "pid_start_time": start_time }
        }
    });
    std::fs::write(
        dir.file(".coord/registry.json"),
        serde_json::to_string_pretty(&registry).unwrap(),
    )
    .unwrap();
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let alive = procs::alive(pid);
    coord.interrupt();
    let code = coord.wait_exit(PATIENCE).and_then(|s| s.code());
    // The shell and its `sleep`: the whole group.
    if let Some(group) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process_group(group, Signal::KILL);
    }
    let _ = victim.wait();
    assert!(alive, "a process named by the registry was killed");
    assert_eq!(code, Some(0), "{}", coord.transcript());
    let warned = coord
        .lines(Pipe::Err)
        .iter()
        .any(|l| l.contains("not proven coord's") && l.contains("left alone"));
    assert!(warned, "{}", coord.transcript());
}

#[test]
fn three_hundred_services_come_up_under_a_soft_limit_of_1024_descriptors() {
    const N: usize = 300;
    let dir = TestDir::new("fd-limit");
    let mut stack = String::new();
    for i in 0..N {
        stack.push_str(&format!(
            "[services.s{i}]\ncommand = {}\n",
            dir.toy(&format!("s{i}"), &[])
        ));
    }
    let stack = dir.write("coord.toml", &stack);
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg("ulimit -S -n 1024 && exec \"$@\"")
        .arg("sh")
        .arg(bins::coord())
        .arg("run")
        .arg("-f")
        .arg(&stack)
        .current_dir(dir.path());
    let mut coord = CoordRun::spawn(command);
    let summary = coord
        .wait_line(PATIENCE * 3, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains(&format!("{N}/{N} ready")), "{summary}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE * 3), 0, "{}", coord.transcript());
    assert!(procs::wait_all_gone(&dir.events().pids(), PATIENCE).is_ok());
}
