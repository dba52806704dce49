//! Durations in stack files and on the command line: strings such as `"500ms"`, `"30s"`, `"2m"`,
//! `"1h 30m"`, at most [`MAX_DURATION`].

use std::fmt;
use std::time::Duration;

/// The longest duration coord accepts anywhere (stack file or command line): one year, `"1y"`
/// (365.25 days). Anything longer is certainly a typo, and bounding it keeps every deadline the
/// core and the drivers compute far from overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(31_557_600);

/// Why a text is not an acceptable duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not a duration at all (no unit, not a number...).
    Malformed {
        /// The text as written.
        text: String,
        /// The reader's reason.
        reason: String,
    },
    /// A duration longer than [`MAX_DURATION`].
    TooLong {
        /// The text as written.
        text: String,
    },
}

impl DurationError {
    /// What is wrong, in a few words (without the key it was written under).
    pub fn problem(&self) -> String {
        match self {
            DurationError::Malformed { text, .. } => format!("bad duration `{text}`"),
            DurationError::TooLong { text } => format!(
                "duration `{text}` is longer than the maximum of {}",
                humantime::format_duration(MAX_DURATION)
            ),
        }
    }

    /// What to write instead.
    pub fn help(&self) -> String {
        match self {
            DurationError::Malformed { text, reason } => format!(
                "`{text}` is not a duration ({reason}); write a number with a unit, such as \"500ms\", \"30s\" or \"2m\""
            ),
            DurationError::TooLong { .. } => format!(
                "write a duration of at most {} (\"1y\"), such as \"30s\", \"10m\" or \"2h\"",
                humantime::format_duration(MAX_DURATION)
            ),
        }
    }
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.problem(), self.help())
    }
}

impl std::error::Error for DurationError {}

/// Parses a human duration (`"500ms"`, `"30s"`, `"1m 30s"`) of at most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let parsed = humantime::parse_duration(text.trim()).map_err(|e| DurationError::Malformed {
        text: text.to_string(),
        reason: e.to_string(),
    })?;
    if parsed > MAX_DURATION {
        return Err(DurationError::TooLong {
            text: text.to_string(),
        });
    }
    Ok(parsed)
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
        assert!(parse_duration("30").unwrap_err().help().contains("\"30s\""));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn one_year_is_the_longest() {
        assert_eq!(parse_duration("1y"), Ok(MAX_DURATION));
        assert_eq!(
            parse_duration("365days"),
            Ok(Duration::from_secs(365 * 86_400))
        );
        let err = parse_duration("300000000000y").unwrap_err();
        assert_eq!(
            err,
            DurationError::TooLong {
                text: "300000000000y".into()
            }
        );
        assert_eq!(
            err.problem(),
            "duration `300000000000y` is longer than the maximum of 1year"
        );
        assert!(parse_duration("1y 1s").is_err());
        // Too large even for the reader: still an error, never a panic.
        assert!(parse_duration("99999999999999999999999y").is_err());
    }
}
