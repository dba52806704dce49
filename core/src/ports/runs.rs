//! The set of held ports as maximal runs of consecutive ports, so "the first free port at or
//! after p" is one ordered-map lookup instead of a scan over every held port.

use std::collections::BTreeMap;

/// A set of ports stored as disjoint, non-adjacent inclusive runs `start -> end`.
///
/// Ports are kept as `u32` so that "one past 65535" is representable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PortRuns {
    runs: BTreeMap<u32, u32>,
}

impl PortRuns {
    /// The run containing `port`, as `(start, end)`.
    fn run_containing(&self, port: u32) -> Option<(u32, u32)> {
        self.runs
            .range(..=port)
            .next_back()
            .map(|(&start, &end)| (start, end))
            .filter(|&(_, end)| port <= end)
    }

    /// Whether `port` is in the set.
    #[cfg(test)]
    pub(super) fn contains(&self, port: u16) -> bool {
        self.run_containing(u32::from(port)).is_some()
    }

    /// Adds `port`, merging it with its neighbouring runs. No effect if already present.
    pub(super) fn insert(&mut self, port: u16) {
        let port = u32::from(port);
        if self.run_containing(port).is_some() {
            return;
        }
        let mut start = port;
        let mut end = port;
        if let Some((left_start, _)) = port.checked_sub(1).and_then(|p| self.run_containing(p)) {
            start = left_start;
        }
        if let Some(right_end) = self.runs.remove(&(port + 1)) {
            end = right_end;
        }
        self.runs.insert(start, end);
    }

    /// Removes `port`, splitting its run. No effect if absent.
    pub(super) fn remove(&mut self, port: u16) {
        let port = u32::from(port);
        let Some((start, end)) = self.run_containing(port) else {
            return;
        };
        self.runs.remove(&start);
        if start < port {
            self.runs.insert(start, port - 1);
        }
        if port < end {
            self.runs.insert(port + 1, end);
        }
    }

    /// The first port at or after `port` that is not in the set, if it is at most `last`.
    pub(super) fn first_absent(&self, port: u16, last: u16) -> Option<u16> {
        let candidate = match self.run_containing(u32::from(port)) {
            Some((_, end)) => end + 1,
            None => u32::from(port),
        };
        u16::try_from(candidate).ok().filter(|&p| p <= last)
    }

    /// The runs, for tests.
    #[cfg(test)]
    pub(super) fn runs(&self) -> Vec<(u32, u32)> {
        self.runs.iter().map(|(&s, &e)| (s, e)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_and_split() {
        let mut set = PortRuns::default();
        for port in [5, 7, 6, 10, 3] {
            set.insert(port);
        }
        assert_eq!(set.runs(), vec![(3, 3), (5, 7), (10, 10)]);
        set.insert(4);
        assert_eq!(set.runs(), vec![(3, 7), (10, 10)]);
        set.insert(4);
        assert_eq!(set.runs(), vec![(3, 7), (10, 10)]);
        set.remove(5);
        assert_eq!(set.runs(), vec![(3, 4), (6, 7), (10, 10)]);
        set.remove(3);
        set.remove(7);
        set.remove(8);
        assert_eq!(set.runs(), vec![(4, 4), (6, 6), (10, 10)]);
        assert!(set.contains(4) && set.contains(6) && !set.contains(5) && !set.contains(7));
    }

    #[test]
    fn first_absent_skips_a_whole_run() {
        let mut set = PortRuns::default();
        for port in 100..=200 {
            set.insert(port);
        }
        assert_eq!(set.runs(), vec![(100, 200)]);
        assert_eq!(set.first_absent(100, 300), Some(201));
        assert_eq!(set.first_absent(150, 300), Some(201));
        assert_eq!(set.first_absent(150, 200), None);
        assert_eq!(set.first_absent(99, 300), Some(99));
        assert_eq!(set.first_absent(201, 201), Some(201));
    }

    #[test]
    fn edges_of_the_port_space() {
        let mut set = PortRuns::default();
        set.insert(u16::MAX);
        set.insert(u16::MAX - 1);
        set.insert(0);
        set.insert(1);
        assert_eq!(set.runs(), vec![(0, 1), (65534, 65535)]);
        assert_eq!(set.first_absent(65534, u16::MAX), None);
        assert_eq!(set.first_absent(0, 10), Some(2));
        set.remove(0);
        set.remove(u16::MAX);
        assert_eq!(set.runs(), vec![(1, 1), (65534, 65534)]);
    }

    #[test]
    fn matches_a_plain_set() {
        // A fixed pseudo-random walk of inserts and removes over a small port space.
        let mut set = PortRuns::default();
        let mut plain = [false; 64];
        let mut x: u32 = 12345;
        for _ in 0..5000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let port = ((x >> 16) % 64) as u16;
            if (x >> 8) & 1 == 0 {
                set.insert(port);
                plain[usize::from(port)] = true;
            } else {
                set.remove(port);
                plain[usize::from(port)] = false;
            }
            let from = ((x >> 3) % 64) as u16;
            let expected = (from..64).find(|&p| !plain[usize::from(p)]);
            assert_eq!(set.first_absent(from, 63), expected);
            // Runs are maximal: disjoint and never adjacent.
            let runs = set.runs();
            for pair in runs.windows(2) {
                assert!(pair[0].1 + 1 < pair[1].0, "{runs:?}");
            }
            for p in 0..64u16 {
                assert_eq!(set.contains(p), plain[usize::from(p)]);
            }
        }
    }
}
