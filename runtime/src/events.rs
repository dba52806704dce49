//! `coord events`: subscribes to the running coord and prints its events as they happen, in
//! words or (`--json`) as one JSON object per line.

use crate::cli::Failure;
use crate::client::{not_running, reply_words};
use crate::paths::StackPaths;
use crate::protocol::{PROTOCOL_VERSION, Reply, Request, StreamEvent};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::Path;

/// What `coord events` asks for.
#[derive(Debug, Clone)]
pub struct EventsRequest {
    /// Only the events of these services (and of the run as a whole); empty: all.
    pub services: Vec<String>,
    /// One JSON object per line instead of words.
    pub json: bool,
    /// Also the services' output lines.
    pub logs: bool,
}

/// One line of `coord events --json`: the version, the times, then the event's own fields
/// (`kind` first). See the README's "Control protocol" for the schema.
#[derive(Debug, Serialize)]
pub struct PrintedEvent<'a> {
    /// The protocol version of the schema.
    pub v: u32,
    /// The event's wall-clock time, RFC 3339 in UTC with milliseconds.
    pub time: String,
    /// The same, in milliseconds since the Unix epoch.
    pub unix_ms: u64,
    /// Milliseconds since the run started.
    pub run_ms: u64,
    /// The event.
    #[serde(flatten)]
    pub event: &'a StreamEvent,
}

/// `coord events`: prints events until the run ends (exit 0); exit 1 when no coord runs, when
/// coord dropped this subscriber, or when the connection ended before the run did.
pub fn events(file: &Path, request: EventsRequest) -> Result<i32, Failure> {
    let paths = StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))?;
    let subscribe = Request::Subscribe {
        services: request.services.clone(),
        logs: request.logs,
    };
    let unreachable =
        |e: std::io::Error| Failure::new(1, format!("cannot reach the running coord: {e}"));
    let connection = crate::driver::connect(&paths, &subscribe)
        .map_err(unreachable)?
        .ok_or_else(|| not_running(file))?;
    if !matches!(connection.reply, Reply::Subscribed { .. }) {
        return Err(Failure::new(1, reply_words(&connection.reply)));
    }
    // On stderr, so that stdout stays the events alone (`--json`: JSON lines only).
    crate::errln!(
        "coord: following the stack {} (Ctrl-C stops following, not the stack)",
        file.display()
    );
    let mut lines = connection.rest;
    // Events may be minutes apart: only the first answer had to come quickly.
    lines
        .get_ref()
        .set_read_timeout(None)
        .map_err(unreachable)?;
    let stdout = std::io::stdout();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(unreachable(e)),
        }
        let Ok(Reply::Event {
            unix_ms,
            run_ms,
            event,
        }) = crate::protocol::parse_line::<Reply>(&line)
        else {
            return Err(Failure::new(
                1,
                format!("unexpected line from the running coord: {}", line.trim()),
            ));
        };
        let text = if request.json {
            serde_json::to_string(&PrintedEvent {
                v: PROTOCOL_VERSION,
                time: rfc3339(unix_ms),
                unix_ms,
                run_ms,
                event: &event,
            })
            .unwrap_or_default()
        } else {
            format!("{} {}", clock_time(unix_ms), in_words(&event))
        };
        let mut out = stdout.lock();
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            // Whoever read our output went away.
            return Ok(0);
        }
        match event {
            StreamEvent::RunEnd { .. } => return Ok(0),
            StreamEvent::Dropped { message } => return Err(Failure::new(1, message)),
            _ => {}
        }
    }
    Err(Failure::new(
        1,
        "the running coord closed the event stream before the run ended",
    ))
}

/// An event in words, as `coord events` prints it after the time.
pub fn in_words(event: &StreamEvent) -> String {
    match event {
        StreamEvent::Transition {
            service,
            from,
            to,
            reason,
        } => format!("{service}: {from} -> {to} ({reason})"),
        StreamEvent::Port { service, port } => format!("{service}: port {port}"),
        StreamEvent::Probe {
            service,
            purpose,
            passed: true,
            ..
        } => format!("{service}: {purpose} probe passed"),
        StreamEvent::Probe {
            service,
            purpose,
            detail,
            ..
        } => format!("{service}: {purpose} probe failed: {detail}"),
        StreamEvent::Log { service, line } => format!("{service} | {line}"),
        StreamEvent::Startup { summary, .. } => format!("startup: {summary}"),
        StreamEvent::RunEnd {
            outcome,
            reason: Some(why),
        } => format!("run ended: {outcome}: {why}"),
        StreamEvent::RunEnd { outcome, .. } => format!("run ended: {outcome}"),
        StreamEvent::Dropped { message } | StreamEvent::Backoff { message, .. } => message.clone(),
    }
}

/// `HH:MM:SS.mmm` (UTC) of a Unix time in milliseconds.
fn clock_time(unix_ms: u64) -> String {
    rfc3339(unix_ms)[11..23].to_string()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of a Unix time in milliseconds.
pub fn rfc3339(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(1_764_475_506_789), "2025-11-30T04:05:06.789Z");
        assert_eq!(clock_time(1_764_475_506_789), "04:05:06.789");
    }

    #[test]
    fn printed_events_are_flat_objects() {
        let event = StreamEvent::Transition {
            service: "api".into(),
            from: "ready".into(),
            to: "stopping".into(),
            reason: "restart requested".into(),
        };
        let text = serde_json::to_string(&PrintedEvent {
            v: 1,
            time: rfc3339(1000),
            unix_ms: 1000,
            run_ms: 7,
            event: &event,
        })
        .unwrap();
        assert_eq!(
            text,
            r#"{"v":1,"time":"1970-01-01T00:00:01.000Z","unix_ms":1000,"run_ms":7,"kind":"transition","service":"api","from":"ready","to":"stopping","reason":"restart requested"}"#
        );
        assert_eq!(
            in_words(&event),
            "api: ready -> stopping (restart requested)"
        );
    }
}
