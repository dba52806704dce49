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

/// The coordinator alone on the same DAG, driven by the most direct driver possible (every spawn
/// runs at once, every probe succeeds, every signal ends the process, no checker, no agenda):
/// what the core itself costs, to compare with the full simulation above.
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 5)]
fn random_dag_coordinator_only(bencher: Bencher, n: usize) {
    use coord_core::{Action, Coordinator, ExitStatus, Input, Options, ProbeOutcome, Timestamp};
    let stack = stacks::random_dag(n, 4, 1);
    bencher
        .with_inputs(|| Coordinator::new(stack.clone(), Options::default(), Timestamp::ZERO))
        .bench_local_values(|mut c| {
            let mut now = Timestamp::ZERO;
            let mut inbox = std::collections::VecDeque::new();
            inbox.push_back(Input::Start {
                services: Vec::new(),
            });
            let mut shutdown = false;
            while !c.is_finished() {
                if let Some(input) = inbox.pop_front() {
                    c.handle_input(now, input);
                } else if let Some(t) = c.poll_timeout() {
                    now = now.max(t);
                    c.handle_timeout(now);
                } else if !shutdown {
                    shutdown = true;
                    c.handle_input(now, Input::Shutdown);
                } else {
                    panic!("stuck");
                }
                while let Some(cmd) = c.poll_command() {
                    match cmd {
                        Action::Spawn {
                            service,
                            generation,
                            ..
                        } => {
                            inbox.push_back(Input::Spawned {
                                service,
                                generation,
                                pid: 1,
                            });
                            if stack.services[service].kind == coord_core::stack::ServiceKind::Task
                            {
                                inbox.push_back(Input::Exited {
                                    service,
                                    generation,
                                    status: ExitStatus::Code(0),
                                });
                            }
                        }
                        Action::Probe {
                            service,
                            generation,
                            purpose,
                            seq,
                        } => inbox.push_back(Input::ProbeResult {
                            service,
                            generation,
                            purpose,
                            seq,
                            outcome: ProbeOutcome::Success,
                        }),
                        Action::Signal {
                            service,
                            generation,
                            ..
                        } => inbox.push_back(Input::Exited {
                            service,
                            generation,
                            status: ExitStatus::Signal(15),
                        }),
                        Action::StartupFinished(_) if !shutdown => {
                            shutdown = true;
                            inbox.push_back(Input::Shutdown);
                        }
                        _ => {}
                    }
                }
            }
            c
        });
}
