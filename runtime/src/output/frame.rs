//! The bytes that draw and erase the live view's frame on a terminal (with `crossterm`): a frame
//! is whole lines, each shorter than the terminal is wide (so none wraps), each ended by `\r\n`;
//! after it the cursor sits at the start of the line below, so erasing is "up N lines, clear to
//! the end of the screen".

use crossterm::{cursor, queue, terminal};

/// The bytes that draw `lines` as a frame.
pub fn draw(lines: &[String]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes
}

/// The bytes that erase a frame of `lines` lines drawn just above the cursor (nothing for 0:
/// `ESC[0F` would still move one line up).
pub fn erase(lines: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    if lines > 0 {
        let up = u16::try_from(lines).unwrap_or(u16::MAX);
        let _ = queue!(
            bytes,
            cursor::MoveToPreviousLine(up),
            terminal::Clear(terminal::ClearType::FromCursorDown)
        );
    }
    bytes
}

/// The bytes that hide the cursor (while a frame is drawn).
pub fn hide_cursor() -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = queue!(bytes, cursor::Hide);
    bytes
}

/// The bytes that show the cursor again.
pub fn show_cursor() -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = queue!(bytes, cursor::Show);
    bytes
}

/// The terminal's size (columns, rows) from the controlling terminal (or stdout); `None` when
/// it is unknown or zero (a pseudo-terminal nobody sized).
pub fn size() -> Option<(usize, usize)> {
    let size = terminal::window_size().ok()?;
    (size.columns > 0 && size.rows > 0).then_some((size.columns.into(), size.rows.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_its_lines_and_erasing_goes_back_up_over_them() {
        assert_eq!(draw(&["a".into(), "b".into()]), b"a\r\nb\r\n");
        assert_eq!(erase(2), b"\x1b[2F\x1b[J");
        assert!(erase(0).is_empty());
        assert_eq!(hide_cursor(), b"\x1b[?25l");
        assert_eq!(show_cursor(), b"\x1b[?25h");
    }
}
