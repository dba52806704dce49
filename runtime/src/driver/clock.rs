//! The one place where real time becomes the core's [`Timestamp`].

use coord_core::Timestamp;
use std::time::{Duration, Instant};

/// Maps real monotonic time to milliseconds since the run's start, and back.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub fn start() -> Clock {
        Clock {
            start: Instant::now(),
        }
    }

    /// Milliseconds since the epoch, rounded down.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_millis(coord_core::time::duration_millis(self.start.elapsed()))
    }

    /// The real instant of `t`.
    pub fn instant(&self, t: Timestamp) -> Instant {
        self.start + Duration::from_millis(t.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_timestamps_agree() {
        let clock = Clock::start();
        let t = Timestamp::from_millis(1234);
        assert_eq!(
            clock.instant(t) - clock.instant(Timestamp::ZERO),
            Duration::from_millis(1234)
        );
        // A timer firing at instant(t) sees now() >= t.
        let before = clock.now();
        assert!(clock.instant(before) <= Instant::now());
    }
}
