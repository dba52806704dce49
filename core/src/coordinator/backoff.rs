//! Backoff arithmetic, in one place and saturating: any duration the stack file allows (even one
//! close to `Duration::MAX`) gives a delay, never a panic.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// The shortest wait before retrying a port held by another program: a program holding a port
/// rarely lets go within milliseconds, so these retries back off over seconds.
pub(crate) const PORT_TAKEN_BACKOFF: Duration = Duration::from_secs(1);

/// The delay before start attempt number `attempts + 1`: `initial` doubled once per attempt after
/// the first, capped at `max`, and never below `floor`.
pub(crate) fn attempt_backoff(
    initial: Duration,
    max: Duration,
    attempts: u32,
    floor: Duration,
) -> Duration {
    let doublings = attempts.saturating_sub(1).min(63);
    let mut delay = initial.max(floor);
    for _ in 0..doublings {
        if delay >= max {
            break;
        }
        delay = doubled(delay);
    }
    delay.min(max.max(floor))
}

/// `d` doubled, saturating at `Duration::MAX`.
pub(crate) fn doubled(d: Duration) -> Duration {
    d.saturating_mul(2)
}

/// `base` plus up to a tenth of it, drawn from `rng`, saturating.
pub(crate) fn jitter(rng: &mut ChaCha8Rng, base: Duration) -> Duration {
    let extra = crate::time::duration_millis(base) / 10;
    base.saturating_add(Duration::from_millis(rng.random_range(0..=extra)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn doubles_from_initial_up_to_the_cap() {
        let got: Vec<Duration> = (1..=6)
            .map(|a| attempt_backoff(MS(100), MS(1000), a, Duration::ZERO))
            .collect();
        assert_eq!(
            got,
            [MS(100), MS(200), MS(400), MS(800), MS(1000), MS(1000)]
        );
    }

    #[test]
    fn a_floor_lifts_the_start_and_the_cap() {
        assert_eq!(attempt_backoff(MS(100), MS(30_000), 1, MS(1000)), MS(1000));
        assert_eq!(attempt_backoff(MS(100), MS(30_000), 3, MS(1000)), MS(4000));
        // A cap below the floor does not pull the delay under the floor.
        assert_eq!(attempt_backoff(MS(100), MS(200), 3, MS(1000)), MS(1000));
    }

    #[test]
    fn huge_durations_saturate_instead_of_panicking() {
        let huge = Duration::MAX;
        assert_eq!(attempt_backoff(huge, huge, u32::MAX, Duration::ZERO), huge);
        assert_eq!(attempt_backoff(huge / 3, huge, 40, huge), huge);
        assert_eq!(doubled(huge), huge);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(jitter(&mut rng, huge), huge);
        let j = jitter(&mut rng, MS(1000));
        assert!(j >= MS(1000) && j <= MS(1100), "{j:?}");
    }
}
