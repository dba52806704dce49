//! Service output: every line a service writes goes to the terminal behind an aligned
//! `name |` prefix (coloured only on a terminal and without `NO_COLOR`) and to
//! `.coord/logs/<name>.log`. The log file gets every line (cut at 64 KiB, see [`lines`]); the
//! terminal gets them through [`terminal`], which never blocks and drops lines (counted) when
//! the terminal does not keep up.

pub mod frame;
pub mod lines;
pub mod live_view;
pub mod terminal;

use coord_core::ServiceId;
use owo_colors::{AnsiColors, OwoColorize};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

/// Colours given to services in stack file order, cycling.
const PALETTE: [AnsiColors; 6] = [
    AnsiColors::Cyan,
    AnsiColors::Yellow,
    AnsiColors::Green,
    AnsiColors::Magenta,
    AnsiColors::Blue,
    AnsiColors::BrightRed,
];

/// Whether to colour output written to a stream that is (or is not) a terminal.
pub fn use_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The prefixer and log files of one run.
#[derive(Debug)]
pub struct Output {
    names: Vec<String>,
    width: usize,
    color: bool,
    logs_dir: Option<std::path::PathBuf>,
    logs: Vec<LogFile>,
    /// Services whose log has buffered lines (so a flush costs nothing for the others).
    unflushed: Vec<ServiceId>,
    /// Lines go to the log files only (the live view shows the last one meanwhile).
    muted: bool,
}

/// The log file of one service.
#[derive(Debug)]
enum LogFile {
    /// No line yet.
    Unopened,
    /// Open for this run (buffered: [`Output::flush_logs`] writes it out).
    Open(BufWriter<File>),
    /// Could not be created (reported once).
    Failed,
}

impl Output {
    /// Output for services `names` (stack file order), colour decided from stdout.
    pub fn new(names: Vec<String>) -> Output {
        let color = use_color(io::stdout().is_terminal());
        Output::with_color(names, color)
    }

    /// Output with an explicit colour choice.
    pub fn with_color(names: Vec<String>, color: bool) -> Output {
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let logs = names.iter().map(|_| LogFile::Unopened).collect();
        Output {
            names,
            width,
            color,
            logs_dir: None,
            logs,
            unflushed: Vec::new(),
            muted: false,
        }
    }

    /// Writes log files under `logs_dir`: each service's file is created (truncated) when its
    /// first line arrives, so services not in this run keep their old log.
    pub fn open_logs(&mut self, logs_dir: &Path) {
        self.logs_dir = Some(logs_dir.to_path_buf());
    }

    /// Writes out what the log files buffered: the loop calls it before it waits, so a log is
    /// never behind by more than what arrived in one burst.
    pub fn flush_logs(&mut self) {
        for id in std::mem::take(&mut self.unflushed) {
            if let LogFile::Open(f) = &mut self.logs[id] {
                let _ = f.flush();
            }
        }
    }

    fn log_file(&mut self, id: ServiceId) -> Option<&mut BufWriter<File>> {
        if matches!(self.logs[id], LogFile::Unopened) {
            let dir = self.logs_dir.as_ref()?;
            let path = dir.join(format!("{}.log", self.names[id]));
            self.logs[id] = match crate::paths::create_log_file(&path) {
                Ok(f) => LogFile::Open(BufWriter::with_capacity(1 << 16, f)),
                Err(e) => {
                    tracing::warn!("cannot write the log {}: {e}", path.display());
                    LogFile::Failed
                }
            };
        }
        match &mut self.logs[id] {
            LogFile::Open(f) => Some(f),
            _ => None,
        }
    }

    /// The terminal line for `text` written by service `id`: `name | text`, padded.
    pub fn format(&self, id: ServiceId, text: &str) -> String {
        let name = &self.names[id];
        let prefix = format!("{name:<width$} |", width = self.width);
        if self.color {
            format!(
                "{} {text}",
                prefix.color(PALETTE[id.index() % PALETTE.len()])
            )
        } else {
            format!("{prefix} {text}")
        }
    }

    /// Whether lines reach the terminal (`false` while the live view is drawn: they still reach
    /// the log files).
    pub fn set_terminal(&mut self, on: bool) {
        self.muted = !on;
    }

    /// Writes one line of service `id` to its log file and queues it for the terminal.
    pub fn line(&mut self, id: ServiceId, text: &str) {
        if let Some(log) = self.log_file(id) {
            let _ = writeln!(log, "{text}");
            if !self.unflushed.contains(&id) {
                self.unflushed.push(id);
            }
        }
        if self.muted {
            return;
        }
        let mut line = self.format(id, text);
        line.push('\n');
        terminal::write(
            terminal::Stream::Out,
            terminal::Priority::Service,
            line.into_bytes(),
        );
    }
}

/// The one paragraph coord prints when it panics: what and where, that it is a bug, and what
/// happens to the services.
pub fn panic_paragraph(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    let at = info
        .location()
        .map(|l| format!(" (at {}:{})", l.file(), l.line()))
        .unwrap_or_default();
    format!(
        "coord: internal error: {}{at}. This is a bug in coord; please report it with the \
         command you ran. The services are being stopped (each service's supervisor ends \
         its process tree when coord goes away); `coord status` shows what is left.\n",
        what.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_aligned_and_plain_without_colour() {
        let out = Output::with_color(vec!["db".into(), "frontend".into()], false);
        assert_eq!(out.format(ServiceId::from_index(0), "up"), "db       | up");
        assert_eq!(out.format(ServiceId::from_index(1), "up"), "frontend | up");
    }

    #[test]
    fn colour_wraps_only_the_prefix() {
        let out = Output::with_color(vec!["db".into()], true);
        let line = out.format(ServiceId::from_index(0), "up");
        assert!(line.contains("\u{1b}["), "{line:?}");
        assert!(line.ends_with("| up") || line.ends_with(" up"), "{line:?}");
    }

    #[test]
    fn lines_reach_the_log_file() {
        let dir = std::env::temp_dir().join(format!("coord-output-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("idle.log"), "old run\n").unwrap();
        let mut out = Output::with_color(vec!["api".into(), "idle".into()], false);
        out.open_logs(&dir);
        out.line(ServiceId::from_index(0), "listening on 8000");
        out.line(ServiceId::from_index(0), "second");
        out.flush_logs();
        let text = std::fs::read_to_string(dir.join("api.log")).unwrap();
        assert_eq!(text, "listening on 8000\nsecond\n");
        // A service that printed nothing this run keeps its old log.
        let idle = std::fs::read_to_string(dir.join("idle.log")).unwrap();
        assert_eq!(idle, "old run\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
