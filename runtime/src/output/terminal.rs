//! coord's own terminal: everything coord prints on stdout and stderr.
//!
//! Before [`start`] (short commands like `coord status`), writes go straight to the stream and
//! their errors are ignored: a closed pipe (`coord status | head -1`) ends nothing, coord just
//! stops being heard. After [`start`] (`coord run`), writes are queued for one writer thread, so
//! a terminal that does not keep up (paused with Ctrl-S, a pipe nobody reads) never blocks the
//! event loop: when the queue is full, service lines are dropped and counted, and a notice
//! `coord: N lines not shown ...` takes their place once the terminal reads again. The log files
//! under `.coord/logs/` are written elsewhere and keep every line. A stream that fails (EPIPE)
//! is not written again. The writer also draws the live startup view's frames ([`frame`]) and
//! keeps them below everything else written meanwhile.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Messages the queue holds at most.
const QUEUE: usize = 4096;
/// Service lines are dropped once this many messages wait (coord's own keep the rest).
const SERVICE_QUEUE: usize = QUEUE * 3 / 4;
/// The most the writer thread writes at once.
const BATCH: usize = 64 * 1024;
/// Service lines are dropped once this many bytes wait.
const SERVICE_BYTES: usize = 1 << 20;

/// Which of coord's streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// stdout: service lines, command output.
    Out,
    /// stderr: coord's own messages.
    Err,
}

/// Who a line is from: service lines give way first when the terminal falls behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// A service's output line (also in its log file).
    Service,
    /// coord's own message.
    Coord,
}

enum Message {
    Write(Stream, Vec<u8>),
    Flush(SyncSender<()>),
    /// A new frame of the live view (its lines).
    Frame(Vec<String>),
    /// The live view is over.
    EndFrames,
}

struct Shared {
    queued_msgs: AtomicUsize,
    /// Frames of the live view waiting (a terminal that does not read gets no more).
    queued_frames: AtomicUsize,
    queued_bytes: AtomicUsize,
    dropped: AtomicU64,
    out_closed: AtomicBool,
    err_closed: AtomicBool,
}

struct Terminal {
    tx: SyncSender<Message>,
    shared: Arc<Shared>,
}

static TERMINAL: OnceLock<Terminal> = OnceLock::new();
/// A frame hid the cursor and it is not shown again yet.
static CURSOR_HIDDEN: AtomicBool = AtomicBool::new(false);
/// No more frames (coord panicked or exits).
static FRAMES_OFF: AtomicBool = AtomicBool::new(false);

/// Starts the writer thread (once); later writes are queued for it.
pub fn start() {
    TERMINAL.get_or_init(|| {
        let (tx, rx) = sync_channel(QUEUE);
        let shared = Arc::new(Shared {
            queued_msgs: AtomicUsize::new(0),
            queued_frames: AtomicUsize::new(0),
            queued_bytes: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            out_closed: AtomicBool::new(false),
            err_closed: AtomicBool::new(false),
        });
        let for_thread = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("coord-terminal".into())
            .spawn(move || writer(rx, &for_thread));
        if let Err(e) = spawned {
            // Without the thread, the queue fills and lines are dropped: say so once.
            let _ = writeln!(io::stderr(), "coord: cannot start the terminal writer: {e}");
        }
        Terminal { tx, shared }
    });
}

/// Writes `bytes` on `stream`: queued after [`start`] (dropped and counted when the terminal is
/// behind, for [`Priority::Service`]), else written at once. Errors are ignored.
pub fn write(stream: Stream, priority: Priority, bytes: Vec<u8>) {
    let Some(t) = TERMINAL.get() else {
        write_direct(stream, &bytes);
        return;
    };
    let s = &t.shared;
    let closed = match stream {
        Stream::Out => &s.out_closed,
        Stream::Err => &s.err_closed,
    };
    if closed.load(Ordering::Relaxed) {
        return;
    }
    let len = bytes.len();
    if priority == Priority::Service
        && (s.queued_msgs.load(Ordering::Relaxed) >= SERVICE_QUEUE
            || s.queued_bytes.load(Ordering::Relaxed) + len > SERVICE_BYTES)
    {
        s.dropped.fetch_add(1, Ordering::Relaxed);
        return;
    }
    s.queued_msgs.fetch_add(1, Ordering::Relaxed);
    s.queued_bytes.fetch_add(len, Ordering::Relaxed);
    match t.tx.try_send(Message::Write(stream, bytes)) {
        Ok(()) => {}
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
            s.queued_msgs.fetch_sub(1, Ordering::Relaxed);
            s.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            s.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Writes formatted text of coord's own on `stream` (see [`write`]); used by [`crate::outln`]
/// and [`crate::errln`].
pub fn print(stream: Stream, args: fmt::Arguments<'_>) {
    write(stream, Priority::Coord, fmt::format(args).into_bytes());
}

/// Waits (at most `patience`) until the writer thread has written what is queued: called before
/// coord exits. A terminal that does not read is given up on.
pub fn flush(patience: Duration) {
    let Some(t) = TERMINAL.get() else {
        let _ = io::stdout().flush();
        return;
    };
    let (tx, rx) = sync_channel(1);
    if t.tx.try_send(Message::Flush(tx)).is_ok() {
        let _ = rx.recv_timeout(patience);
    }
}

/// How many service lines were not shown so far (the terminal was behind).
pub fn dropped() -> u64 {
    TERMINAL
        .get()
        .map_or(0, |t| t.shared.dropped.load(Ordering::Relaxed))
}

fn write_direct(stream: Stream, bytes: &[u8]) -> bool {
    let ok = match stream {
        Stream::Out => {
            let mut out = io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
        Stream::Err => io::stderr().lock().write_all(bytes),
    };
    ok.is_ok()
}

/// What the writer thread writes on: the two streams, and the live view's frame (see
/// [`frame`]) kept at the bottom of the terminal while it is drawn.
struct Screen<'a> {
    shared: &'a Shared,
    /// The frame on the screen, if any (its lines).
    drawn: Option<Vec<String>>,
    /// Whether stderr shares the screen (then a write on it goes above the frame too).
    err_is_terminal: bool,
}

impl Screen<'_> {
    fn raw(&self, stream: Stream, bytes: &[u8]) {
        let closed = match stream {
            Stream::Out => &self.shared.out_closed,
            Stream::Err => &self.shared.err_closed,
        };
        if !closed.load(Ordering::Relaxed) && !write_direct(stream, bytes) {
            closed.store(true, Ordering::Relaxed);
        }
    }

    /// Writes `bytes` on `stream`; a frame on the screen is erased first and drawn again below
    /// them, so coord's messages scroll above the live view.
    fn put(&self, stream: Stream, bytes: &[u8]) {
        match &self.drawn {
            Some(lines) if stream == Stream::Out || self.err_is_terminal => {
                self.raw(Stream::Out, &super::frame::erase(lines.len()));
                self.raw(stream, bytes);
                self.raw(Stream::Out, &super::frame::draw(lines));
            }
            _ => self.raw(stream, bytes),
        }
    }

    /// Draws `lines` in place of the frame on the screen (hiding the cursor for the first).
    fn frame(&mut self, lines: Vec<String>) {
        let mut bytes = match &self.drawn {
            Some(old) => super::frame::erase(old.len()),
            None => {
                CURSOR_HIDDEN.store(true, Ordering::Relaxed);
                super::frame::hide_cursor()
            }
        };
        bytes.extend(super::frame::draw(&lines));
        self.raw(Stream::Out, &bytes);
        self.drawn = Some(lines);
    }

    /// Leaves the frame on the screen as it is (it scrolls away with what follows) and shows
    /// the cursor again.
    fn end_frames(&mut self) {
        self.drawn = None;
        if CURSOR_HIDDEN.swap(false, Ordering::Relaxed) {
            self.raw(Stream::Out, &super::frame::show_cursor());
        }
    }

    /// Tells how many lines were not shown, if any.
    fn notice(&self) {
        let n = self.shared.dropped.swap(0, Ordering::Relaxed);
        if n > 0 {
            let text = format!(
                "coord: ... {n} line{} not shown (the terminal did not keep up), see .coord/logs/\n",
                if n == 1 { "" } else { "s" }
            );
            self.put(Stream::Out, text.as_bytes());
        }
    }
}

/// The writer thread: writes queued messages in order; before going idle (and before the next
/// line after drops) tells how many lines were not shown.
fn writer(rx: Receiver<Message>, shared: &Shared) {
    let mut screen = Screen {
        shared,
        drawn: None,
        err_is_terminal: io::stderr().is_terminal(),
    };
    // Messages waiting together are written with one write per stream switch or 64 KiB.
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
    let mut batch_stream = Stream::Out;
    let write_batch = |screen: &Screen<'_>, batch: &mut Vec<u8>, stream: Stream| {
        if !batch.is_empty() {
            screen.put(stream, batch);
            batch.clear();
        }
    };
    loop {
        let message = match rx.try_recv() {
            Ok(m) => m,
            Err(TryRecvError::Empty) => {
                write_batch(&screen, &mut batch, batch_stream);
                screen.notice();
                match rx.recv() {
                    Ok(m) => m,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        match message {
            Message::Write(stream, bytes) => {
                shared.queued_msgs.fetch_sub(1, Ordering::Relaxed);
                shared
                    .queued_bytes
                    .fetch_sub(bytes.len(), Ordering::Relaxed);
                if stream != batch_stream || batch.len() + bytes.len() > BATCH {
                    write_batch(&screen, &mut batch, batch_stream);
                    screen.notice();
                }
                batch_stream = stream;
                batch.extend_from_slice(&bytes);
            }
            Message::Frame(lines) => {
                shared.queued_frames.fetch_sub(1, Ordering::Relaxed);
                write_batch(&screen, &mut batch, batch_stream);
                if !FRAMES_OFF.load(Ordering::Relaxed) {
                    screen.frame(lines);
                }
            }
            Message::EndFrames => {
                write_batch(&screen, &mut batch, batch_stream);
                screen.end_frames();
            }
            Message::Flush(done) => {
                write_batch(&screen, &mut batch, batch_stream);
                screen.notice();
                let _ = done.try_send(());
            }
        }
    }
    write_batch(&screen, &mut batch, batch_stream);
    screen.end_frames();
}

/// Draws the live view's frame `lines` (on stdout, a terminal) in place of the last one; coord's
/// own messages written meanwhile appear above it. Lines must be shorter than the terminal is
/// wide. Ignored before [`start`] and after [`restore_cursor`]; skipped while an earlier frame
/// still waits, unless it is the `last`.
pub fn frame(lines: Vec<String>, last: bool) {
    if FRAMES_OFF.load(Ordering::Relaxed) {
        return;
    }
    let Some(t) = TERMINAL.get() else {
        return;
    };
    // A frame replaces the one before: while one still waits (the terminal is behind, or
    // paused with Ctrl-S), a new one is not queued.
    let waiting = &t.shared.queued_frames;
    if !last && waiting.load(Ordering::Relaxed) > 0 {
        return;
    }
    waiting.fetch_add(1, Ordering::Relaxed);
    if t.tx.try_send(Message::Frame(lines)).is_err() {
        waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Ends the live view: its last frame stays on the screen and the cursor is shown again.
pub fn end_frames() {
    if let Some(t) = TERMINAL.get()
        && t.tx.try_send(Message::EndFrames).is_err()
    {
        restore_cursor();
    }
}

/// Draws no more frames and shows the cursor at once if a frame hid it: for a panic and for
/// coord's exit, whatever the writer thread is doing.
pub fn restore_cursor() {
    FRAMES_OFF.store(true, Ordering::Relaxed);
    if CURSOR_HIDDEN.swap(false, Ordering::Relaxed) {
        let _ = write_direct(Stream::Out, &super::frame::show_cursor());
    }
}

/// A `tracing` writer onto coord's stderr that never blocks the loop nor fails on a closed
/// stream (see [`write`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrWriter;

impl Write for StderrWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write(Stream::Err, Priority::Coord, buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for StderrWriter {
    type Writer = StderrWriter;

    fn make_writer(&'a self) -> StderrWriter {
        StderrWriter
    }
}

/// `println!` onto coord's stdout that never panics (a closed pipe is ignored).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::terminal::print(
            $crate::output::terminal::Stream::Out,
            format_args!("{}\n", format_args!($($arg)*)),
        )
    };
}

/// `print!` onto coord's stdout that never panics (a closed pipe is ignored).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::terminal::print($crate::output::terminal::Stream::Out, format_args!($($arg)*))
    };
}

/// `eprintln!` onto coord's stderr that never panics (a closed pipe is ignored).
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::terminal::print(
            $crate::output::terminal::Stream::Err,
            format_args!("{}\n", format_args!($($arg)*)),
        )
    };
}
