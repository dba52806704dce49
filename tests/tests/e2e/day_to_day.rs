//! The day-to-day commands against the real binary: `coord up -d` (a detached run), then from
//! other processes `status`, `logs`, `events`, `restart`, `wait`, `attach` and `down`; and what
//! they do when the stack fails, when two `up -d` race, when nothing runs.

use coord_tests::harness::coord::{CoordRun, Pipe, coord_cmd, is_summary};
use coord_tests::harness::events::has;
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

/// A demo-like stack: db; a migrate task after db; api after both (ready on /health, it checks
/// db answers first); `api_args` go to api's toy. Returns the stack file's path.
fn demo_like(dir: &TestDir, api_args: &[&str]) -> String {
    let mut api: Vec<&str> = vec!["--check-url", "DB_URL"];
    api.extend(api_args);
    let stack = format!(
        r#"[coordination]
startup_retry_count = 0

[ports.ranges]
test = "{range}"

[services.db]
command = {db}
port = {{ range = "test" }}

[services.migrate]
kind = "task"
command = {migrate}
depends_on = ["db"]

[services.api]
command = {api}
port = {{ range = "test" }}
depends_on = {{ db = "required", migrate = "required" }}
ready = {{ http = "/health" }}
"#,
        range = dir.ports().range(0, 4),
        db = dir.toy("db", &[]),
        migrate = dir.toy("migrate", &["--exit-after", "20"]),
        api = dir.toy("api", &api),
    );
    dir.write("coord.toml", &stack)
        .to_string_lossy()
        .into_owned()
}

/// The pid of the background coord, from `up -d`'s `started in the background (pid N)`.
fn background_pid(output: &str) -> u32 {
    let re = regex::Regex::new(r"started in the background \(pid (\d+)\)").expect("regex");
    re.captures(output)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("no background pid in:\n{output}"))
}

/// Kills a background coord a failed test left running (its services die with it).
struct Background(u32);

impl Drop for Background {
    fn drop(&mut self) {
        if procs::alive(self.0) {
            procs::signal(self.0, rustix::process::Signal::KILL);
        }
    }
}

/// `coord up -d` of `file` in `dir`: exit 0 and the background coord's pid.
fn up_detached(dir: &TestDir, file: &str) -> Background {
    let (code, out, all) = coord_cmd(dir.path(), file, &["up", "-d"]);
    assert_eq!(code, 0, "{all}");
    assert!(out.lines().any(is_summary), "the summary on stdout: {all}");
    let pid = background_pid(&all);
    assert!(procs::alive(pid), "the background coord runs: {all}");
    Background(pid)
}

/// `coord down` in `dir`: exit 0; then the background coord and every toy are gone.
fn down_and_check_gone(dir: &TestDir, file: &str, coord: &Background) {
    let (code, _, all) = coord_cmd(dir.path(), file, &["down"]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("is down"), "{all}");
    // `down` returns once coord is gone: no waiting here for it.
    assert!(!procs::alive(coord.0), "coord is gone when down returns");
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn up_d_returns_once_ready_then_other_processes_operate_it_and_down_ends_it() {
    let dir = TestDir::new("day-up");
    let file = demo_like(&dir, &[]);
    let coord = up_detached(&dir, &file);
    let events = dir.events().read();
    assert!(has(&events, "api", "ready"), "{}", dir.events().dump());
    assert!(has(&events, "migrate", "exit"), "{}", dir.events().dump());

    let (code, out, all) = coord_cmd(dir.path(), &file, &["status"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("api ") && l.contains("ready")),
        "{out}"
    );

    let (code, out, all) = coord_cmd(dir.path(), &file, &["logs", "-n", "5", "api"]);
    assert_eq!(code, 0, "{all}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(!lines.is_empty() && lines.len() <= 5, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("api     | ")), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("name=api") && l.contains("event=ready")),
        "{out}"
    );

    let mut follower = CoordRun::start(dir.path(), &["events", "--json", "-f", &file]);
    follower
        .wait_line(PATIENCE, |l| l.starts_with("coord: following the stack"))
        .unwrap_or_else(|t| panic!("coord events did not subscribe: {t}"));
    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    follower
        .wait_line(PATIENCE, |l| {
            l.contains(r#""service":"api""#) && l.contains(r#""to":"ready""#)
        })
        .unwrap_or_else(|t| panic!("no ready transition of api after the restart: {t}"));
    let states: Vec<String> = follower
        .lines(Pipe::Out)
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON lines"))
        .filter(|o| o["kind"] == "transition" && o["service"] == "api")
        .map(|o| o["to"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(states.first().map(String::as_str), Some("restarting"));
    assert_eq!(states.last().map(String::as_str), Some("ready"));

    let (code, out, all) = coord_cmd(dir.path(), &file, &["wait", "api"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(out.trim(), "api ready", "{all}");
    let (code, out, all) = coord_cmd(dir.path(), &file, &["wait"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        out.trim(),
        "api ready, db ready, migrate completed",
        "{all}"
    );

    down_and_check_gone(&dir, &file, &coord);
    assert_eq!(follower.exit_code(PATIENCE), 0, "{}", follower.transcript());
    let last = follower
        .lines(Pipe::Out)
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(
        last.contains(r#""kind":"run_end""#) && last.contains(r#""outcome":"stopped""#),
        "{last}"
    );
    // After the run, the logs are still there; `down` again has nothing to stop.
    let (code, out, all) = coord_cmd(dir.path(), &file, &["logs", "--no-prefix", "db"]);
    assert_eq!(code, 0, "{all}");
    assert!(out.lines().any(|l| l.starts_with("TOY name=db ")), "{out}");
    let (code, _, all) = coord_cmd(dir.path(), &file, &["down"]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("nothing to stop"), "{all}");
}

#[test]
fn up_d_of_a_stack_that_fails_exits_1_and_leaves_nothing() {
    let dir = TestDir::new("day-up-fails");
    let file = demo_like(&dir, &["--crash-after", "0", "--exit-code", "7"]);
    let (code, _, all) = coord_cmd(dir.path(), &file, &["up", "-d"]);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("the stack did not come up"), "{all}");
    assert!(all.contains("api"), "the failure names api: {all}");
    let coord = background_pid(&all);
    assert!(!procs::alive(coord), "the background coord ended: {all}");
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
    assert!(has(&dir.events().read(), "db", "start"));
    let (code, _, all) = coord_cmd(dir.path(), &file, &["down"]);
    assert_eq!((code, all.contains("nothing to stop")), (0, true), "{all}");
}

#[test]
fn two_up_d_at_once_give_one_coord_and_a_second_up_says_a_stack_runs() {
    let dir = TestDir::new("day-up-race");
    let file = demo_like(&dir, &[]);
    let args = ["up", "-d", "-f", file.as_str()];
    let mut first = CoordRun::start(dir.path(), &args);
    let mut second = CoordRun::start(dir.path(), &args);
    let codes = [first.exit_code(PATIENCE), second.exit_code(PATIENCE)];
    let transcripts = [first.transcript(), second.transcript()];
    let both = transcripts.join("\n");
    let mut sorted = codes;
    sorted.sort();
    assert_eq!(sorted, [0, 1], "{both}");
    let winner = if codes[0] == 0 { 0 } else { 1 };
    let coord = Background(background_pid(&transcripts[winner]));
    assert!(
        transcripts[1 - winner].contains("already runs the stack"),
        "{both}"
    );
    assert!(
        !transcripts[1 - winner].contains("started in the background"),
        "the loser started no coord: {both}"
    );
    // A foreground `up` of the running stack says so too.
    let (code, _, all) = coord_cmd(dir.path(), &file, &["up"]);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("already running this stack"), "{all}");
    down_and_check_gone(&dir, &file, &coord);
}

#[test]
fn attach_shows_output_and_changes_and_sigint_detaches_leaving_the_stack_running() {
    let dir = TestDir::new("day-attach");
    let file = demo_like(&dir, &[]);
    let coord = up_detached(&dir, &file);
    let mut attach = CoordRun::start(dir.path(), &["attach", "-f", &file]);
    attach
        .wait_line(PATIENCE, |l| l.starts_with("coord: attached to the stack"))
        .unwrap_or_else(|t| panic!("attach did not attach: {t}"));
    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    attach
        .wait_line(PATIENCE, |l| l.contains("api: starting -> ready"))
        .unwrap_or_else(|t| panic!("no state change shown: {t}"));
    attach
        .wait_line(PATIENCE, |l| {
            l.starts_with("api     | TOY name=api") && l.contains("event=ready")
        })
        .unwrap_or_else(|t| panic!("no output line of api shown: {t}"));
    let pids_before = dir.events().pids();
    attach.interrupt();
    assert_eq!(attach.exit_code(PATIENCE), 0, "{}", attach.transcript());
    assert!(attach.transcript().contains("detached"));
    assert!(procs::alive(coord.0), "coord still runs");
    let (code, _, all) = coord_cmd(dir.path(), &file, &["wait", "api", "--timeout", "30s"]);
    assert_eq!(code, 0, "the stack is still up after attach ended: {all}");
    let events = dir.events().read();
    let api_pid = events
        .iter()
        .rev()
        .find(|e| e.name == "api" && e.event == "ready")
        .map(|e| e.pid)
        .expect("api was ready");
    assert!(pids_before.contains(&api_pid) && procs::alive(api_pid));
    down_and_check_gone(&dir, &file, &coord);
}

#[test]
fn logs_follow_sees_a_new_line_and_ends_with_the_run() {
    let dir = TestDir::new("day-logs");
    let file = demo_like(&dir, &[]);
    let coord = up_detached(&dir, &file);
    let mut logs = CoordRun::start(dir.path(), &["logs", "--follow", "api", "-f", &file]);
    logs.wait_line(PATIENCE, |l| {
        l.contains("name=api") && l.contains("event=ready")
    })
    .unwrap_or_else(|t| panic!("the existing lines first: {t}"));
    let old_pid = dir
        .events()
        .read()
        .iter()
        .find(|e| e.name == "api" && e.event == "ready")
        .map(|e| e.pid)
        .expect("api was ready");
    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    let new_line = logs
        .wait_line(PATIENCE, |l| {
            l.starts_with("api     | TOY name=api")
                && l.contains("event=ready")
                && !l.contains(&format!("pid={old_pid} "))
        })
        .unwrap_or_else(|t| panic!("the restarted api's line did not follow: {t}"));
    assert!(!new_line.contains("db"), "{new_line}");
    down_and_check_gone(&dir, &file, &coord);
    assert_eq!(logs.exit_code(PATIENCE), 0, "{}", logs.transcript());
    // Only api's lines, each once per process that wrote it.
    let out = logs.lines(Pipe::Out);
    assert!(out.iter().all(|l| l.starts_with("api     | ")), "{out:#?}");
}

/// db, and `slow` after it, which never becomes ready (its gate file is never created).
fn never_ready(dir: &TestDir) -> String {
    let gate = dir.file("never").to_string_lossy().into_owned();
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.db]
command = {db}
port = {{ range = "test" }}

[services.slow]
command = {slow}
port = {{ range = "test" }}
depends_on = ["db"]
readiness_timeout = "10m"
ready = {{ http = "/health" }}
"#,
        range = dir.ports().range(0, 4),
        db = dir.toy("db", &[]),
        slow = dir.toy("slow", &["--ready-when-exists", &gate]),
    );
    dir.write("coord.toml", &stack)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn wait_timeout_of_a_never_ready_service_exits_1_with_what_it_saw() {
    let dir = TestDir::new("day-wait");
    let file = never_ready(&dir);
    let (code, _, all) = coord_cmd(dir.path(), &file, &["wait", "db"]);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("no coord is running the stack"), "{all}");

    let mut coord = CoordRun::start(dir.path(), &["run", "-f", &file]);
    coord.wait_events(dir.events(), |ev| has(ev, "slow", "start"));
    let (code, _, all) = coord_cmd(dir.path(), &file, &["wait", "db", "--timeout", "60s"]);
    assert_eq!(code, 0, "{all}");
    let (code, _, all) = coord_cmd(dir.path(), &file, &["wait", "--timeout", "300ms"]);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("timed out after 0.300 s"), "{all}");
    assert!(all.contains("last seen: db ready, slow starting"), "{all}");
    let (code, _, all) = coord_cmd(dir.path(), &file, &["wait", "nosuch"]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("no service named `nosuch`"), "{all}");

    // `down` ends a foreground run too; before startup was over, the run counts as interrupted.
    let (code, _, all) = coord_cmd(dir.path(), &file, &["down"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(coord.exit_code(PATIENCE), 130, "{}", coord.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn logs_usage_errors_exit_2() {
    let dir = TestDir::new("day-logs-usage");
    let file = demo_like(&dir, &[]);
    for args in [
        &["logs", "nosuch"][..],
        &["logs", "--no-prefix"],
        &["logs", "--no-prefix", "db", "api"],
    ] {
        let (code, _, all) = coord_cmd(dir.path(), &file, args);
        assert_eq!(code, 2, "{args:?}: {all}");
    }
    // Nothing ran yet: no lines, exit 0.
    let (code, out, all) = coord_cmd(dir.path(), &file, &["logs"]);
    assert_eq!((code, out.as_str()), (0, ""), "{all}");
}

#[test]
fn logs_follow_into_a_closed_pipe_ends_at_the_next_line() {
    let dir = TestDir::new("day-logs-pipe");
    let file = demo_like(&dir, &[]);
    let coord = up_detached(&dir, &file);
    let script = format!(
        "{} logs --follow api -f {} | head -1",
        coord_tests::harness::testdir::sh_quote(
            &coord_tests::harness::bins::coord().to_string_lossy()
        ),
        coord_tests::harness::testdir::sh_quote(&file)
    );
    let mut command = std::process::Command::new("sh");
    command.args(["-c", &script]).current_dir(dir.path());
    let mut piped = CoordRun::spawn(command);
    piped
        .wait_line(PATIENCE, |l| l.starts_with("api "))
        .unwrap_or_else(|t| panic!("head printed the first line: {t}"));
    // `head` is gone; the next line api writes makes `logs` see the closed pipe and end.
    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "api"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(piped.exit_code(PATIENCE), 0, "{}", piped.transcript());
    assert!(procs::alive(coord.0), "the stack still runs");
    down_and_check_gone(&dir, &file, &coord);
}

#[test]
fn attach_and_logs_follow_without_a_running_coord_say_so() {
    let dir = TestDir::new("day-none");
    let file = demo_like(&dir, &[]);
    let (code, _, all) = coord_cmd(dir.path(), &file, &["attach"]);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("no coord is running the stack"), "{all}");
    let (code, out, all) = coord_cmd(dir.path(), &file, &["logs", "--follow"]);
    assert_eq!((code, out.as_str()), (0, ""), "{all}");
    assert!(all.contains("no new lines will come"), "{all}");
}
