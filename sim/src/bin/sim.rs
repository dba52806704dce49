//! The `sim` command: run one seed with its full trace, or sweep a range of seeds.
//!
//! ```text
//! sim --seed 7 [--stack fixtures/netra.toml]
//! sim --seeds 0..10000 [--stack fixtures/netra.toml]
//! sim --seeds 0..10000 --random-stack     # each seed on its own small random stack
//! ```
//! Exit 0 when every invariant held, 1 when one broke, 2 on bad arguments or a bad stack file.

use clap::Parser;
use coord_core::stack::Stack;
use coord_sim::{report, stacks, sweep};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

/// Times a sweep: the binary may read the clock, the library never does.
#[allow(clippy::disallowed_methods)]
fn timed_sweep(
    stack: Option<&Stack>,
    seeds: Range<u64>,
) -> (sweep::SweepResult, std::time::Duration) {
    let start = std::time::Instant::now();
    let result = match stack {
        Some(stack) => sweep::sweep(stack, seeds),
        None => sweep::sweep_random(seeds),
    };
    (result, start.elapsed())
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
    let (result, elapsed) = timed_sweep(stack.as_ref(), seeds.clone());
    for failure in &result.failures {
        let failing_stack = match &stack {
            Some(stack) => stack.clone(),
            None => stacks::random_small(failure.seed),
        };
        println!("{}", report::failure(failure, &failing_stack, &label));
    }
    let per_second = u128::from(result.runs) * 1_000_000 / elapsed.as_micros().max(1);
    println!(
        "{} seeds ({}..{}) on {label}: {} failed, {} ms, {per_second} seeds/s",
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
