//! The supervising shim (`coord __supervise`), run for real: exit statuses mirrored, stop
//! signals survived, the group killed when coord goes away, leftovers killed, socket activation.

mod common;

use common::*;
use coord::process::{Launcher, ProcessSpec, exit_status};
use coord_core::ExitStatus;
use coord_core::stack::CommandSpec;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(60);

/// Starts `coord __supervise -- sh -c script` in its own group with a lifeline on stdin.
fn shim(script: &str) -> std::process::Child {
    let mut c = Command::new(coord_bin());
    c.args(["__supervise", "--", "/bin/sh", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0);
    c.spawn().unwrap()
}

fn status_of(script: &str) -> ExitStatus {
    let mut child = shim(script);
    exit_status(wait_exit(&mut child))
}

#[test]
fn exit_codes_and_signals_are_mirrored() {
    assert_eq!(status_of("exit 0"), ExitStatus::Code(0));
    assert_eq!(status_of("exit 7"), ExitStatus::Code(7));
    // A signal the shim itself catches (TERM) and one it cannot (KILL).
    assert_eq!(status_of("kill -TERM $$"), ExitStatus::Signal(15));
    assert_eq!(status_of("kill -KILL $$"), ExitStatus::Signal(9));
    assert_eq!(status_of("kill -INT $$"), ExitStatus::Signal(2));
}

#[test]
fn a_missing_program_exits_127() {
    let mut c = Command::new(coord_bin());
    c.args(["__supervise", "--", "/nonexistent/program"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = c.spawn().unwrap();
    let status = wait_exit(&mut child);
    assert_eq!(status.code(), Some(127));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("/nonexistent/program"), "{err}");
}

#[test]
fn the_group_stop_signal_reaches_the_service_and_the_shim_reports_it() {
    let mut child = shim("echo started; sleep 300 & wait");
    let pgid = child.id();
    let mut first = [0u8; 8];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    wait_until("the grandchild sleep", || live_members(pgid).len() >= 3);
    coord::process::signal_group(pgid, rustix::process::Signal::TERM).unwrap();
    let status = wait_exit(&mut child);
    assert_eq!(status.signal(), Some(15), "{status:?}");
    wait_until("the group to be empty", || live_members(pgid).is_empty());
}

#[test]
fn closing_the_lifeline_kills_the_whole_group() {
    let mut child = shim("sleep 300 & sleep 300 & wait");
    let pgid = child.id();
    wait_until("the service's children", || live_members(pgid).len() >= 4);
    drop(child.stdin.take());
    let status = wait_exit(&mut child);
    assert_eq!(status.signal(), Some(9), "{status:?}");
    wait_until("the group to be empty", || live_members(pgid).is_empty());
}

#[test]
fn leftovers_are_killed_when_the_service_exits() {
    let mut child = shim("sleep 300 & echo $! ; exit 3");
    let pgid = child.id();
    let status = wait_exit(&mut child);
    assert_eq!(status.code(), Some(3));
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let grandchild: u32 = out.trim().parse().unwrap();
    wait_until("the grandchild to die", || {
        coord::procfs::start_time(grandchild).is_none() || coord::procfs::is_zombie(grandchild)
    });
    assert!(live_members(pgid).is_empty());
}

#[test]
fn socket_activation_passes_the_listener_as_fd_3_with_listen_pid() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = temp_dir("activation");
    let launcher = Launcher { shim: coord_bin() };
    let command = CommandSpec::Shell(
        "echo \"$LISTEN_PID $$ $LISTEN_FDS $(readlink /proc/$$/fd/3)\"; exec sleep 300".into(),
    );
    let started = launcher
        .start(ProcessSpec {
            command: &command,
            cwd: &dir,
            env: vec![],
            listener: Some(listener),
        })
        .unwrap();
    let pgid = started.pid;
    let mut line = String::new();
    let mut stdout = started.stdout;
    smol::block_on(async {
        use futures_lite::AsyncBufReadExt;
        let mut reader = futures_lite::io::BufReader::new(&mut stdout);
        reader.read_line(&mut line).await.unwrap();
    });
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 4, "{line}");
    assert_eq!(
        fields[0], fields[1],
        "LISTEN_PID must be the service's pid: {line}"
    );
    assert_eq!(fields[2], "1");
    assert!(fields[3].starts_with("socket:["), "{line}");
    // coord's copy is closed: the listener now belongs to the service's group only.
    assert_eq!(
        coord::procfs::listener_owner(pgid, port),
        coord::procfs::ListenerOwner::Group
    );
    std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    drop(started.lifeline);
    let mut child = started.child;
    smol::block_on(child.status()).unwrap();
    wait_until("the group to be empty", || live_members(pgid).is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_exec_probe_passes_on_exit_0_and_kills_a_hung_command() {
    let dir = temp_dir("exec-probe");
    let launcher = Launcher { shim: coord_bin() };
    let env = vec![("WANT".to_string(), "yes".to_string())];
    let run = |cmd: &str, timeout_ms: u64| {
        smol::block_on(coord::probe::exec::probe(
            &launcher,
            cmd,
            &dir,
            env.clone(),
            std::time::Duration::from_millis(timeout_ms),
        ))
    };
    assert_eq!(
        run("test \"$WANT\" = yes", 30_000),
        coord_core::ProbeOutcome::Success
    );
    match run("echo not yet >&2; exit 1", 30_000) {
        coord_core::ProbeOutcome::Failure(why) => {
            assert!(why.contains("code 1") && why.contains("not yet"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(dir.join("marker"), "").unwrap();
    assert_eq!(
        run("test -f marker", 30_000),
        coord_core::ProbeOutcome::Success
    );
    match run("sleep 300", 50) {
        coord_core::ProbeOutcome::Failure(why) => assert!(why.contains("did not finish"), "{why}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Runs `script` (which prints a daemon's pid on its first line) under the shim, with the
/// daemon in its own session and group and orphaned; `end` then ends the shim; the daemon must die.
fn daemon_dies(script: &str, end: impl FnOnce(&mut std::process::Child)) {
    let mut child = shim(script);
    let mut line = String::new();
    {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        reader.read_line(&mut line).unwrap();
    }
    let daemon: u32 = line.trim().parse().unwrap();
    let gone = || coord::procfs::start_time(daemon).is_none() || coord::procfs::is_zombie(daemon);
    // (The first script ends as soon as the daemon has left the group, and the shim may kill it
    // at once: "gone" is as good as "left" here.)
    wait_until("the daemon to leave the group", || {
        coord::procfs::pgid(daemon).is_some_and(|g| g == daemon) || gone()
    });
    end(&mut child);
    wait_exit(&mut child);
    wait_until("the daemon to die", gone);
}

#[test]
fn an_orphaned_daemon_that_left_the_group_is_killed_with_the_service() {
    // The subshell exits at once: the daemon (new session, new group) is orphaned and adopted
    // by the shim, a child subreaper, which kills it when the service's main process ends.
    daemon_dies(
        "d=$( (setsid sleep 300 >/dev/null 2>&1 & echo $!) ); echo $d; \
         until [ \"$(cut -d' ' -f5 /proc/$d/stat)\" = \"$d\" ]; do :; done; exit 0",
        |_| {},
    );
}

#[test]
fn an_orphaned_daemon_is_killed_when_coord_goes_away() {
    daemon_dies(
        "(setsid sleep 300 >/dev/null 2>&1 & echo $!); exec sleep 300",
        |child| {
            drop(child.stdin.take());
        },
    );
}

/// Starts `coord __supervise [--listen] -- ARGV` in its own group with `lifeline` as stdin.
fn shim_with_lifeline(listen: bool, argv: &[&str], lifeline: UnixStream) -> Child {
    let mut command = Command::new(coord_bin());
    command.arg("__supervise");
    if listen {
        command.arg("--listen");
    }
    command
        .arg("--")
        .args(argv)
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(lifeline)))
        .process_group(0)
        .spawn()
        .expect("start the shim")
}

/// Whether `pid` catches `signo` (its `SigCgt` mask in `/proc/<pid>/status`).
fn catches(pid: u32, signo: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (signo - 1)) != 0)
}

/// Waits for `child` to exit within the patience; None (and the group killed) if it did not.
fn exit_within_patience(child: &mut Child) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = rustix::process::kill_process_group(
                rustix::process::Pid::from_raw(child.id() as i32).expect("a pid"),
                rustix::process::Signal::KILL,
            );
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_stop_before_the_service_exists_is_not_lost() {
    // With `--listen`, the shim catches the stop signals, then waits for the listener before it
    // starts the service: a SIGTERM to the group in that window must still end everything.
    let (ours, theirs) = UnixStream::pair().unwrap();
    let mut shim = shim_with_lifeline(true, &["sleep", "3600"], theirs);
    let pid = shim.id();
    let deadline = Instant::now() + PATIENCE;
    while !catches(pid, 15) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(catches(pid, 15), "the shim never caught SIGTERM");
    let group = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process_group(group, rustix::process::Signal::TERM).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    coord::fdpass::send_fd(&ours, &listener).unwrap();
    let status = exit_within_patience(&mut shim).expect("the stop was lost: the service runs on");
    assert_eq!(status.signal(), Some(15), "{status:?}");
}

#[test]
fn the_shim_reports_the_services_pid_and_the_service_dies_with_the_shim() {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let mut shim = shim_with_lifeline(false, &["sleep", "3600"], theirs);
    let mut line = String::new();
    BufReader::new(&ours).read_line(&mut line).unwrap();
    let service: u32 = line
        .trim()
        .strip_prefix("pid ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("not a pid line: {line:?}"));
    assert_ne!(service, shim.id());
    assert_eq!(
        coord::procfs::cmdline(service).unwrap_or_default(),
        vec!["sleep".to_string(), "3600".to_string()]
    );
    shim.kill().unwrap();
    shim.wait().unwrap();
    // Its parent-death signal: gone (or a zombie awaiting init) without anyone else's help.
    let deadline = Instant::now() + PATIENCE;
    while coord::procfs::start_time(service).is_some()
        && !coord::procfs::is_zombie(service)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let gone = coord::procfs::start_time(service).is_none() || coord::procfs::is_zombie(service);
    if !gone {
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_raw(service as i32).unwrap(),
            rustix::process::Signal::KILL,
        );
    }
    assert!(gone, "the service outlived its shim");
    drop(ours);
}
