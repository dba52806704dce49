//! Reading the toy services' events file (`TOY name=.. pid=.. event=.. key=value...` lines, one
//! per event, appended by every toy of a test). The file is the tests' independent view of what
//! happened, in the order it happened, whatever coord prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One event line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The toy's `--name`.
    pub name: String,
    /// The toy's pid.
    pub pid: u32,
    /// What happened (`start`, `listening`, `ready`, `sigterm`, `exit`, `env`, ...).
    pub event: String,
    /// The other `key=value` fields (`port`, `var`, `value`, `code`, `child_pid`...). A `value`
    /// field takes the rest of the line.
    pub fields: BTreeMap<String, String>,
}

impl Event {
    /// Parses one line; None if it is not an event line.
    pub fn parse(line: &str) -> Option<Event> {
        let mut rest = line.trim_end().strip_prefix("TOY ")?;
        let mut fields = BTreeMap::new();
        while !rest.is_empty() {
            let (token, next) = rest.split_once(' ').unwrap_or((rest, ""));
            match token.split_once('=') {
                Some(("value", _)) => {
                    fields.insert("value".to_string(), rest["value=".len()..].to_string());
                    break;
                }
                Some((key, value)) => fields.insert(key.to_string(), value.to_string()),
                // A bare word (`unset`) is a flag.
                None => fields.insert(token.to_string(), String::new()),
            };
            rest = next;
        }
        Some(Event {
            name: fields.remove("name")?,
            pid: fields.remove("pid")?.parse().ok()?,
            event: fields.remove("event")?,
            fields,
        })
    }

    /// When the event happened, in µs since the Unix epoch (0 if the line has no time).
    pub fn t_us(&self) -> u64 {
        self.fields
            .get("t_us")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    }

    /// The field `key` parsed as a number, if present.
    pub fn num(&self, key: &str) -> Option<u32> {
        self.fields.get(key)?.parse().ok()
    }
}

/// The events file of one test.
#[derive(Debug, Clone)]
pub struct EventLog {
    path: PathBuf,
}

impl EventLog {
    /// The log at `path` (it may not exist yet).
    pub fn new(path: &Path) -> EventLog {
        EventLog {
            path: path.to_path_buf(),
        }
    }

    /// The file's path, to pass as `--events`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every complete event so far, in file order.
    pub fn read(&self) -> Vec<Event> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        // A line still being written has no newline yet: leave it for the next read.
        let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
        complete.lines().filter_map(Event::parse).collect()
    }

    /// Waits until `pred` holds for the events so far, polling every 10 ms for at most
    /// `patience`; returns the events then, or Err with them when patience ran out.
    pub fn wait_until(
        &self,
        patience: Duration,
        mut pred: impl FnMut(&[Event]) -> bool,
    ) -> Result<Vec<Event>, Vec<Event>> {
        let deadline = Instant::now() + patience;
        loop {
            let events = self.read();
            if pred(&events) {
                return Ok(events);
            }
            if Instant::now() >= deadline {
                return Err(events);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Every pid seen: toys, and grandchildren announced by `grandchild child_pid=N`.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = Vec::new();
        for e in self.read() {
            pids.push(e.pid);
            if let Some(child) = e.num("child_pid") {
                pids.push(child);
            }
        }
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    /// The whole file, for failure messages.
    pub fn dump(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap_or_else(|_| "(no events file)".into())
    }
}

/// Index of the first event matching `name` and `event`, if any.
pub fn position(events: &[Event], name: &str, event: &str) -> Option<usize> {
    events
        .iter()
        .position(|e| e.name == name && e.event == event)
}

/// Whether `name` has emitted `event`.
pub fn has(events: &[Event], name: &str, event: &str) -> bool {
    position(events, name, event).is_some()
}

/// The value of `var` as the toy `name` printed it with `--print-env` (None if unset or absent);
/// the last print wins (a restarted toy prints again).
pub fn env_of(events: &[Event], name: &str, var: &str) -> Option<String> {
    events
        .iter()
        .rev()
        .find(|e| {
            e.name == name
                && e.event == "env"
                && e.fields.get("var").map(String::as_str) == Some(var)
        })
        .and_then(|e| e.fields.get("value").cloned())
}

/// The port of the last `listening` event of `name`.
pub fn listening_port(events: &[Event], name: &str) -> Option<u16> {
    events
        .iter()
        .rev()
        .find(|e| e.name == name && e.event == "listening")
        .and_then(|e| e.num("port"))
        .and_then(|p| u16::try_from(p).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_event_lines() {
        let e = Event::parse("TOY name=db pid=42 t_us=17 event=listening port=8001\n").unwrap();
        assert_eq!(e.t_us(), 17);
        assert_eq!(
            (e.name.as_str(), e.pid, e.event.as_str()),
            ("db", 42, "listening")
        );
        assert_eq!(e.num("port"), Some(8001));
        let e = Event::parse("TOY name=api pid=7 event=env var=URL value=a b=c d").unwrap();
        assert_eq!(e.fields["var"], "URL");
        assert_eq!(e.fields["value"], "a b=c d");
        assert_eq!(Event::parse("database | something else"), None);
        assert_eq!(Event::parse("TOY name=x event=ready"), None);
    }

    #[test]
    fn queries_over_events() {
        let lines = [
            "TOY name=db pid=1 event=start",
            "TOY name=db pid=1 event=listening port=9",
            "TOY name=api pid=2 event=env var=DB_PORT value=9",
            "TOY name=api pid=2 event=env var=CACHE_PORT unset",
            "TOY name=db pid=1 event=grandchild child_pid=3",
        ];
        let events: Vec<Event> = lines.iter().filter_map(|l| Event::parse(l)).collect();
        assert_eq!(position(&events, "db", "listening"), Some(1));
        assert!(has(&events, "db", "start") && !has(&events, "db", "ready"));
        assert_eq!(env_of(&events, "api", "DB_PORT").as_deref(), Some("9"));
        assert_eq!(env_of(&events, "api", "CACHE_PORT"), None);
        assert_eq!(listening_port(&events, "db"), Some(9));
        let dir = std::env::temp_dir().join(format!("coord-tests-ev-{}", std::process::id()));
        std::fs::write(&dir, lines.join("\n") + "\nTOY name=partial").unwrap();
        let log = EventLog::new(&dir);
        assert_eq!(log.read().len(), 5);
        assert_eq!(log.pids(), vec![1, 2, 3]);
        std::fs::remove_file(&dir).unwrap();
    }

    #[test]
    fn what_the_toy_writes_the_harness_reads() {
        let path = std::env::temp_dir().join(format!("coord-tests-rt-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let toy = crate::toy::events::Events::new("db", Some(&path)).unwrap();
        toy.emit("env", "var=URL value=postgres://a b");
        toy.emit("listening", "port=8001");
        let events = EventLog::new(&path).read();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].pid, std::process::id());
        assert!(events[0].t_us() > 0);
        assert_eq!(
            env_of(&events, "db", "URL").as_deref(),
            Some("postgres://a b")
        );
        assert_eq!(listening_port(&events, "db"), Some(8001));
        std::fs::remove_file(&path).unwrap();
    }
}
