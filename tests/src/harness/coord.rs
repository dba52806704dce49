//! Running the real `coord` binary: its stdout and stderr are read line by line as they arrive
//! (one thread per pipe feeding a channel), so a test can wait for a line, signal coord, and wait
//! for its exit, each with a generous deadline.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::events::{Event, EventLog};
use super::{PATIENCE, bins, procs};

/// Which pipe a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pipe {
    /// coord's stdout.
    Out,
    /// coord's stderr.
    Err,
}

/// A running (or finished) `coord` process.
#[derive(Debug)]
pub struct CoordRun {
    child: Child,
    lines: Receiver<(Pipe, String)>,
    seen: Vec<(Pipe, String)>,
    status: Option<ExitStatus>,
}

/// Runs `coord ARGS... -f FILE` in `dir` to its end (a short command such as `status`, `stop`,
/// `restart`, `events`): (exit code, its stdout, everything it printed).
pub fn coord_cmd(dir: &Path, file: &str, args: &[&str]) -> (i32, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-f", file]);
    let mut run = CoordRun::start(dir, &all);
    let code = run.exit_code(PATIENCE);
    (code, run.lines(Pipe::Out).join("\n"), run.transcript())
}

impl CoordRun {
    /// Starts `coord ARGS...` in `dir` with colours off.
    pub fn start(dir: &Path, args: &[&str]) -> CoordRun {
        let mut command = Command::new(bins::coord());
        command.args(args).current_dir(dir);
        CoordRun::spawn(command)
    }

    /// Starts `command` (which runs coord, possibly through a shell that `exec`s it) with
    /// colours off and its output read as for [`CoordRun::start`].
    pub fn spawn(mut command: Command) -> CoordRun {
        command.env("NO_COLOR", "1");
        CoordRun::spawn_as_is(command)
    }

    /// Like [`CoordRun::spawn`], with `command`'s environment as it is (colours not turned off).
    pub fn spawn_as_is(mut command: Command) -> CoordRun {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start coord");
        let (tx, rx) = channel();
        forward(
            child.stdout.take().expect("piped stdout"),
            Pipe::Out,
            tx.clone(),
        );
        forward(child.stderr.take().expect("piped stderr"), Pipe::Err, tx);
        CoordRun {
            child,
            lines: rx,
            seen: Vec::new(),
            status: None,
        }
    }

    /// `coord run -f FILE` in the file's directory.
    pub fn run(stack_file: &Path) -> CoordRun {
        let dir = stack_file
            .parent()
            .expect("the stack file lies in a directory");
        CoordRun::start(dir, &["run", "-f", &stack_file.to_string_lossy()])
    }

    /// coord's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line (stdout or stderr) satisfying `pred`, for at most `patience`. Lines
    /// already seen count too. Err carries the transcript so far.
    pub fn wait_line(
        &mut self,
        patience: Duration,
        mut pred: impl FnMut(&str) -> bool,
    ) -> Result<String, String> {
        if let Some((_, l)) = self.seen.iter().find(|(_, l)| pred(l)) {
            return Ok(l.clone());
        }
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left.min(Duration::from_millis(50))) {
                Ok((pipe, line)) => {
                    let hit = pred(&line);
                    self.seen.push((pipe, line.clone()));
                    if hit {
                        return Ok(line);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("coord closed its output\n{}", self.transcript()));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no such line within {patience:?}\n{}",
                    self.transcript()
                ));
            }
        }
    }

    /// Waits until `pred` holds for the toys' events, for at most [`PATIENCE`]. Panics with the
    /// events and coord's output if coord exits first or patience runs out.
    pub fn wait_events(
        &mut self,
        log: &EventLog,
        mut pred: impl FnMut(&[Event]) -> bool,
    ) -> Vec<Event> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let events = log.read();
            if pred(&events) {
                return events;
            }
            let exited = self.status.is_some() || matches!(self.child.try_wait(), Ok(Some(_)));
            if exited || Instant::now() >= deadline {
                let why = if exited {
                    "coord exited"
                } else {
                    "patience ran out"
                };
                panic!(
                    "{why} before the expected events:\n{}\n{}",
                    log.dump(),
                    self.transcript()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for coord to exit, for at most `patience`; None if it is still running.
    pub fn wait_exit(&mut self, patience: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + patience;
        loop {
            self.drain();
            if let Some(s) = self.status {
                return Some(s);
            }
            if let Ok(Some(s)) = self.child.try_wait() {
                self.status = Some(s);
                // Take what the reader threads still have; a grandchild may keep a pipe open,
                // so this does not wait for end of file.
                self.drain_for(Duration::from_millis(200));
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the exit and returns the exit code, panicking with the transcript if coord
    /// did not exit in time or died of a signal.
    pub fn exit_code(&mut self, patience: Duration) -> i32 {
        match self.wait_exit(patience) {
            Some(s) => s
                .code()
                .unwrap_or_else(|| panic!("coord died of a signal ({s})\n{}", self.transcript())),
            None => panic!(
                "coord did not exit within {patience:?}\n{}",
                self.transcript()
            ),
        }
    }

    /// Sends SIGINT to coord (what Ctrl-C does to its process).
    pub fn interrupt(&self) {
        procs::signal(self.pid(), Signal::INT);
    }

    /// Sends `signal` to coord.
    pub fn signal(&self, signal: Signal) {
        procs::signal(self.pid(), signal);
    }

    /// Everything coord printed so far, one line per line, stderr lines marked `!`.
    pub fn transcript(&mut self) -> String {
        self.drain();
        let mut out = String::from("---- coord output ----\n");
        for (pipe, line) in &self.seen {
            out.push_str(if *pipe == Pipe::Err { "! " } else { "  " });
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The lines seen so far from `pipe`.
    pub fn lines(&mut self, pipe: Pipe) -> Vec<String> {
        self.drain();
        self.seen
            .iter()
            .filter(|(p, _)| *p == pipe)
            .map(|(_, l)| l.clone())
            .collect()
    }

    fn drain(&mut self) {
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
    }

    fn drain_for(&mut self, patience: Duration) {
        let deadline = Instant::now() + patience;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => break,
            }
        }
    }
}

impl Drop for CoordRun {
    fn drop(&mut self) {
        if self.status.is_none() && matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn forward(pipe: impl Read + Send + 'static, which: Pipe, tx: Sender<(Pipe, String)>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send((which, line)).is_err() {
                break;
            }
        }
    });
}

/// Whether `line` is coord's startup summary (`5/5 ready in 1.21 s (...)`).
pub fn is_summary(line: &str) -> bool {
    let re =
        regex::Regex::new(r"\b\d+/\d+ ready in |startup failed after [0-9.]+ s with \d+/\d+ ready")
            .expect("valid regex");
    re.is_match(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines_are_recognised() {
        assert!(is_summary(
            "5/5 ready in 1.21 s (critical path database > auth > backend > frontend)"
        ));
        assert!(is_summary("INFO coord: 2/3 ready in 80 ms"));
        assert!(!is_summary("database | TOY name=db pid=1 event=ready"));
    }
}
