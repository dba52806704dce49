//! Probe answers are facts the core decides on: an outsider answering a readiness probe takes the
//! port, an unattributable answer is never readiness, an answer that never comes is a failure once
//! the probe's deadline passes (and a late one is ignored), and a second interrupt kills at once.

mod common;

use common::Harness;
use coord_core::stack::StopSignal;
use coord_core::{Action, Input, ProbeOutcome, ProbePurpose, ServiceState};

const ONE: &str = r#"
[coordination]
readiness_timeout = "30s"

[ports.ranges]
mine = "7100-7105"

[services.api]
command = "api"
port = { range = "mine" }
"#;

/// Answers the oldest pending probe with `outcome`.
fn answer(h: &mut Harness, outcome: ProbeOutcome) {
    let (service, generation, purpose, seq) = h.pending_probes.remove(0);
    h.input(Input::ProbeResult {
        service,
        generation,
        purpose,
        seq,
        outcome,
    });
}

/// Runs until a probe is pending (or `limit` ms passed).
fn until_probe(h: &mut Harness, limit: u64) {
    let end = h.now + limit;
    while h.pending_probes.is_empty() && h.now < end {
        h.run_until(h.now + 1);
    }
    assert!(!h.pending_probes.is_empty(), "no probe within {limit} ms");
}

#[test]
fn an_outsider_answering_readiness_takes_the_port_and_the_attempt_moves_on() {
    let mut h = Harness::new(ONE);
    h.auto_probe = false;
    h.start(&[]);
    until_probe(&mut h, 100);
    answer(
        &mut h,
        ProbeOutcome::Outsider("port 7100 is answered by pid 77 (nc)".into()),
    );
    // The attempt failed at once (no probing the outsider until the readiness timeout)...
    assert_eq!(h.state("api"), ServiceState::Restarting);
    let restarting = h
        .log
        .iter()
        .find_map(|l| match &l.command {
            Action::Transition(t) if t.to == ServiceState::Restarting => Some(t.reason.clone()),
            _ => None,
        })
        .expect("a restarting transition");
    assert!(restarting.contains("pid 77"), "{restarting}");
    // ...and the next attempt is on another port: 7100 is never handed out again.
    h.auto_probe = true;
    h.run_until(5_000);
    let ports: Vec<Option<u16>> = h.spawns("api").iter().map(|s| s.2).collect();
    assert_eq!(ports, vec![Some(7100), Some(7101)]);
    assert_eq!(h.state("api"), ServiceState::Ready);
}

#[test]
fn an_unattributable_answer_is_never_readiness() {
    let mut h = Harness::new(ONE);
    h.auto_probe = false;
    h.start(&[]);
    for _ in 0..20 {
        until_probe(&mut h, 2_000);
        answer(
            &mut h,
            ProbeOutcome::Unattributable("connected, but no listener of api is seen".into()),
        );
        assert_eq!(h.state("api"), ServiceState::Starting);
    }
    assert_eq!(
        h.spawns("api").len(),
        1,
        "not a port problem: no new attempt"
    );
    until_probe(&mut h, 2_000);
    answer(&mut h, ProbeOutcome::Success);
    assert_eq!(h.state("api"), ServiceState::Ready);
}

#[test]
fn a_lost_readiness_answer_is_given_up_and_its_late_answer_ignored() {
    let mut h = Harness::new(ONE);
    h.auto_probe = false;
    h.start(&[]);
    until_probe(&mut h, 100);
    // The first probe's answer is lost on the way. Nothing else is in flight...
    let lost = h.pending_probes.remove(0);
    h.run_until(h.now + 500);
    assert!(h.pending_probes.is_empty(), "one probe in flight at a time");
    // ...until its deadline (timeout 1 s + slack) passes: then probing goes on.
    until_probe(&mut h, 5_000);
    let next = h.pending_probes[0];
    assert!(next.3 > lost.3, "a new probe number");
    // The lost probe's success finally arrives: it is ignored.
    let (service, generation, purpose, seq) = lost;
    h.input(Input::ProbeResult {
        service,
        generation,
        purpose,
        seq,
        outcome: ProbeOutcome::Success,
    });
    assert_eq!(h.state("api"), ServiceState::Starting);
    answer(&mut h, ProbeOutcome::Success);
    assert_eq!(h.state("api"), ServiceState::Ready);
}

#[test]
fn lost_liveness_answers_count_as_failures_and_probing_never_stops() {
    let toml = format!(
        "{ONE}live = {{ tcp = true, period = \"1s\", timeout = \"1s\", failure_threshold = 3 }}\n\
         restart = {{ policy = \"no\" }}\n"
    );
    let mut h = Harness::new(&toml);
    h.start(&[]);
    h.run_until(1_000);
    assert_eq!(h.state("api"), ServiceState::Ready);
    // From now on every probe is lost.
    h.auto_probe = false;
    h.run_until(30_000);
    let liveness = h
        .probes
        .iter()
        .filter(|p| p.3 == ProbePurpose::Liveness)
        .count();
    assert!(liveness >= 5, "probing went on: {liveness} liveness probes");
    assert_eq!(h.state("api"), ServiceState::Unhealthy);
    let why = h
        .log
        .iter()
        .find_map(|l| match &l.command {
            Action::Transition(t) if t.to == ServiceState::Unhealthy => Some(t.reason.clone()),
            _ => None,
        })
        .expect("became unhealthy");
    assert!(why.contains("not answered"), "{why}");
}

const TWO: &str = r#"
[services.db]
command = "db"
stop_grace = "10s"

[services.api]
command = "api"
depends_on = { db = "required" }
"#;

#[test]
fn the_first_interrupt_stops_in_order_and_the_second_kills_everything() {
    let mut h = Harness::new(TWO);
    for name in ["db", "api"] {
        h.script(name).ignore_term = true;
    }
    h.start(&[]);
    h.run_until(5_000);
    assert_eq!(h.state("api"), ServiceState::Ready);
    h.input(Input::Interrupt);
    assert_eq!(h.signals("api"), vec![(5_000, StopSignal::Term)]);
    assert!(h.signals("db").is_empty(), "db waits for its dependent");
    assert!(!h.c.is_forced());
    h.run_until(5_100);
    h.input(Input::Interrupt);
    assert!(h.c.is_forced());
    assert_eq!(h.signals("db"), vec![(5_100, StopSignal::Kill)]);
    assert_eq!(h.signals("api").last(), Some(&(5_100, StopSignal::Kill)));
    h.run_until(5_200);
    assert!(h.alive.is_empty());
    assert!(h.c.is_finished());
}
