//! The seed sweep in CI: 10,000 swarm-fault seeds over every valid fixture, and 10,000 seeds each
//! on its own small random stack, every invariant checked on every step. No violation is
//! tolerated. Failures print the seed, the invariant, the plan, the trace's tail and the replay
//! command.

mod sim_common;

use coord_sim::{report, sweep};
use sim_common::{fixture, valid_fixtures};
use std::ops::Range;

const SEEDS: Range<u64> = 0..10_000;

#[test]
fn sweep_10000_seeds_over_every_fixture() {
    let mut failures = Vec::new();
    let fixtures = valid_fixtures();
    assert!(fixtures.len() >= 2, "fixtures: {fixtures:?}");
    for name in fixtures {
        let stack = fixture(&name);
        let result = sweep::sweep(&stack, SEEDS);
        assert_eq!(result.runs, SEEDS.end - SEEDS.start);
        for failure in &result.failures {
            failures.push(report::failure(
                failure,
                &stack,
                &format!("fixtures/{name}"),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} seeds broke an invariant; the first:\n\n{}",
        failures.len(),
        failures[0]
    );
}

/// More shapes than the fixtures: soft edges, tasks in chains, 1 to 4 parallel starts
/// (`sim --seeds 0..10000 --random-stack`).
#[test]
fn sweep_10000_random_stacks() {
    let result = sweep::sweep_random(SEEDS);
    assert_eq!(result.runs, SEEDS.end - SEEDS.start);
    let failures: Vec<String> = result
        .failures
        .iter()
        .map(|f| {
            report::failure(
                f,
                &coord_sim::stacks::random_small(f.seed),
                report::RANDOM_STACK,
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} seeds broke an invariant; the first:\n\n{}",
        failures.len(),
        failures[0]
    );
}
