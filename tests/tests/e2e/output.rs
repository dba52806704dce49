//! coord's own output: closed pipes, a terminal that does not read, floods of service output,
//! the registry's bookkeeping for a large stack, and panics. Each test runs the real binary with
//! its stdout/stderr wired by hand (a closed pipe, a pipe nobody reads, /dev/null).

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::has;
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, bins, procs};
use rustix::process::Signal;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Two toys, `api` depending on `db`, each ready on `GET /health`; `extra` is added to db's
/// arguments.
fn two_toys(dir: &TestDir, extra: &[&str]) -> std::path::PathBuf {
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.db]
command = {db}
port = {{ range = "test" }}
ready = {{ http = "/health" }}

[services.api]
command = {api}
port = {{ range = "test" }}
ready = {{ http = "/health" }}
depends_on = ["db"]
"#,
        range = dir.ports().range(0, 8),
        db = dir.toy("db", extra),
        api = dir.toy("api", &[]),
    );
    dir.write("coord.toml", &stack)
}

/// `coord ARGS` in `dir` with the given stdout and stderr.
fn spawn(dir: &Path, args: &[&str], out: Stdio, err: Stdio) -> Child {
    Command::new(bins::coord())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start coord")
}

/// Waits for `child` to exit, for at most `patience`.
fn wait_exit(child: &mut Child, patience: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + patience;
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until every toy named in `names` logged `event`; panics with the events otherwise.
fn wait_all(dir: &TestDir, names: &[&str], event: &str) {
    wait_all_for(dir, names, event, PATIENCE);
}

/// [`wait_all`] with its own patience (for floods, slow in a debug build on a busy machine).
fn wait_all_for(dir: &TestDir, names: &[&str], event: &str, patience: Duration) {
    let done = |ev: &[coord_tests::harness::events::Event]| names.iter().all(|n| has(ev, n, event));
    if dir.events().wait_until(patience, done).is_err() {
        panic!(
            "not every one of {names:?} logged `{event}`\n{}",
            dir.events().dump()
        );
    }
}

/// Waits until the registry holds `needle` `count` times (e.g. every service ready).
fn wait_registry(dir: &TestDir, needle: &str, count: usize) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = std::fs::read_to_string(dir.file(".coord/registry.json")).unwrap_or_default();
        if text.matches(needle).count() >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the registry never held {count} x {needle}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_all_gone(dir: &TestDir) {
    let pids = dir.events().pids();
    assert!(!pids.is_empty(), "no toy ever ran");
    if let Err(left) = procs::wait_all_gone(&pids, PATIENCE) {
        let left: Vec<String> = left.into_iter().map(procs::describe).collect();
        panic!("still running: {left:?}\n{}", dir.events().dump());
    }
}

/// `VmHWM` (peak resident memory) of `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

#[test]
fn a_closed_output_pipe_changes_nothing_and_sigterm_still_stops_in_order() {
    // `coord run 2>&1 | head -2`: both streams in one pipe whose reader goes away.
    let dir = TestDir::new("closed-pipe");
    let stack = two_toys(&dir, &[]);
    let (reader, writer) = std::io::pipe().expect("pipe");
    let mut coord = spawn(
        dir.path(),
        &["run", "-f", &stack.to_string_lossy()],
        writer.try_clone().expect("dup").into(),
        writer.into(),
    );
    let mut lines = BufReader::new(reader);
    for _ in 0..2 {
        let mut line = String::new();
        lines.read_line(&mut line).expect("coord writes");
    }
    drop(lines);
    // Everything after this is written into a closed pipe: state changes, service lines.
    wait_all(&dir, &["db", "api"], "ready");
    wait_registry(&dir, "\"state\": \"ready\"", 2);
    procs::signal(coord.id(), Signal::TERM);
    let status = wait_exit(&mut coord, PATIENCE).expect("coord exits after SIGTERM");
    assert_eq!(status.code(), Some(0), "{status}\n{}", dir.events().dump());
    wait_all(&dir, &["db", "api"], "sigterm");
    assert_all_gone(&dir);
}

/// Runs `coord ARGS` with stdout already closed (the reader of `| head -1` gone); returns its
/// exit status and stderr.
fn into_closed_stdout(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut child = spawn(dir, args, writer.into(), Stdio::piped());
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut err)
        .expect("read stderr");
    let status = wait_exit(&mut child, PATIENCE).expect("coord exits");
    (status.code(), err)
}

#[test]
fn status_graph_and_check_into_a_closed_pipe_exit_quietly() {
    let dir = TestDir::new("head-1");
    let stack = two_toys(&dir, &[]);
    let file = stack.to_string_lossy().into_owned();
    for args in [
        vec!["status", "-f", &file],
        vec!["status", "--json", "-f", &file],
        vec!["graph", "-f", &file],
        vec!["graph", "--dot", "-f", &file],
        vec!["check", "-f", &file],
    ] {
        let (code, err) = into_closed_stdout(dir.path(), &args);
        assert_eq!(code, Some(0), "coord {args:?}: {err}");
        assert_eq!(err, "", "coord {args:?} printed on stderr");
    }
}

#[test]
fn a_256_mib_line_and_2_million_lines_keep_coords_memory_bounded() {
    let dir = TestDir::new("flood");
    let stack = format!(
        r#"[services.long]
command = {long}

[services.many]
command = {many}
"#,
        long = dir.toy("long", &["--long-line", &(256u64 << 20).to_string()]),
        many = dir.toy("many", &["--flood-lines", "2000000"]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = spawn(
        dir.path(),
        &["run", "-f", &stack.to_string_lossy()],
        Stdio::null(),
        Stdio::null(),
    );
    wait_all_for(&dir, &["long", "many"], "flooded", PATIENCE * 5);
    wait_registry(&dir, "\"state\": \"ready\"", 2);
    let peak = peak_rss_kib(coord.id());
    procs::signal(coord.id(), Signal::TERM);
    let status = wait_exit(&mut coord, PATIENCE).expect("coord exits after SIGTERM");
    assert!(
        peak < 64 * 1024,
        "coord's peak RSS was {peak} KiB with a 256 MiB line and 2M lines"
    );
    assert_eq!(status.code(), Some(0), "{status}");
    assert_all_gone(&dir);
    // The log keeps the first 64 KiB of the long line, marked as cut, and every short line.
    let long = std::fs::read_to_string(dir.file(".coord/logs/long.log")).expect("long.log");
    let cut = long
        .lines()
        .find(|l| l.starts_with("xxxx"))
        .expect("the long line");
    assert!(cut.len() < 70 * 1024 && cut.contains("line longer than 64 KiB"));
    let many = std::fs::File::open(dir.file(".coord/logs/many.log")).expect("many.log");
    let floods = BufReader::new(many)
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.starts_with("flood line "))
        .count();
    assert_eq!(floods, 2_000_000);
}

#[test]
fn a_stdout_nobody_reads_does_not_freeze_supervision() {
    let dir = TestDir::new("unread-stdout");
    // db floods a pipe that coord's stdout reader (nobody) never drains; api depends on db.
    let stack = two_toys(&dir, &["--flood-lines", "200000"]);
    let (reader, writer) = std::io::pipe().expect("pipe");
    let mut coord = spawn(
        dir.path(),
        &["run", "-f", &stack.to_string_lossy()],
        writer.into(),
        Stdio::null(),
    );
    wait_all(&dir, &["db"], "flooded");
    wait_all(&dir, &["db", "api"], "ready");
    wait_registry(&dir, "\"state\": \"ready\"", 2);
    // `coord status` answers from the live coord.
    let status = Command::new(bins::coord())
        .args(["status", "-f", &stack.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start coord status");
    let mut status_child = status;
    let mut out = String::new();
    status_child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut out)
        .expect("read status");
    let code = wait_exit(&mut status_child, PATIENCE).expect("coord status exits");
    assert_eq!(code.code(), Some(0), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("api ") && l.contains("ready")),
        "{out}"
    );
    // SIGTERM still stops the stack in order, and coord exits.
    procs::signal(coord.id(), Signal::TERM);
    wait_all(&dir, &["db", "api"], "sigterm");
    assert_all_gone(&dir);
    // Now read: what was not shown is counted, and coord finishes.
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(reader).read_to_string(&mut text);
        text
    });
    let exit = wait_exit(&mut coord, PATIENCE).expect("coord exits after SIGTERM");
    assert_eq!(exit.code(), Some(0), "{exit}");
    let text = reading.join().expect("reader thread");
    assert!(text.contains("lines not shown"), "no drop notice in stdout");
}

#[test]
fn a_stopped_coord_makes_status_time_out_with_a_clear_error() {
    let dir = TestDir::new("status-timeout");
    let stack = two_toys(&dir, &[]);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.signal(Signal::STOP);
    let mut status = Command::new(bins::coord())
        .args(["status", "-f", &stack.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start coord status");
    let exit = wait_exit(&mut status, PATIENCE);
    coord.signal(Signal::CONT);
    let exit = exit.expect("coord status gives up on a coord that does not answer");
    let mut err = String::new();
    status
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut err)
        .expect("read stderr");
    assert_eq!(exit.code(), Some(0), "{err}");
    assert!(err.contains("did not answer"), "{err}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}

#[test]
fn a_panic_prints_one_paragraph_without_backtrace_and_stops_the_stack() {
    let dir = TestDir::new("panic");
    let stack = two_toys(&dir, &[]);
    let mut coord = Command::new(bins::coord())
        .args(["run", "-f", &stack.to_string_lossy()])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        .env("COORD_TEST_PANIC_WHEN_READY", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start coord");
    let mut err = String::new();
    let mut stderr = coord.stderr.take().expect("piped");
    let reading = std::thread::spawn(move || {
        let _ = stderr.read_to_string(&mut err);
        err
    });
    let exit = wait_exit(&mut coord, PATIENCE).expect("coord exits after its panic");
    let err = reading.join().expect("reader thread");
    assert_eq!(exit.code(), Some(1), "{err}");
    assert!(err.contains("coord: internal error: "), "{err}");
    assert!(
        !err.contains("backtrace") && !err.contains("panicked at"),
        "{err}"
    );
    // The ordered stop ran: db was ready, and it got SIGTERM (not only the shims' SIGKILL).
    wait_all(&dir, &["db"], "sigterm");
    assert_all_gone(&dir);
}

#[test]
fn registry_writes_for_1000_services_are_coalesced() {
    let dir = TestDir::new("registry-1000");
    let mut stack = String::from("[coordination]\nmax_parallel_starts = 64\n\n");
    for i in 0..1000 {
        stack.push_str(&format!(
            "[services.s{i:04}]\ncommand = [\"sleep\", \"1000\"]\nmin_uptime = \"10ms\"\n\n"
        ));
    }
    let stack = dir.write("coord.toml", &stack);
    let mut coord = Command::new(bins::coord())
        .args(["run", "-f", &stack.to_string_lossy()])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info,coord::driver::registry_writer=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start coord");
    let stderr = coord.stderr.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + PATIENCE * 3;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if is_summary(&l) => break,
            Ok(l) => seen.push(l),
            Err(_) => panic!("no startup summary\n{}", seen.join("\n")),
        }
    }
    procs::signal(coord.id(), Signal::TERM);
    let exit = wait_exit(&mut coord, PATIENCE * 3).expect("coord exits");
    seen.extend(rx.try_iter());
    assert_eq!(exit.code(), Some(0), "{}", seen.join("\n"));
    let report = seen
        .iter()
        .find_map(|l| l.split("registry: ").nth(1))
        .unwrap_or_else(|| panic!("no registry report\n{}", seen.join("\n")));
    let writes: u64 = report
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad report {report}"));
    // Every service goes through at least four states (pending, waiting, starting, ready) and
    // two more to stop: thousands of changes. Coalesced, they are a few hundred writes at most.
    assert!(writes >= 2, "{report}");
    assert!(writes < 1000, "{writes} registry writes for 1000 services");
    let registry = std::fs::read_to_string(dir.file(".coord/registry.json")).expect("registry");
    assert_eq!(registry.matches("\"state\": \"stopped\"").count(), 1000);
}
