//! The bytes of a stack file -> its text: a file that is not UTF-8 is an error located at the
//! first invalid byte, like any other error in the file.

use super::diagnostics::Diagnostics;
use super::{ConfigErrors, Parsed, Stack};

/// The text of a stack file, or an error at the line and column of its first byte that is not
/// UTF-8. `file` is only used in the message.
pub fn decode<'b>(file: &str, bytes: &'b [u8]) -> Result<&'b str, ConfigErrors> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        // The prefix is valid UTF-8 by construction; its end is where the bad byte sits.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let mut d = Diagnostics::new(file, prefix);
        d.error(
            valid..valid,
            format!(
                "the stack file is not valid UTF-8 (byte 0x{:02x} at offset {valid})",
                bytes[valid]
            ),
            "save the file as UTF-8 (a stack file is TOML, which is always UTF-8); `iconv -f LATIN1 -t UTF-8` converts a Latin-1 file",
        );
        d.into_errors()
    })
}

impl Stack {
    /// Like [`Stack::parse_with_places`], from the raw bytes of the file: bytes that are not
    /// UTF-8 are an error at their line and column.
    pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Parsed, ConfigErrors> {
        Stack::parse_with_places(file, decode(file, bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_through() {
        assert_eq!(
            decode("f", "a = \"é\"\n".as_bytes()).unwrap(),
            "a = \"é\"\n"
        );
    }

    #[test]
    fn the_first_invalid_byte_is_located_in_characters() {
        let bytes = b"[services.a]\ncommand = \"\xc3\xa9\xff\"\n";
        let errors = decode("f.toml", bytes).unwrap_err().0;
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        // Line 2: `command = "` is 11 characters, then `é`, then the bad byte.
        assert_eq!((e.line, e.column), (2, 13));
        assert_eq!(
            e.message,
            "the stack file is not valid UTF-8 (byte 0xff at offset 26)"
        );
        assert!(e.help.contains("UTF-8"));
    }

    #[test]
    fn a_truncated_sequence_at_the_end_is_located_too() {
        let errors = Stack::parse_bytes("f.toml", b"a = 1\n\xe2\x82")
            .unwrap_err()
            .0;
        assert_eq!((errors[0].line, errors[0].column), (2, 1));
    }
}
