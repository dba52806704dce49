//! The text of a run: header, fault plan, trace, and a summary; or, for a failure, the seed, the
//! broken invariant, the plan, the trace's tail and the exact command that replays it.

use crate::world::RunReport;
use coord_core::RunOutcome;
use coord_core::stack::Stack;
use std::fmt::Write;

/// Trace lines shown with a failure.
pub const TAIL_LINES: usize = 50;

/// The command that replays `seed` on the stack file `stack_arg` (as the user gave it).
pub fn replay_command(seed: u64, stack_arg: &str) -> String {
    format!("cargo run -p coord-sim --bin sim -- --seed {seed} --stack {stack_arg}")
}

fn outcome_text(outcome: &Option<RunOutcome>) -> String {
    match outcome {
        None => "none".to_string(),
        Some(RunOutcome::Stopped) => "stopped".to_string(),
        Some(RunOutcome::Interrupted) => "interrupted".to_string(),
        Some(RunOutcome::Failed(why)) => format!("failed ({why})"),
    }
}

/// The full output of `sim --seed N`: header, plan, every trace line, summary.
pub fn full(report: &RunReport, stack: &Stack, stack_arg: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sim seed {} on {stack_arg} ({} services)",
        report.seed,
        stack.services.len()
    );
    let _ = writeln!(out, "{}", report.plan.describe(stack));
    let _ = writeln!(out, "trace:");
    for line in report.trace.lines() {
        let _ = writeln!(out, "{line}");
    }
    match &report.violation {
        None => {
            let _ = writeln!(
                out,
                "ok: every invariant held; {} steps, {} virtual ms, run {}",
                report.steps,
                report.end.as_millis(),
                outcome_text(&report.outcome)
            );
        }
        Some(v) => {
            let _ = writeln!(out, "FAILED seed {}: {v}", report.seed);
            let _ = writeln!(out, "replay: {}", replay_command(report.seed, stack_arg));
        }
    }
    out
}

/// What a sweep prints for one failing seed (the report must carry its trace).
pub fn failure(report: &RunReport, stack: &Stack, stack_arg: &str) -> String {
    let mut out = String::new();
    let Some(v) = &report.violation else {
        return out;
    };
    let _ = writeln!(out, "FAILED seed {} on {stack_arg}", report.seed);
    let _ = writeln!(out, "  {v}");
    let _ = writeln!(out, "{}", report.plan.describe(stack));
    let _ = writeln!(out, "last {TAIL_LINES} trace lines:");
    for line in report.trace.tail(TAIL_LINES) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "replay: {}", replay_command(report.seed, stack_arg));
    out
}
