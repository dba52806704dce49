//! Splitting a service's output into lines with a length cap: a line longer than
//! [`MAX_LINE`] bytes is cut (the first [`MAX_LINE`] bytes are kept, with [`CUT_MARKER`]) and the
//! rest of it is skipped, so no service can make coord hold an unbounded line. A `\r` ends a
//! line too (progress bars redraw with it); `\r\n` is one line break.
//!
//! A line without its break yet can be taken early ([`LineSplitter::flush_partial`]: the reader
//! does it after [`PARTIAL_IDLE`] without output, so a prompt like `Password: ` shows); the rest
//! of that line, when it comes, is a line of its own, and a bare line break right after the
//! early part ends nothing (no empty line).

/// The longest line kept, in bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// How long a line without its break waits for more before it is shown as it is.
pub const PARTIAL_IDLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Appended to a line that was cut at [`MAX_LINE`] bytes.
pub const CUT_MARKER: &str = " [coord: line longer than 64 KiB, the rest of it is not kept]";

/// The state of one output stream between reads.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    /// The last byte seen was a `\r` (a `\n` right after it ends nothing).
    after_cr: bool,
    /// Skipping the rest of a line that was cut.
    cutting: bool,
    /// The start of the current line was taken early and nothing came since.
    continued: bool,
}

/// What [`LineSplitter::feed`] found in the bytes it was given.
#[derive(Debug, PartialEq, Eq)]
pub struct Fed {
    /// How many of the bytes were used (the caller consumes them).
    pub used: usize,
    /// A complete line, if one ended within the bytes used.
    pub line: Option<String>,
}

impl LineSplitter {
    /// A splitter with nothing buffered.
    pub fn new() -> LineSplitter {
        LineSplitter::default()
    }

    /// Takes bytes from `input` until a line is complete (or `input` is used up).
    pub fn feed(&mut self, input: &[u8]) -> Fed {
        let mut used = 0;
        while used < input.len() {
            let rest = &input[used..];
            let brk = rest.iter().position(|b| *b == b'\n' || *b == b'\r');
            let text_len = brk.unwrap_or(rest.len());
            if text_len > 0 {
                self.after_cr = false;
                self.continued = false;
                if self.cutting {
                    used += text_len;
                    continue;
                }
                let room = MAX_LINE - self.buf.len();
                if text_len > room {
                    // More text than fits: keep what fits, cut, skip the rest of the line.
                    self.buf.extend_from_slice(&rest[..room]);
                    self.cutting = true;
                    let mut line = self.take();
                    line.push_str(CUT_MARKER);
                    return Fed {
                        used: used + text_len,
                        line: Some(line),
                    };
                }
                self.buf.extend_from_slice(&rest[..text_len]);
                used += text_len;
                continue;
            }
            // `rest` starts with a line break.
            let cr = rest[0] == b'\r';
            used += 1;
            let crlf = !cr && self.after_cr;
            self.after_cr = cr;
            if crlf {
                continue;
            }
            if self.cutting {
                self.cutting = false;
                continue;
            }
            if self.continued && self.buf.is_empty() {
                // The break of a line taken early: it was shown already.
                self.continued = false;
                continue;
            }
            return Fed {
                used,
                line: Some(self.take()),
            };
        }
        Fed { used, line: None }
    }

    /// Whether part of a line waits for its break.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty() && !self.cutting
    }

    /// The part of a line that waits for its break, taken now (the reader saw no output for
    /// [`PARTIAL_IDLE`]); its rest will be a line of its own.
    pub fn flush_partial(&mut self) -> Option<String> {
        if !self.has_partial() {
            return None;
        }
        self.continued = true;
        Some(self.take())
    }

    /// At end of file: the last line if it had no line break.
    pub fn finish(&mut self) -> Option<String> {
        if self.buf.is_empty() || self.cutting {
            return None;
        }
        Some(self.take())
    }

    fn take(&mut self) -> String {
        let line = String::from_utf8_lossy(&self.buf).into_owned();
        self.buf.clear();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `chunks` fed in order, then the unterminated rest.
    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut s = LineSplitter::new();
        let mut out = Vec::new();
        for chunk in chunks {
            let mut at = 0;
            while at < chunk.len() {
                let fed = s.feed(&chunk[at..]);
                at += fed.used;
                out.extend(fed.line);
            }
        }
        out.extend(s.finish());
        out
    }

    #[test]
    fn newlines_cr_and_crlf_end_lines() {
        assert_eq!(
            split(&[b"a\nb\r\nc\rd\n\ne"]),
            vec!["a", "b", "c", "d", "", "e"]
        );
    }

    #[test]
    fn a_line_split_across_reads_is_whole() {
        assert_eq!(
            split(&[b"hel", b"lo\r", b"\nworld\n"]),
            vec!["hello", "world"]
        );
    }

    #[test]
    fn a_long_line_is_cut_and_the_next_line_survives() {
        let long = vec![b'x'; MAX_LINE * 3 + 5];
        let lines = split(&[&long[..1000], &long[1000..], b"\nnext\n"]);
        assert_eq!(
            lines.len(),
            2,
            "{:?}",
            lines.iter().map(String::len).collect::<Vec<_>>()
        );
        assert_eq!(lines[0].len(), MAX_LINE + CUT_MARKER.len());
        assert!(lines[0].ends_with(CUT_MARKER));
        assert_eq!(lines[1], "next");
    }

    /// Feeds all of `bytes`, returning the lines.
    fn feed_all(s: &mut LineSplitter, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let fed = s.feed(&bytes[at..]);
            at += fed.used;
            out.extend(fed.line);
        }
        out
    }

    #[test]
    fn a_partial_line_taken_early_is_not_repeated_by_its_rest() {
        let mut s = LineSplitter::new();
        assert_eq!(feed_all(&mut s, b"Password: "), Vec::<String>::new());
        assert!(s.has_partial());
        assert_eq!(s.flush_partial().as_deref(), Some("Password: "));
        assert_eq!(s.flush_partial(), None);
        // Its rest is a line of its own.
        assert_eq!(feed_all(&mut s, b"ok\nnext\n"), vec!["ok", "next"]);
        // A bare break right after the early part ends nothing.
        feed_all(&mut s, b"50%");
        assert_eq!(s.flush_partial().as_deref(), Some("50%"));
        assert_eq!(feed_all(&mut s, b"\r\nafter\n\n"), vec!["after", ""]);
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn a_line_of_exactly_the_cap_is_not_cut() {
        let mut text = vec![b'y'; MAX_LINE];
        text.push(b'\n');
        let lines = split(&[&text]);
        assert_eq!(lines, vec!["y".repeat(MAX_LINE)]);
    }

    #[test]
    fn the_buffer_never_exceeds_the_cap() {
        let mut s = LineSplitter::new();
        let chunk = vec![b'z'; 8192];
        for _ in 0..100 {
            let mut at = 0;
            while at < chunk.len() {
                at += s.feed(&chunk[at..]).used;
            }
            assert!(s.buf.len() <= MAX_LINE);
        }
        assert_eq!(s.finish(), None);
    }
}
