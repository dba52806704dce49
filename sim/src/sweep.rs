//! Sweeps: many seeds over one stack, traces off; a failing seed is run again with its trace
//! (same seed, same bytes) so it can be printed.

use crate::stacks::random_small;
use crate::world::{RunReport, World};
use coord_core::stack::Stack;
use std::ops::Range;

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

/// Runs every seed of `seeds`; failures are collected with their traces.
pub fn sweep(stack: &Stack, seeds: Range<u64>) -> SweepResult {
    let mut result = SweepResult {
        runs: 0,
        failures: Vec::new(),
    };
    for seed in seeds {
        result.runs += 1;
        if run_seed(stack, seed, false).violation.is_some() {
            result.failures.push(run_seed(stack, seed, true));
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
