//! The simulator reaches file-watch restarts: on the watch fixture, with bursts of file changes
//! switched fully on, every burst restarts the watched service once (the `watch_debounced`
//! invariant is checked on every step) and the cascade restarts its required dependents only
//! after it is ready again.

mod sim_common;

use coord_core::RunOutcome;
use coord_sim::{FaultKind, FaultPlan, World, report};
use sim_common::fixture;

#[test]
fn bursts_of_file_changes_restart_once_and_cascade_after_ready() {
    let stack = fixture("watch.toml");
    let plan = FaultPlan::calm()
        .with(FaultKind::FilesChanged, 1000)
        .window(10_000);
    let run = World::with_plan(stack.clone(), 3, plan, true).run();
    let text = report::full(&run, &stack, "fixtures/watch.toml");
    assert_eq!(run.violation, None, "{text}");
    assert_eq!(run.outcome, Some(RunOutcome::Stopped), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let is = |l: &str, who: &str, what: &str| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        cols.len() > 3 && cols[2] == who && l.contains(what)
    };
    let api_restarts: Vec<usize> = (0..lines.len())
        .filter(|&i| is(lines[i], "api", "-> restarting (files changed ("))
        .collect();
    let api_changes = lines
        .iter()
        .filter(|l| is(l, "api", "files       changed"))
        .count();
    assert!(!api_restarts.is_empty(), "{text}");
    assert!(
        api_restarts.len() < api_changes,
        "bursts were debounced\n{text}"
    );
    // Each cascade line follows an api `-> ready` that follows the api's last watch restart.
    let cascades: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("(dependency api restarted after files changed)"))
        .collect();
    assert!(!cascades.is_empty(), "{text}");
    for &c in &cascades {
        let restart = api_restarts
            .iter()
            .rev()
            .find(|&&r| r < c)
            .expect("a restart first");
        assert!(
            (restart + 1..c).any(|i| is(lines[i], "api", "-> ready")),
            "cascade at line {c} before api was ready again\n{text}"
        );
        assert!(
            is(lines[c], "worker", "") || is(lines[c], "web", ""),
            "only required dependents follow: {}",
            lines[c]
        );
    }
    insta::assert_snapshot!(text);
}

/// A stop command can hang like a stop signal can be ignored: with `sigterm_ignored` fully on,
/// each service with a `stop_command` is asked to run it at the shutdown, outlives it, and is
/// killed when its grace is over; the run still ends with nothing left (checked by the
/// invariants).
#[test]
fn a_hung_stop_command_ends_in_sigkill_after_the_grace() {
    let stack = fixture("watch.toml");
    let plan = FaultPlan::calm()
        .with(FaultKind::IgnoresTerm, 1000)
        .window(60_000);
    let run = World::with_plan(stack.clone(), 5, plan, true).run();
    let text = report::full(&run, &stack, "fixtures/watch.toml");
    assert_eq!(run.violation, None, "{text}");
    assert_eq!(run.outcome, Some(RunOutcome::Stopped), "{text}");
    for (name, grace) in [("database", "5s"), ("api", "2s")] {
        let mine: Vec<&str> = text
            .lines()
            .filter(|l| l.split_whitespace().nth(2) == Some(name))
            .collect();
        let asked = mine.iter().position(|l| l.contains("> stop-cmd"));
        let killed = mine
            .iter()
            .position(|l| l.contains("> signal") && l.contains("Kill"));
        assert!(asked.is_some() && asked < killed, "{name}\n{text}");
        assert!(
            !mine
                .iter()
                .any(|l| l.contains("> signal") && l.contains("Term")),
            "{name} got a stop signal besides its stop command\n{text}"
        );
        let said = format!("killed: still running {grace} after its stop command");
        assert!(mine.iter().any(|l| l.contains(&said)), "{name}\n{text}");
    }
}
