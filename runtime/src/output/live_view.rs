//! The live startup view: while the stack starts, on a terminal, one line per service (state,
//! port, time since it was spawned, its last output line) redrawn in place about ten times a
//! second; once startup is over the last frame stays, the summary line follows and the plain
//! prefixed output takes over.
//!
//! The view only shows what the driver reports to it (transitions, ports, output lines); it
//! decides nothing. Its frames go through the terminal writer ([`super::terminal::frame`]), which
//! keeps coord's own messages above them and shows the cursor again when the view ends, on
//! coord's exit and on a panic.

use super::terminal;
use coord_core::{ServiceId, ServiceState};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often the view is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// The terminal's size when it does not tell (a pseudo-terminal nobody sized).
const FALLBACK_SIZE: (usize, usize) = (80, 24);
/// The widest name column.
const MAX_NAME: usize = 30;

/// Whether the live view is wanted: stdout is a terminal, `--no-progress` was not given,
/// `NO_COLOR` is not set and `TERM` is not `dumb`.
pub fn wanted(stdout_is_terminal: bool, no_progress: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    stdout_is_terminal && !no_progress && !no_color && !dumb
}

/// One service's line.
#[derive(Debug, Clone)]
struct Row {
    service: ServiceId,
    name: String,
    state: &'static str,
    port: Option<u16>,
    /// When its current attempt was spawned (the clock runs from there).
    since: Option<Instant>,
    /// How long it took, once its startup is over (the clock stops).
    took: Option<Duration>,
    last_line: String,
}

/// What the view shows.
#[derive(Debug)]
struct ViewState {
    rows: Vec<Row>,
    finished: bool,
}

impl ViewState {
    fn row(&mut self, service: ServiceId) -> Option<&mut Row> {
        self.rows.iter_mut().find(|r| r.service == service)
    }
}

/// The live view of one run's startup (a thread redraws it until [`LiveView::finish`]).
#[derive(Debug)]
pub struct LiveView {
    state: Arc<Mutex<ViewState>>,
}

fn lock(state: &Mutex<ViewState>) -> MutexGuard<'_, ViewState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl LiveView {
    /// Starts the view for `services` (id and name, in stack file order).
    pub fn start(services: Vec<(ServiceId, String)>) -> LiveView {
        let rows = services
            .into_iter()
            .map(|(service, name)| Row {
                service,
                name,
                state: "pending",
                port: None,
                since: None,
                took: None,
                last_line: String::new(),
            })
            .collect();
        let state = Arc::new(Mutex::new(ViewState {
            rows,
            finished: false,
        }));
        let for_thread = state.clone();
        let spawned = std::thread::Builder::new()
            .name("coord-live-view".into())
            .spawn(move || {
                loop {
                    {
                        let state = lock(&for_thread);
                        if state.finished {
                            break;
                        }
                        draw(&state, false);
                    }
                    std::thread::sleep(TICK);
                }
            });
        if let Err(e) = spawned {
            tracing::debug!("no live view: cannot start its thread: {e}");
        }
        LiveView { state }
    }

    /// A service changed state.
    pub fn state(&self, service: ServiceId, to: &ServiceState) {
        let mut state = lock(&self.state);
        let Some(row) = state.row(service) else {
            return;
        };
        row.state = to.name();
        let done = matches!(
            to,
            ServiceState::Ready
                | ServiceState::Completed
                | ServiceState::Failed(_)
                | ServiceState::Skipped(_)
        );
        let again = matches!(to, ServiceState::Starting | ServiceState::Restarting);
        if again && (row.took.is_some() || row.since.is_none()) {
            // Its clock (re)starts with this attempt.
            row.since = Some(Instant::now());
            row.took = None;
        } else if done && row.took.is_none() {
            row.took = Some(row.since.map_or(Duration::ZERO, |s| s.elapsed()));
        }
    }

    /// A service was given a port.
    pub fn port(&self, service: ServiceId, port: u16) {
        if let Some(row) = lock(&self.state).row(service) {
            row.port = Some(port);
        }
    }

    /// A service wrote a line.
    pub fn line(&self, service: ServiceId, text: &str) {
        if let Some(row) = lock(&self.state).row(service) {
            row.last_line = printable(text);
        }
    }

    /// Ends the view: draws the last frame (it stays on the screen) and shows the cursor.
    pub fn finish(&self) {
        let mut state = lock(&self.state);
        if state.finished {
            return;
        }
        draw(&state, true);
        state.finished = true;
        terminal::end_frames();
    }
}

impl Drop for LiveView {
    fn drop(&mut self) {
        self.finish();
    }
}

fn draw(state: &ViewState, last: bool) {
    let (cols, rows) = super::frame::size().unwrap_or(FALLBACK_SIZE);
    terminal::frame(render(&state.rows, Instant::now(), cols, rows), last);
}

/// How soon a state's row is shown when not all fit: failures first, then what is starting,
/// then what waits, then what is done.
fn rank(state: &str) -> u8 {
    match state {
        "failed" => 0,
        "starting" | "restarting" | "unhealthy" => 1,
        "pending" | "waiting" => 2,
        _ => 3,
    }
}

/// The frame's lines for a terminal of `cols` x `lines`: at most `lines - 1` of them (the
/// cursor's line stays free), each at most `cols - 1` characters (none wraps).
fn render(rows: &[Row], now: Instant, cols: usize, lines: usize) -> Vec<String> {
    let room = lines.saturating_sub(1).max(1);
    let shown: Vec<&Row> = if rows.len() <= room {
        rows.iter().collect()
    } else {
        // Keep one line for "... and N more"; pick by rank, show in stack order.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| (rank(rows[i].state), i));
        let mut keep: Vec<usize> = order.into_iter().take(room - 1).collect();
        keep.sort_unstable();
        keep.into_iter().map(|i| &rows[i]).collect()
    };
    let name_width = shown
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_NAME);
    let mut out: Vec<String> = shown
        .iter()
        .map(|r| {
            let port = r.port.map_or_else(|| "-".to_string(), |p| p.to_string());
            let time = match (r.took, r.since) {
                (Some(took), _) => seconds(took),
                (None, Some(since)) => seconds(now.saturating_duration_since(since)),
                (None, None) => String::new(),
            };
            let name: String = r.name.chars().take(name_width).collect();
            let line = format!(
                "{name:<name_width$}  {:<10} {port:>5} {time:>8}  {}",
                r.state, r.last_line
            );
            fit(line.trim_end(), cols)
        })
        .collect();
    if shown.len() < rows.len() {
        out.push(fit(&more(rows, &shown), cols));
    }
    out
}

/// `... and 1,990 more: 1,500 ready, 490 waiting` for the rows not shown.
fn more(rows: &[Row], shown: &[&Row]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let hidden = rows
        .iter()
        .filter(|r| !shown.iter().any(|s| s.service == r.service));
    let mut n = 0;
    for r in hidden {
        n += 1;
        match counts.iter_mut().find(|(s, _)| *s == r.state) {
            Some((_, c)) => *c += 1,
            None => counts.push((r.state, 1)),
        }
    }
    counts.sort_by_key(|(s, _)| rank(s));
    let parts: Vec<String> = counts
        .iter()
        .map(|(s, c)| format!("{} {s}", coord_core::text::thousands(*c)))
        .collect();
    format!(
        "... and {} more: {}",
        coord_core::text::thousands(n),
        parts.join(", ")
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// `line` cut to fewer than `cols` characters.
fn fit(line: &str, cols: usize) -> String {
    line.chars().take(cols.saturating_sub(1)).collect()
}

/// A service's line as the view can show it: escape sequences and control characters removed
/// (they would move the cursor or change colours under the frame).
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI `ESC [ ... final`, else an escape and one character.
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else if c == '\t' {
            out.push(' ');
        } else if !c.is_control() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(service: ServiceId, name: &str, state: &'static str) -> Row {
        Row {
            service,
            name: name.into(),
            state,
            port: None,
            since: None,
            took: None,
            last_line: String::new(),
        }
    }

    #[test]
    fn one_line_per_service_with_state_port_time_and_last_line() {
        let now = Instant::now();
        let mut db = row(ServiceId::from_index(0), "db", "ready");
        db.port = Some(5432);
        db.took = Some(Duration::from_millis(1240));
        db.last_line = "listening".into();
        let mut api = row(ServiceId::from_index(1), "api", "starting");
        api.port = Some(8000);
        api.since = Some(now - Duration::from_millis(300));
        let web = row(ServiceId::from_index(2), "frontend", "waiting");
        let lines = render(&[db, api, web], now, 80, 24);
        assert_eq!(
            lines,
            vec![
                "db        ready       5432    1.2 s  listening",
                "api       starting    8000    0.3 s",
                "frontend  waiting        -",
            ]
        );
    }

    #[test]
    fn lines_are_cut_to_the_terminal_width() {
        let mut db = row(ServiceId::from_index(0), "db", "starting");
        db.last_line = "x".repeat(200);
        let lines = render(&[db], Instant::now(), 40, 24);
        assert_eq!(lines[0].chars().count(), 39);
    }

    #[test]
    fn a_tall_stack_is_capped_to_the_terminal_height() {
        let mut rows: Vec<Row> = (0..100)
            .map(|i| row(ServiceId::from_index(i), &format!("s{i}"), "ready"))
            .collect();
        rows[50].state = "starting";
        rows[70].state = "failed";
        rows[90].state = "waiting";
        let lines = render(&rows, Instant::now(), 80, 10);
        assert_eq!(lines.len(), 9, "{lines:#?}");
        // What is not done comes first, in stack order, then done ones fill the room.
        assert!(lines[0].starts_with("s0 "), "{lines:#?}");
        assert!(lines.iter().any(|l| l.starts_with("s50 ")), "{lines:#?}");
        assert!(lines.iter().any(|l| l.starts_with("s70 ")), "{lines:#?}");
        assert!(lines.iter().any(|l| l.starts_with("s90 ")), "{lines:#?}");
        assert_eq!(lines[8], "... and 92 more: 92 ready");
    }

    #[test]
    fn escape_sequences_and_control_characters_are_not_shown() {
        assert_eq!(
            printable("\u{1b}[32mok\u{1b}[0m\tdone\u{7}"),
            "ok done".to_string()
        );
    }

    #[test]
    fn off_without_a_terminal_or_with_no_progress() {
        assert!(!wanted(false, false));
        assert!(!wanted(true, true));
    }
}
