//! Sweeps: many seeds over one stack, traces off; a failing seed is run again with its trace
//! (same seed, same bytes) so it can be printed.

use crate::stacks::random_small;
use crate::world::{RunReport, World};
use coord_core::stack::Stack;
use std::ops::Range;
use std::sync::Arc;

/// Result of a sweep.
#[derive(Debug, Clone)]
pub struct SweepResult {
    /// Seeds run.
    pub runs: u64,
    /// Failing seeds, each re-run with its trace.
    pub failures: Vec<RunReport>,
}

/// Runs one seed without a trace.
pub fn run_seed(stack: &Stack, seed: u64, trace: bool) -> RunReport {
    World::new(stack.clone(), seed, trace).run()
}

/// [`run_seed`] on a shared stack: a sweep's seeds share one copy instead of cloning it per seed.
fn run_shared(stack: &Arc<Stack>, seed: u64, trace: bool) -> RunReport {
    World::new(Arc::clone(stack), seed, trace).run()
}

/// Runs every seed of `seeds`; failures are collected with their traces.
pub fn sweep(stack: &Stack, seeds: Range<u64>) -> SweepResult {
    let mut result = SweepResult {
        runs: 0,
        failures: Vec::new(),
    };
    let stack = Arc::new(stack.clone());
    for seed in seeds {
        result.runs += 1;
        if run_shared(&stack, seed, false).violation.is_some() {
            result.failures.push(run_shared(&stack, seed, true));
        }
    }
    result
}

/// Runs every seed of `seeds`, each on its own [`random_small`] stack; failures come with their
/// traces.
pub fn sweep_random(seeds: Range<u64>) -> SweepResult {
    let mut result = SweepResult {
        runs: 0,
        failures: Vec::new(),
    };
    for seed in seeds {
        result.runs += 1;
        let stack = random_small(seed);
        if run_seed(&stack, seed, false).violation.is_some() {
            result.failures.push(run_seed(&stack, seed, true));
        }
    }
    result
}

/// Runs every seed of `seeds`: on `stack`, or each on its own [`random_small`] stack when `stack`
/// is `None`.
pub fn sweep_on(stack: Option<&Stack>, seeds: Range<u64>) -> SweepResult {
    match stack {
        Some(stack) => sweep(stack, seeds),
        None => sweep_random(seeds),
    }
}

/// Seeds per unit of work handed to one job of a parallel sweep.
pub const CHUNK: u64 = 256;

/// The chunk of `seeds` starting at `start` (`None` once `start` is past the end): parallel
/// sweeps claim chunk starts from a shared counter, in steps of [`CHUNK`].
pub fn chunk_at(seeds: &Range<u64>, start: u64) -> Option<Range<u64>> {
    (start >= seeds.start && start < seeds.end)
        .then(|| start..start.saturating_add(CHUNK).min(seeds.end))
}

/// Merges the results of the jobs of one sweep: counts added, failures in seed order, so the
/// output does not depend on how many jobs ran or which finished first.
pub fn merge(parts: Vec<SweepResult>) -> SweepResult {
    let mut merged = SweepResult {
        runs: 0,
        failures: Vec::new(),
    };
    for part in parts {
        merged.runs += part.runs;
        merged.failures.extend(part.failures);
    }
    merged.failures.sort_by_key(|f| f.seed);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_once() {
        let seeds = 10..600;
        let mut covered = Vec::new();
        let mut start = seeds.start;
        while let Some(chunk) = chunk_at(&seeds, start) {
            covered.extend(chunk.clone());
            start = chunk.end;
        }
        assert_eq!(covered, (10..600).collect::<Vec<u64>>());
        assert_eq!(chunk_at(&seeds, 600), None);
        assert_eq!(chunk_at(&seeds, 5), None);
    }

    #[test]
    fn merged_failures_come_in_seed_order_whatever_the_split() {
        let stack = crate::stacks::netra();
        let report = |seed| run_seed(&stack, seed, false);
        let part = |seeds: &[u64]| SweepResult {
            runs: seeds.len() as u64,
            failures: seeds.iter().map(|&s| report(s)).collect(),
        };
        let a = merge(vec![part(&[7, 3]), part(&[5]), part(&[])]);
        let b = merge(vec![part(&[5, 3, 7])]);
        assert_eq!(a.runs, 3);
        let seeds = |r: &SweepResult| r.failures.iter().map(|f| f.seed).collect::<Vec<_>>();
        assert_eq!(seeds(&a), [3, 5, 7]);
        assert_eq!(seeds(&a), seeds(&b));
    }
}
