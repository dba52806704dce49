//! The issue's stack in the simulator: `a` takes its port from a range whose first port is `b`'s
//! fixed port. `a` never gets it, and `b` keeps retrying it (backing off from 1 s) while an
//! outsider holds it, with every invariant checked on every step.

use coord_core::RunOutcome;
use coord_core::stack::{PortRange, PortSpec, Stack};
use coord_sim::stacks::{service, stack, tcp_probe, with_port};
use coord_sim::{FaultKind, FaultPlan, World, report};

fn issue_stack() -> Stack {
    let range = PortRange {
        start: 8000,
        end: 8010,
    };
    let a = with_port(service("a"), None, ("test", range));
    let mut b = service("b");
    b.port = Some(PortSpec::Fixed(8000));
    b.ready = Some(tcp_probe());
    let mut s = stack("fixed.toml", vec![a, b]);
    s.port_ranges.insert("test".into(), range);
    s.coordination.startup_retry_count = 5;
    s
}

/// The lines of `text` that say `who` spawned, with the spawn's time in ms.
fn spawns(text: &str, who: &str) -> Vec<(u64, String)> {
    text.lines()
        .filter(|l| l.split_whitespace().nth(2) == Some(who) && l.contains("> spawn"))
        .map(|l| {
            let ms = l.split_whitespace().next().unwrap().parse().unwrap();
            (ms, l.to_string())
        })
        .collect()
}

#[test]
fn a_range_never_takes_the_fixed_port_in_a_calm_run() {
    let s = issue_stack();
    let run = World::with_plan(s.clone(), 1, FaultPlan::calm(), true).run();
    let text = report::full(&run, &s, "fixed.toml");
    assert_eq!(run.violation, None, "{text}");
    assert_eq!(run.outcome, Some(RunOutcome::Stopped), "{text}");
    assert!(spawns(&text, "a")[0].1.ends_with("port 8001"), "{text}");
    assert!(spawns(&text, "b")[0].1.ends_with("port 8000"), "{text}");
}

#[test]
fn a_fixed_port_held_by_an_outsider_is_retried_over_seconds() {
    let s = issue_stack();
    // Seeds where the outsider holds 8000 at the start: b retries it, 1 s and more apart.
    let mut retried = 0;
    for seed in 0..40 {
        let plan = FaultPlan::calm()
            .with(FaultKind::PortHeldAtStart, 1000)
            .window(2_000);
        let run = World::with_plan(s.clone(), seed, plan, true).run();
        let text = report::full(&run, &s, "fixed.toml");
        assert_eq!(run.violation, None, "{text}");
        let b = spawns(&text, "b");
        assert!(b.iter().all(|(_, l)| l.ends_with("port 8000")), "{text}");
        assert!(
            spawns(&text, "a")
                .iter()
                .all(|(_, l)| !l.ends_with("port 8000")),
            "{text}"
        );
        if b.len() > 1 {
            retried += 1;
            assert!(b[1].0 - b[0].0 >= 1_000, "{text}");
        }
    }
    assert!(retried > 0, "no seed made b retry");
}
