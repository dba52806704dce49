//! The client's end of the event stream: a subscription to the running coord read event by
//! event, with an optional deadline and an optional flag (set by a signal) that ends the wait.

use crate::cli::Failure;
use crate::client::reply_words;
use crate::paths::StackPaths;
use crate::protocol::{ErrorKind, Reply, Request, StreamEvent};
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a blocked read looks at the deadline and the stop flag.
const TICK: Duration = Duration::from_millis(200);

/// A subscription to the running coord's events.
#[derive(Debug)]
pub struct Follow {
    rest: std::io::BufReader<std::os::unix::net::UnixStream>,
    /// The running coord's pid (`SO_PEERCRED` of the connection).
    pub coord_pid: Option<u32>,
    /// The run time (ms since the run started) of the last event read.
    pub last_run_ms: u64,
}

/// What [`Follow::next`] found.
#[derive(Debug)]
pub enum Next {
    /// An event, with its Unix time in milliseconds.
    Event(u64, StreamEvent),
    /// The deadline passed first.
    Timeout,
    /// The stop flag was set first.
    Stopped,
    /// The connection ended (coord is gone) without a `run_end` event.
    Closed,
}

/// The failure of a client that cannot reach the running coord.
pub fn unreachable(e: std::io::Error) -> Failure {
    Failure::new(1, format!("cannot reach the running coord: {e}"))
}

impl Follow {
    /// Subscribes to the events of `services` (empty: all), with output lines if `logs`;
    /// `Ok(None)` when no coord runs the stack. A name the stack does not have is a usage error
    /// (exit 2).
    pub fn subscribe(
        paths: &StackPaths,
        services: &[String],
        logs: bool,
    ) -> Result<Option<Follow>, Failure> {
        let request = Request::Subscribe {
            services: services.to_vec(),
            logs,
        };
        let Some(connection) = crate::driver::connect(paths, &request).map_err(unreachable)? else {
            return Ok(None);
        };
        match &connection.reply {
            Reply::Subscribed { .. } => {}
            other @ Reply::Error {
                error: ErrorKind::UnknownService,
                ..
            } => return Err(Failure::new(2, reply_words(other))),
            other => return Err(Failure::new(1, reply_words(other))),
        }
        let coord_pid = rustix::net::sockopt::socket_peercred(connection.rest.get_ref())
            .ok()
            .map(|c| c.pid.as_raw_nonzero().get() as u32);
        // Events may be minutes apart: reads wake up every tick to look at the deadline.
        connection
            .rest
            .get_ref()
            .set_read_timeout(Some(TICK))
            .map_err(unreachable)?;
        Ok(Some(Follow {
            rest: connection.rest,
            coord_pid,
            last_run_ms: 0,
        }))
    }

    /// The next event, waiting at most until `deadline` (None: no limit) and no longer than
    /// `stop` stays false.
    pub fn next(
        &mut self,
        deadline: Option<Instant>,
        stop: Option<&AtomicBool>,
    ) -> Result<Next, Failure> {
        let mut line = Vec::new();
        loop {
            if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
                return Ok(Next::Stopped);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(Next::Timeout);
            }
            // `read_until` keeps what it read before a timeout, so a line split across reads
            // is whole.
            match self.rest.read_until(b'\n', &mut line) {
                Ok(0) if line.is_empty() => return Ok(Next::Closed),
                Ok(_) if line.ends_with(b"\n") => break,
                Ok(0) => return Ok(Next::Closed),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(unreachable(e)),
            }
        }
        let text = String::from_utf8_lossy(&line);
        match crate::protocol::parse_line::<Reply>(&text) {
            Ok(Reply::Event {
                unix_ms,
                run_ms,
                event,
            }) => {
                self.last_run_ms = run_ms;
                Ok(Next::Event(unix_ms, event))
            }
            _ => Err(Failure::new(
                1,
                format!("unexpected line from the running coord: {}", text.trim()),
            )),
        }
    }
}

/// A flag set when SIGINT or SIGTERM arrives (the default action, ending the process, is
/// replaced): for clients that end on their own terms.
pub fn stop_on_signals() -> std::sync::Arc<AtomicBool> {
    let flag = std::sync::Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, flag.clone()) {
            tracing::warn!("cannot catch signal {signal}: {e}");
        }
    }
    flag
}

/// Writes `line` and a newline on stdout at once; false when nobody reads stdout any more (a
/// closed pipe: `coord logs --follow | head -1`), so that a following command ends.
pub fn print_line(line: &str) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
}
