//! One calm startup and shutdown of a random DAG through the whole simulator, timed: a quick way
//! to reproduce (and profile) the `random_dag_startup_and_shutdown` benchmark.
//!
//! ```sh
//! cargo run --release -p coord-sim --example random_dag -- 10000 20   # services, repetitions
//! ```
//!
//! Prints the fastest and the median wall time of the repetitions (setup excluded), and the steps.

use coord_sim::{FaultPlan, World, stacks};
use std::time::{Duration, Instant};

/// Times the runs: an example may read the clock, the library never does.
#[allow(clippy::disallowed_methods)]
fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let stack = stacks::random_dag(n, 4, 1);
    let mut times: Vec<Duration> = Vec::with_capacity(reps);
    let mut steps = 0;
    for _ in 0..reps.max(1) {
        let world = World::with_plan(stack.clone(), 1, FaultPlan::calm(), false);
        let started = Instant::now();
        let report = world.run();
        times.push(started.elapsed());
        assert!(report.violation.is_none(), "{:?}", report.violation);
        steps = report.steps;
    }
    times.sort();
    println!(
        "{n} services: fastest {:.2} ms, median {:.2} ms over {} runs, {steps} steps",
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times.len()
    );
}
