//! The live startup view: drawn on a terminal (a pseudo-terminal here, through `expectrl`),
//! never on a pipe, and not with `NO_COLOR`, `TERM=dumb` or `--no-progress`.

use crate::stacks;
use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, bins, procs};
use std::io::ErrorKind;
use std::process::Command;
use std::time::{Duration, Instant};

const HIDE_CURSOR: &str = "\u{1b}[?25l";
const SHOW_CURSOR: &str = "\u{1b}[?25h";

/// `coord ARGS...` in a 100x30 pseudo-terminal, with `env` set (and `NO_COLOR` unset unless
/// `env` sets it).
struct Pty {
    session: expectrl::session::OsSession,
    out: Vec<u8>,
}

impl Pty {
    fn start(dir: &TestDir, args: &[&str], env: &[(&str, &str)]) -> Pty {
        let mut command = Command::new(bins::coord());
        command
            .args(args)
            .current_dir(dir.path())
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut session = expectrl::Session::spawn(command).expect("start coord in a pty");
        session
            .get_process_mut()
            .set_window_size(100, 30)
            .expect("size the pty");
        Pty {
            session,
            out: Vec::new(),
        }
    }

    fn pid(&self) -> u32 {
        self.session.get_process().pid().as_raw() as u32
    }

    /// Reads what coord wrote until `done` holds for the text (Err: the end came first).
    fn read_until(&mut self, done: impl Fn(&str) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + PATIENCE;
        let mut buf = [0u8; 4096];
        loop {
            if done(&String::from_utf8_lossy(&self.out)) {
                return Ok(());
            }
            match self.session.try_read(&mut buf) {
                Ok(0) => return Err(self.text()),
                Ok(n) => self.out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                // EIO: every holder of the terminal closed it.
                Err(_) => return Err(self.text()),
            }
            assert!(
                Instant::now() < deadline,
                "patience ran out; coord wrote:\n{}",
                self.text()
            );
        }
    }

    /// Ctrl-C once startup is over, then everything until coord is gone.
    fn interrupt_after_startup(&mut self) -> String {
        self.read_until(|t| plain_lines(t).iter().any(|l| is_summary(l)))
            .unwrap_or_else(|t| panic!("no summary line:\n{t}"));
        procs::signal(self.pid(), rustix::process::Signal::INT);
        let _ = self.read_until(|_| false);
        self.text()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }
}

/// The text's lines without escape sequences, as a reader of the log would see them written.
fn plain_lines(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").expect("valid regex");
    re.replace_all(text, "")
        .split('\n')
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect()
}

#[test]
fn the_view_draws_each_service_then_the_summary_and_gives_the_cursor_back() {
    let dir = TestDir::new("live-view-pty");
    let file = stacks::db_and_api(&dir, &[]);
    let mut pty = Pty::start(&dir, &["run", "-f", &file], &[]);
    let text = pty.interrupt_after_startup();
    let lines = plain_lines(&text);
    let frame_line = |name: &str, state: &str| {
        let re =
            regex::Regex::new(&format!(r"^{name} +{state} +\d+ +\d+\.\d s")).expect("valid regex");
        lines.iter().rposition(|l| re.is_match(l))
    };
    let db = frame_line("db ", "ready");
    let api = frame_line("api", "ready");
    let summary = lines.iter().position(|l| is_summary(l));
    let (Some(db), Some(api), Some(summary)) = (db, api, summary) else {
        panic!("no final frame (db, api ready) and summary:\n{lines:#?}");
    };
    // The last frame: db's line, api's line, then the summary below them.
    assert_eq!(api, db + 1, "{lines:#?}");
    assert!(summary > api, "{lines:#?}");
    assert!(lines[summary].contains("2/2 ready in "), "{lines:#?}");
    // The view hid the cursor and showed it again, before the summary.
    let hidden = text.find(HIDE_CURSOR).expect("the view hid the cursor");
    let shown = text.rfind(SHOW_CURSOR).expect("the cursor was shown again");
    assert!(shown > hidden, "{text:?}");
    assert!(text.rfind(HIDE_CURSOR) < Some(shown), "{text:?}");
    // The transitions are in the view, not printed as lines during startup.
    assert!(
        !lines[..summary]
            .iter()
            .any(|l| l.contains("api: starting -> ready")),
        "{lines:#?}"
    );
}

#[test]
fn piped_output_has_no_escape_codes() {
    let dir = TestDir::new("live-view-pipe");
    let file = stacks::db_and_api(&dir, &[]);
    let mut command = Command::new(bins::coord());
    command
        .args(["run", "-f", &file])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color");
    let mut run = CoordRun::spawn_as_is(command);
    run.wait_line(PATIENCE, is_summary).expect("a summary line");
    run.interrupt();
    run.wait_exit(PATIENCE).expect("coord exits after Ctrl-C");
    let transcript = run.transcript();
    assert!(!transcript.contains('\u{1b}'), "{transcript}");
    // The plain output of today: each transition on its own line.
    assert!(
        transcript.contains("api: starting -> ready"),
        "{transcript}"
    );
}

/// In a pty with `env` and `extra` arguments: the plain output, no frame, no cursor hidden.
fn plain_in_a_pty(test: &str, env: &[(&str, &str)], extra: &[&str]) {
    let dir = TestDir::new(test);
    let file = stacks::db_and_api(&dir, &[]);
    let mut args = vec!["run", "-f", &file];
    args.extend(extra);
    let mut pty = Pty::start(&dir, &args, env);
    let text = pty.interrupt_after_startup();
    assert!(!text.contains(HIDE_CURSOR), "{text:?}");
    let lines = plain_lines(&text);
    let ready = lines
        .iter()
        .position(|l| l.contains("api: starting -> ready"));
    let summary = lines.iter().position(|l| is_summary(l));
    assert!(
        ready.is_some() && ready < summary,
        "the transitions are printed before the summary:\n{lines:#?}"
    );
}

#[test]
fn no_color_gives_the_plain_output_on_a_terminal() {
    plain_in_a_pty("live-view-no-color", &[("NO_COLOR", "1")], &[]);
}

#[test]
fn a_dumb_terminal_gets_the_plain_output() {
    plain_in_a_pty("live-view-dumb", &[("TERM", "dumb")], &[]);
}

#[test]
fn no_progress_gives_the_plain_output_on_a_terminal() {
    plain_in_a_pty("live-view-no-progress", &[], &["--no-progress"]);
}

/// The cursor was hidden and, after the last time it was, shown again.
fn cursor_given_back(text: &str) -> bool {
    match (text.rfind(HIDE_CURSOR), text.rfind(SHOW_CURSOR)) {
        (Some(hidden), Some(shown)) => shown > hidden,
        _ => false,
    }
}

#[test]
fn ctrl_c_during_startup_ends_the_view_and_gives_the_cursor_back() {
    let dir = TestDir::new("live-view-ctrl-c");
    // api is never ready: startup is still going when Ctrl-C comes.
    let file = stacks::db_and_api(&dir, &["--ready-after", "3600000"]);
    let mut pty = Pty::start(&dir, &["run", "-f", &file], &[]);
    pty.read_until(|t| {
        plain_lines(t)
            .iter()
            .any(|l| l.starts_with("api  starting"))
    })
    .unwrap_or_else(|t| panic!("no frame with api starting:\n{t}"));
    procs::signal(pty.pid(), rustix::process::Signal::INT);
    let _ = pty.read_until(|_| false);
    let text = pty.text();
    assert!(cursor_given_back(&text), "{text:?}");
    // What follows the view is the plain output: the shutdown's transitions as lines.
    let shown = text.rfind(SHOW_CURSOR).expect("checked above");
    let after = plain_lines(&text[shown..]);
    assert!(
        after
            .iter()
            .any(|l| l.contains("interrupted: stopping the stack")),
        "{after:#?}"
    );
    assert!(
        after.iter().any(|l| l.contains("db: stopping -> stopped")),
        "{after:#?}"
    );
}

#[test]
fn a_panic_during_startup_gives_the_cursor_back() {
    let dir = TestDir::new("live-view-panic");
    // The test hook panics once db is ready, while api still starts (the view is drawn).
    let file = stacks::db_and_api(&dir, &[]);
    let mut pty = Pty::start(
        &dir,
        &["run", "-f", &file],
        &[("COORD_TEST_PANIC_WHEN_READY", "1")],
    );
    let _ = pty.read_until(|_| false);
    let text = pty.text();
    assert!(text.contains("coord: internal error"), "{text:?}");
    assert!(cursor_given_back(&text), "{text:?}");
}
