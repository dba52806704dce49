//! The core's notion of time: monotonic milliseconds since the driver's epoch.
//!
//! The core never reads a clock. Drivers map their own clock (real or virtual) to [`Timestamp`]
//! in exactly one place and pass it to every `handle_*` call.

use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// Monotonic milliseconds since the driver's epoch (the start of the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The epoch itself.
    pub const ZERO: Timestamp = Timestamp(0);

    /// Builds a timestamp from milliseconds since the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// This instant plus `d`, saturating at the end of time.
    #[allow(clippy::should_implement_trait)] // saturating, and Duration on the right only
    pub fn add(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(duration_millis(d)))
    }

    /// Milliseconds from `earlier` to `self` (zero if `earlier` is later).
    pub fn millis_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// A duration in whole milliseconds, saturating.
pub fn duration_millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        write!(f, "{}.{:03}s", ms / 1000, ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_since() {
        let t = Timestamp::from_millis(1500);
        assert_eq!(t.add(Duration::from_millis(250)), Timestamp(1750));
        assert_eq!(Timestamp(1750).millis_since(t), 250);
        assert_eq!(t.millis_since(Timestamp(1750)), 0);
        assert_eq!(
            Timestamp(u64::MAX).add(Duration::from_secs(1)),
            Timestamp(u64::MAX)
        );
        assert_eq!(Timestamp(61_005).to_string(), "61.005s");
    }
}
