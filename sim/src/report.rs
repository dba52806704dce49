//! The text of a run: header, fault plan, trace, and a summary; or, for a failure, the seed, the
//! broken invariant, the plan, the trace's tail and the exact command that replays it.

use crate::world::RunReport;
use coord_core::RunOutcome;
use coord_core::stack::{PortSpec, ProbeCheck, Stack};
use std::fmt::Write;
use std::time::Duration;

/// Trace lines shown with a failure.
pub const TAIL_LINES: usize = 50;

/// The stack label of runs on [`crate::stacks::random_small`] stacks (`sim --random-stack`).
pub const RANDOM_STACK: &str = "a random stack";

/// The command that replays `seed` on the stack file `stack_arg` (as the user gave it), or on the
/// seed's random stack when `stack_arg` is [`RANDOM_STACK`].
pub fn replay_command(seed: u64, stack_arg: &str) -> String {
    if stack_arg == RANDOM_STACK {
        format!("cargo run -p coord-sim --bin sim -- --seed {seed} --random-stack")
    } else {
        format!("cargo run -p coord-sim --bin sim -- --seed {seed} --stack {stack_arg}")
    }
}

fn outcome_text(outcome: &Option<RunOutcome>) -> String {
    match outcome {
        None => "none".to_string(),
        Some(RunOutcome::Stopped) => "stopped".to_string(),
        Some(RunOutcome::Completed) => "completed".to_string(),
        Some(RunOutcome::Interrupted) => "interrupted".to_string(),
        Some(RunOutcome::Failed(why)) => format!("failed ({why})"),
        Some(RunOutcome::TaskEnded { task, code }) => format!("{task} ended with code {code}"),
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
    if stack_arg == RANDOM_STACK {
        describe_stack(&mut out, stack);
    }
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

/// One line per service of a generated stack: kind, port (`port=N` fixed, `port~N` preferred),
/// optional, dependencies, an exec readiness probe and extreme durations.
fn describe_stack(out: &mut String, stack: &Stack) {
    let _ = writeln!(
        out,
        "stack (max_parallel_starts {}):",
        stack.coordination.max_parallel_starts
    );
    for s in &stack.services {
        let deps: Vec<String> = s
            .depends_on
            .iter()
            .map(|d| format!("{} {:?}", d.name, d.kind).to_lowercase())
            .collect();
        let port = match &s.port {
            None => "no-port".to_string(),
            Some(PortSpec::Fixed(p)) => format!("port={p}"),
            Some(PortSpec::Allocated {
                preferred: Some(p), ..
            }) => format!("port~{p}"),
            Some(PortSpec::Allocated { .. }) => "port".to_string(),
        };
        let exec = match s.ready.as_ref().map(|p| &p.check) {
            Some(ProbeCheck::Exec { .. }) => " exec-probe",
            _ => "",
        };
        let extreme = if s.restart.backoff_max == Duration::MAX {
            " huge-durations"
        } else if s.stop_grace <= Duration::from_millis(1) {
            " tiny-durations"
        } else {
            ""
        };
        let held = if s.autostart { "" } else { " autostart=false" };
        let _ = writeln!(
            out,
            "  {:<5} {:<7} {:<10} {:<8} needs {}{exec}{extreme}{held}",
            s.name,
            format!("{:?}", s.kind).to_lowercase(),
            port,
            if s.optional { "optional" } else { "required" },
            if deps.is_empty() {
                "nothing".to_string()
            } else {
                deps.join(", ")
            }
        );
    }
}

/// What a sweep prints for one failing seed (the report must carry its trace).
pub fn failure(report: &RunReport, stack: &Stack, stack_arg: &str) -> String {
    let mut out = String::new();
    let Some(v) = &report.violation else {
        return out;
    };
    let _ = writeln!(out, "FAILED seed {} on {stack_arg}", report.seed);
    let _ = writeln!(out, "  {v}");
    if stack_arg == RANDOM_STACK {
        describe_stack(&mut out, stack);
    }
    let _ = writeln!(out, "{}", report.plan.describe(stack));
    let _ = writeln!(out, "last {TAIL_LINES} trace lines:");
    for line in report.trace.tail(TAIL_LINES) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "replay: {}", replay_command(report.seed, stack_arg));
    out
}
