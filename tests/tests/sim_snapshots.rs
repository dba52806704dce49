//! Snapshots of simulator traces: every fixture stack x a few chosen seeds (swarm fault plans).
//! A change in the coordinator's behaviour shows up as a reviewed snapshot diff.

use coord_core::stack::Stack;
use coord_sim::report;
use coord_sim::sweep::run_seed;

/// Seeds whose plans between them cover spawn failures, stolen ports, late and never-ready
/// services, crashes, flaky probes and slow stops on both fixtures.
const SEEDS: [u64; 3] = [3, 7, 42];

#[test]
fn trace_of_every_fixture_for_chosen_seeds() {
    insta::glob!("../../fixtures", "*.toml", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let label = format!("fixtures/{name}");
        let text = std::fs::read_to_string(path).unwrap();
        let stack = Stack::parse(&label, &text).unwrap();
        for seed in SEEDS {
            let run = run_seed(&stack, seed, true);
            insta::assert_snapshot!(format!("seed_{seed}"), report::full(&run, &stack, &label));
        }
    });
}
