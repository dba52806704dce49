//! The probe kinds' one extension point: what each kind needs and how often a readiness probe of
//! that kind goes out. The coordinator reads these; nothing else decides a probe's cadence.
//!
//! - `tcp`, `http`, `log`, `notify` are cheap: the first probe goes out 1 ms after the spawn, the
//!   interval grows by 1 ms per probe up to 5 ms and stays there for the first second, then
//!   doubles up to the probe's `period`.
//! - `exec` spawns a process per probe: the first goes out 50 ms after the spawn, then the
//!   interval doubles (100 ms, 200 ms, ...) up to the probe's `period`.

use super::backoff::doubled;
use crate::stack::ProbeCheck;
use std::time::Duration;

/// How often readiness probes of one kind go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// Delay from the spawn to the first probe.
    pub first: Duration,
    /// The interval grows by this much per probe during the fast window...
    pub ramp: Duration,
    /// ...up to this interval...
    pub fast_interval: Duration,
    /// ...for this long after the spawn; then it doubles up to the probe's period.
    pub fast_window: Duration,
}

/// Cheap probes: 1 ms ramping to 5 ms for the first second.
pub const FAST: Cadence = Cadence {
    first: Duration::from_millis(1),
    ramp: Duration::from_millis(1),
    fast_interval: Duration::from_millis(5),
    fast_window: Duration::from_secs(1),
};

/// Probes that spawn a process: 50 ms, then doubling.
pub const SLOW: Cadence = Cadence {
    first: Duration::from_millis(50),
    ramp: Duration::ZERO,
    fast_interval: Duration::from_millis(50),
    fast_window: Duration::ZERO,
};

impl ProbeCheck {
    /// How often a readiness probe of this kind goes out.
    pub fn cadence(&self) -> &'static Cadence {
        match self {
            ProbeCheck::Exec { .. } => &SLOW,
            ProbeCheck::Tcp
            | ProbeCheck::Http { .. }
            | ProbeCheck::Log { .. }
            | ProbeCheck::Notify => &FAST,
        }
    }

    /// Whether this kind of probe needs the service to have a port.
    pub fn needs_port(&self) -> bool {
        matches!(self, ProbeCheck::Tcp | ProbeCheck::Http { .. })
    }
}

impl Cadence {
    /// The interval after `previous`, `since_spawn` after the spawn, for a probe with `period`:
    /// the ramp within the fast window, then doubling up to the period (never below the fast
    /// interval). Saturating.
    pub fn next(&self, previous: Duration, since_spawn: Duration, period: Duration) -> Duration {
        if self.in_fast_window(since_spawn) {
            self.ramp_up(previous)
        } else {
            self.back_off(previous, period)
        }
    }

    /// Whether `since_spawn` lies in the fast window (then the period is not needed).
    pub fn in_fast_window(&self, since_spawn: Duration) -> bool {
        since_spawn < self.fast_window
    }

    /// The interval after `previous` within the fast window.
    pub fn ramp_up(&self, previous: Duration) -> Duration {
        previous.saturating_add(self.ramp).min(self.fast_interval)
    }

    /// The interval after `previous` past the fast window: doubling up to `period`.
    pub fn back_off(&self, previous: Duration, period: Duration) -> Duration {
        doubled(previous).clamp(self.fast_interval, period.max(self.fast_interval))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    /// The probe times (ms after the spawn) of a service that never answers yes, up to `until`.
    fn times(cadence: &Cadence, period: Duration, until: u64) -> Vec<u64> {
        let mut at = cadence.first;
        let mut interval = cadence.first;
        let mut out = Vec::new();
        while at <= MS(until) {
            out.push(at.as_millis() as u64);
            interval = cadence.next(interval, at, period);
            at += interval;
        }
        out
    }

    #[test]
    fn exec_probes_start_at_tens_of_milliseconds_and_double() {
        let check = ProbeCheck::Exec {
            command: "pg_isready".into(),
        };
        assert_eq!(
            times(check.cadence(), MS(1000), 4000),
            [50, 150, 350, 750, 1550, 2550, 3550]
        );
    }

    #[test]
    fn cheap_probes_ramp_to_five_ms_for_the_first_second() {
        for check in [
            ProbeCheck::Tcp,
            ProbeCheck::Notify,
            ProbeCheck::Log {
                pattern: "up".into(),
            },
        ] {
            let t = times(check.cadence(), MS(1000), 2000);
            assert_eq!(&t[..6], [1, 3, 6, 10, 15, 20]);
            let first_second = t.iter().filter(|&&x| x < 1000).count();
            assert!(first_second > 150, "{first_second}");
            assert!(t.iter().filter(|&&x| x > 1100).count() < 5, "{t:?}");
        }
    }

    #[test]
    fn the_readme_lists_these_probe_times() {
        let readme = include_str!("../../../README.md");
        let listed = |cadence: &Cadence, until: u64| {
            let t: Vec<String> = times(cadence, MS(1000), until)
                .iter()
                .map(u64::to_string)
                .collect();
            format!("probes at {} ms", t.join(", "))
        };
        for line in [listed(&FAST, 25), listed(&SLOW, 750)] {
            assert!(
                readme.replace('\n', " ").contains(&line),
                "README \"Readiness\" should say `{line}`"
            );
        }
    }

    #[test]
    fn a_huge_period_saturates() {
        let big = Duration::MAX;
        assert_eq!(SLOW.next(big, big, big), big);
        assert_eq!(FAST.next(big, Duration::ZERO, big), FAST.fast_interval);
    }

    #[test]
    fn only_tcp_and_http_need_a_port() {
        assert!(ProbeCheck::Tcp.needs_port());
        assert!(!ProbeCheck::Notify.needs_port());
        assert!(
            !ProbeCheck::Exec {
                command: "x".into()
            }
            .needs_port()
        );
    }
}
