//! The seed sweep in CI: 10,000 swarm-fault seeds over every valid fixture, every invariant
//! checked on every step. Failures print the seed, the invariant, the plan, the trace's tail and
//! the replay command.

mod sim_common;

use coord_sim::{Invariant, report, sweep};
use sim_common::{fixture, valid_fixtures};
use std::ops::Range;

const SEEDS: Range<u64> = 0..10_000;

/// Violations the coordinator is known to still commit, each an invariant and words its message
/// must contain (each has an ignored, named regression test in `sim_regressions.rs`). The strict
/// sweep below demands none at all; this one keeps everything else guarded in CI meanwhile.
/// Remove an entry as soon as its bug is fixed.
const KNOWN_OPEN: &[(Invariant, &[&str])] = &[
    // A failed run stops a dependency before its optional dependents (demo seed 135), or restarts
    // a service whose dependents run (netra seed 66870).
    (Invariant::StopsDependentsFirst, &["sent its stop signal"]),
    // The run fails because of a service that never becomes Failed (netra seed 15454).
    (
        Invariant::RunOutcome,
        &["but no non-optional service failed"],
    ),
    // A cascade fails dependents of a service that still reads Ready (random stack seed 549).
    (
        Invariant::OptionalFailureContained,
        &["became failed (dependency", " ready"],
    ),
    // A `PortTaken` of a process that ran is ignored outside Starting (demo seed 16527).
    (
        Invariant::PortNotOutsider,
        &["although the coordinator was told an outsider holds it"],
    ),
];

fn known(v: &coord_sim::Violation, allowed: &[(Invariant, &[&str])]) -> bool {
    allowed
        .iter()
        .any(|(i, words)| v.invariant == *i && words.iter().all(|w| v.detail.contains(w)))
}

/// Sweeps `SEEDS` over every valid fixture; returns the printed failures whose invariant is not
/// in `allowed`, and the number of allowed ones.
fn sweep_fixtures(allowed: &[(Invariant, &[&str])]) -> (Vec<String>, usize) {
    let mut unexpected = Vec::new();
    let mut known_count = 0;
    let fixtures = valid_fixtures();
    assert!(fixtures.len() >= 2, "fixtures: {fixtures:?}");
    for name in fixtures {
        let stack = fixture(&name);
        let result = sweep::sweep(&stack, SEEDS);
        assert_eq!(result.runs, SEEDS.end - SEEDS.start);
        for failure in &result.failures {
            let v = failure.violation.as_ref().unwrap();
            if known(v, allowed) {
                known_count += 1;
            } else {
                unexpected.push(report::failure(
                    failure,
                    &stack,
                    &format!("fixtures/{name}"),
                ));
            }
        }
    }
    (unexpected, known_count)
}

#[test]
fn sweep_10000_seeds_over_every_fixture_finds_no_new_violation() {
    let (unexpected, known) = sweep_fixtures(KNOWN_OPEN);
    eprintln!("{known} seeds broke an invariant with a known open coordinator bug");
    assert!(
        unexpected.is_empty(),
        "{} seeds broke an invariant:\n\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

#[test]
#[ignore = "open coordinator bug (see sim_regressions.rs): un-ignore once KNOWN_OPEN is empty"]
fn sweep_10000_seeds_over_every_fixture_strict() {
    let (unexpected, _) = sweep_fixtures(&[]);
    assert!(
        unexpected.is_empty(),
        "{} seeds broke an invariant; the first:\n\n{}",
        unexpected.len(),
        unexpected[0]
    );
}

/// 10,000 seeds, each on its own small random stack (`sim --seeds 0..10000 --random-stack`):
/// more shapes than the fixtures (soft edges, tasks in chains, 1 to 4 parallel starts). Returns
/// the printed failures not in `allowed`, and the number of allowed ones.
fn sweep_random_stacks(allowed: &[(Invariant, &[&str])]) -> (Vec<String>, usize) {
    let result = sweep::sweep_random(SEEDS);
    assert_eq!(result.runs, SEEDS.end - SEEDS.start);
    let mut unexpected = Vec::new();
    let mut known_count = 0;
    for failure in &result.failures {
        if known(failure.violation.as_ref().unwrap(), allowed) {
            known_count += 1;
        } else {
            unexpected.push(report::failure(
                failure,
                &coord_sim::stacks::random_small(failure.seed),
                report::RANDOM_STACK,
            ));
        }
    }
    (unexpected, known_count)
}

#[test]
fn sweep_10000_random_stacks_finds_no_new_violation() {
    let (unexpected, known) = sweep_random_stacks(KNOWN_OPEN);
    eprintln!("{known} seeds broke an invariant with a known open coordinator bug");
    assert!(
        unexpected.is_empty(),
        "{} seeds broke an invariant:\n\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

#[test]
#[ignore = "open coordinator bugs (see sim_regressions.rs): un-ignore once KNOWN_OPEN is empty"]
fn sweep_10000_random_stacks_strict() {
    let (unexpected, _) = sweep_random_stacks(&[]);
    assert!(
        unexpected.is_empty(),
        "{} seeds broke an invariant; the first:\n\n{}",
        unexpected.len(),
        unexpected[0]
    );
}
