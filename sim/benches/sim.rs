//! Benchmarks of the simulator (run with `cargo bench -p coord-sim`):
//! - seeds per second on the netra stack with swarm faults (one core);
//! - one calm startup and shutdown of a random dependency DAG of 100 / 1,000 / 10,000 services
//!   (4 dependencies at most per service), to show the cost grows linearly.

use coord_core::stack::Stack;
use coord_sim::stacks;
use coord_sim::sweep::run_seed;
use coord_sim::{FaultPlan, World};
use divan::Bencher;

fn main() {
    divan::main();
}

/// `fixtures/netra.toml` if present, else the same stack built in code.
fn netra() -> Stack {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/netra.toml");
    match std::fs::read_to_string(path) {
        Ok(text) => Stack::parse("fixtures/netra.toml", &text).unwrap_or_else(|_| stacks::netra()),
        Err(_) => stacks::netra(),
    }
}

/// One seed of netra with its swarm fault plan, seeds taken in turn.
#[divan::bench(sample_count = 2000)]
fn netra_seed_with_faults(bencher: Bencher) {
    let stack = netra();
    let mut seed = 0u64;
    bencher.bench_local(|| {
        seed += 1;
        run_seed(&stack, seed, false)
    });
}

/// One calm startup and shutdown of a random DAG of `n` services.
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 5)]
fn random_dag_startup_and_shutdown(bencher: Bencher, n: usize) {
    let stack = stacks::random_dag(n, 4, 1);
    bencher
        .with_inputs(|| World::with_plan(stack.clone(), 1, FaultPlan::calm(), false))
        .bench_local_values(|world| {
            let report = world.run();
            assert!(report.violation.is_none(), "{:?}", report.violation);
            report
        });
}
