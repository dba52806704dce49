//! Event lines: `TOY name=<name> pid=<pid> t_us=<µs since the epoch> event=<event> key=value...`
//! (the time lets the benchmark measure latencies across processes), flushed to stdout and
//! appended to the `--events` file. Write errors are ignored on purpose: a toy whose stdout pipe
//! broke (coord was killed) must not die of it, or it would hide a process that outlived coord.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Prints this toy's events.
#[derive(Clone)]
pub struct Events {
    prefix: String,
    file: Arc<Mutex<Option<File>>>,
}

impl Events {
    /// Events of the toy called `name`, also appended to `file` if given.
    pub fn new(name: &str, file: Option<&Path>) -> std::io::Result<Events> {
        let file = match file {
            Some(path) => Some(OpenOptions::new().create(true).append(true).open(path)?),
            None => None,
        };
        Ok(Events {
            prefix: format!("TOY name={name} pid={}", std::process::id()),
            file: Arc::new(Mutex::new(file)),
        })
    }

    /// Emits `event` with `fields` (already formatted as `key=value ...`, may be empty).
    pub fn emit(&self, event: &str, fields: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        let mut line = format!("{} t_us={now} event={event}", self.prefix);
        if !fields.is_empty() {
            line.push(' ');
            line.push_str(fields);
        }
        line.push('\n');
        self.raw(&line);
        if let Ok(mut guard) = self.file.lock()
            && let Some(f) = guard.as_mut()
        {
            // One write per line: O_APPEND keeps lines of concurrent toys whole.
            let _ = f.write_all(line.as_bytes());
        }
    }

    /// Prints `text` on stdout as is (no event prefix), flushed.
    pub fn raw(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}
