//! The record of a backoff: a retry or restart waits before its next start. The state does not
//! change (it stays `restarting`), so this is its own record, for the runtime to print and the
//! event stream to carry.

use crate::stack::ServiceId;
use crate::time::Timestamp;
use serde::Serialize;
use std::fmt;

/// Which kind of wait a [`BackoffNotice`] announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackoffKind {
    /// A failed start attempt is retried (`startup_retry_count`).
    Retry,
    /// A service that was ready is restarted by its restart policy (`max_restarts`).
    Restart,
}

/// A service waits `delay_ms` before its next start: emitted as
/// [`super::Action::Backoff`]. Displays as `api: restarting in 2.05 s (restart 2 of 5)` or
/// `db: retrying in 200 ms (attempt 2 of 3)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackoffNotice {
    /// When.
    pub at: Timestamp,
    /// Which service.
    pub service: ServiceId,
    /// Its name.
    pub name: String,
    /// Retry of a start, or restart after ready.
    pub kind: BackoffKind,
    /// The wait, jitter included, in milliseconds.
    pub delay_ms: u64,
    /// The number of the start attempt (or restart) that follows the wait.
    pub number: u32,
    /// How many are allowed (attempts: `startup_retry_count + 1`; restarts: `max_restarts`
    /// within the restart window).
    pub of: u32,
}

/// `200 ms` under a second, else `2.05 s`.
pub fn format_delay(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else {
        format!("{}.{:02} s", ms / 1_000, (ms % 1_000) / 10)
    }
}

impl fmt::Display for BackoffNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (doing, what) = match self.kind {
            BackoffKind::Retry => ("retrying", "attempt"),
            BackoffKind::Restart => ("restarting", "restart"),
        };
        write!(
            f,
            "{}: {doing} in {} ({what} {} of {})",
            self.name,
            format_delay(self.delay_ms),
            self.number,
            self.of
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_the_delay_and_the_count() {
        let mut n = BackoffNotice {
            at: Timestamp(0),
            service: ServiceId::from_index(0),
            name: "api".into(),
            kind: BackoffKind::Restart,
            delay_ms: 2_054,
            number: 2,
            of: 5,
        };
        assert_eq!(n.to_string(), "api: restarting in 2.05 s (restart 2 of 5)");
        n.kind = BackoffKind::Retry;
        n.delay_ms = 200;
        n.of = 3;
        assert_eq!(n.to_string(), "api: retrying in 200 ms (attempt 2 of 3)");
    }
}
