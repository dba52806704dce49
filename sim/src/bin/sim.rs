//! The `sim` command: run one seed with its full trace, or sweep a range of seeds.
//!
//! ```text
//! sim --seed 7 [--stack fixtures/netra.toml]
//! sim --seeds 0..10000 [--stack fixtures/netra.toml]
//! sim --seeds 0..10000 --random-stack     # each seed on its own small random stack
//! sim --seeds 0..100000 --jobs 2           # a sweep on 2 threads (default: every core)
//! ```
//! A sweep's output is the same for any `--jobs`: failures come in seed order; only the timing
//! line (total and per-core seeds per second) differs.
//! Exit 0 when every invariant held, 1 when one broke, 2 on bad arguments or a bad stack file.

use clap::Parser;

/// The sweep allocates and frees small objects at a high rate (commands, trace records, env
/// vectors); mimalloc roughly halves the time spent in the allocator compared with glibc malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use coord_core::stack::Stack;
use coord_sim::{report, stacks, sweep};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The stack used when `--stack` is not given, relative to the workspace root.
const DEFAULT_STACK: &str = "fixtures/netra.toml";

/// Deterministic fault simulation of coord's coordinator.
#[derive(Debug, Parser)]
#[command(name = "sim", version, about)]
struct Args {
    /// Run this seed and print its fault plan, full trace and result.
    #[arg(long, conflicts_with = "seeds", required_unless_present = "seeds")]
    seed: Option<u64>,
    /// Sweep seeds A..B (B excluded); print failures only, then the count and seeds per second.
    #[arg(long, value_parser = parse_range)]
    seeds: Option<Range<u64>>,
    /// The stack file to simulate.
    #[arg(long, default_value = DEFAULT_STACK)]
    stack: String,
    /// Instead of a stack file, run each seed on its own small random stack (4 to 15 services,
    /// random required/optional/soft edges, tasks, ports, max_parallel_starts 1 to 4).
    #[arg(long, conflicts_with = "stack")]
    random_stack: bool,
    /// Threads of a sweep (default: every core). The output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    jobs: Option<u32>,
}

fn parse_range(text: &str) -> Result<Range<u64>, String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("`{text}` is not a range; write A..B, such as 0..10000"))?;
    let a: u64 = a
        .trim()
        .parse()
        .map_err(|_| format!("`{a}` is not a seed; write A..B, such as 0..10000"))?;
    let b: u64 = b
        .trim()
        .parse()
        .map_err(|_| format!("`{b}` is not a seed; write A..B, such as 0..10000"))?;
    if b <= a {
        return Err(format!(
            "the range {a}..{b} is empty; write A..B with A < B"
        ));
    }
    Ok(a..b)
}

/// Where to read `arg` from: as given, or (for the default) from the workspace root.
fn locate(arg: &str) -> PathBuf {
    let given = Path::new(arg);
    if given.exists() || arg != DEFAULT_STACK {
        return given.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(arg)
}

fn load(arg: &str) -> Result<Stack, String> {
    let path = locate(arg);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("sim: cannot read the stack file {arg}: {e}"))?;
    Stack::parse(arg, &text).map_err(|e| e.to_string())
}

/// A finished sweep with its timing.
struct Timed {
    result: sweep::SweepResult,
    /// Wall time of the whole sweep.
    elapsed: Duration,
    /// Seeds per second of one job, averaged over the jobs (each timed on its own).
    per_core: u128,
}

/// Runs a sweep on `jobs` threads, each claiming chunks of seeds from a shared counter, and
/// times it: the binary may read the clock and start threads, the library never does.
#[allow(clippy::disallowed_methods)]
fn timed_sweep(stack: Option<&Stack>, seeds: Range<u64>, jobs: u32) -> Timed {
    let start = Instant::now();
    let next = AtomicU64::new(seeds.start);
    let parts: Vec<(sweep::SweepResult, Duration)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let began = Instant::now();
                    let mut parts = Vec::new();
                    while let Some(chunk) =
                        sweep::chunk_at(&seeds, next.fetch_add(sweep::CHUNK, Ordering::Relaxed))
                    {
                        parts.push(sweep::sweep_on(stack, chunk));
                    }
                    (sweep::merge(parts), began.elapsed())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let elapsed = start.elapsed();
    let rates: Vec<u128> = parts
        .iter()
        .filter(|(r, _)| r.runs > 0)
        .map(|(r, t)| u128::from(r.runs) * 1_000_000 / t.as_micros().max(1))
        .collect();
    let per_core = rates.iter().sum::<u128>() / (rates.len().max(1) as u128);
    let result = sweep::merge(parts.into_iter().map(|(r, _)| r).collect());
    Timed {
        result,
        elapsed,
        per_core,
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (stack, label) = if args.random_stack {
        (None, report::RANDOM_STACK.to_string())
    } else {
        match load(&args.stack) {
            Ok(stack) => (Some(stack), args.stack.clone()),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    };
    if let Some(seed) = args.seed {
        let stack = stack.unwrap_or_else(|| stacks::random_small(seed));
        let run = sweep::run_seed(&stack, seed, true);
        print!("{}", report::full(&run, &stack, &label));
        return if run.violation.is_none() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let Some(seeds) = args.seeds else {
        return ExitCode::from(2);
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(1))
    });
    let Timed {
        result,
        elapsed,
        per_core,
    } = timed_sweep(stack.as_ref(), seeds.clone(), jobs);
    for failure in &result.failures {
        let failing_stack = match &stack {
            Some(stack) => stack.clone(),
            None => stacks::random_small(failure.seed),
        };
        println!("{}", report::failure(failure, &failing_stack, &label));
    }
    let per_second = u128::from(result.runs) * 1_000_000 / elapsed.as_micros().max(1);
    println!(
        "{} seeds ({}..{}) on {label}: {} failed, {} ms, {jobs} jobs, \
         {per_core} seeds/s per core, {per_second} seeds/s",
        result.runs,
        seeds.start,
        seeds.end,
        result.failures.len(),
        elapsed.as_millis()
    );
    if result.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
