//! Durations in stack files: strings such as `"500ms"`, `"30s"`, `"2m"`, `"1h 30m"`.

use std::time::Duration;

/// Parses a human duration (`"500ms"`, `"30s"`, `"1m 30s"`). Returns a message saying what to
/// write instead when the text is not a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        format!("`{text}` is not a duration ({e}); write a number with a unit, such as \"500ms\", \"30s\" or \"2m\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration(" 2m "), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn rejects_bare_numbers_and_garbage() {
        assert!(parse_duration("30").unwrap_err().contains("\"30s\""));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
    }
}
