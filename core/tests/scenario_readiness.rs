//! Readiness (fast probing, threshold, timeout, retries with backoff), generations, liveness.

mod common;

use common::Harness;
use coord_core::{Input, ProbeOutcome, ProbePurpose, ServiceState};

const ONE: &str = r#"
[coordination]
readiness_timeout = "2s"

[services.api]
command = "api"
port = { range = "development" }
"#;

#[test]
fn readiness_is_seen_within_the_fast_probe_interval() {
    let mut h = Harness::new(ONE);
    h.script("api").ready_after = Some(333);
    h.start(&[]);
    h.run_until(1_000);
    let ready = h.first("api", "ready").expect("ready");
    assert!(
        (333..=338).contains(&ready),
        "ready seen at {ready}, probing every 5 ms"
    );
}

#[test]
fn probes_back_off_to_the_period_after_the_fast_window() {
    let toml = ONE.replace("\"2s\"", "\"60s\"");
    let mut h = Harness::new(&toml);
    h.script("api").ready_after = None;
    h.start(&[]);
    h.run_until(10_000);
    let times: Vec<u64> = h.probes.iter().map(|p| p.0).collect();
    let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(times[0], 1, "first probe 1 ms after the spawn");
    assert_eq!(&gaps[..4], &[2, 3, 4, 5], "a ramp up to 5 ms");
    assert!(
        gaps.iter().skip(3).take(150).all(|g| *g == 5),
        "then fast: {gaps:?}"
    );
    assert_eq!(*gaps.last().expect("gaps"), 1_000, "then the 1 s period");
    assert!(
        gaps.windows(2).all(|w| w[1] >= w[0]),
        "never faster again: {gaps:?}"
    );
}

#[test]
fn readiness_timeout_retries_with_backoff_then_fails() {
    let mut h = Harness::new(ONE);
    h.script("api").ready_after = None;
    h.start(&[]);
    h.run_until(60_000);
    let spawns = h.spawns("api");
    assert_eq!(spawns.len(), 3, "1 attempt + startup_retry_count 2");
    // Attempt 1 at 0, times out at 2000, is stopped (exits at once), backoff 100 ms (+<=10%).
    let gap1 = spawns[1].0 - 2_000;
    let gap2 = spawns[2].0 - (spawns[1].0 + 2_000);
    assert!((100..=110).contains(&gap1), "first backoff {gap1}");
    assert!(
        (200..=220).contains(&gap2),
        "second backoff doubles: {gap2}"
    );
    assert_eq!(
        h.state("api"),
        ServiceState::Failed("not ready within 2s (after 3 attempts)".into())
    );
    assert!(
        h.signals("api").len() >= 3,
        "each timed-out attempt's process was stopped"
    );
}

#[test]
fn a_readiness_probe_never_restarts_anything() {
    let toml = ONE.replace("\"2s\"", "\"60s\"");
    let mut h = Harness::new(&toml);
    h.script("api").ready_after = None;
    h.start(&[]);
    h.run_until(50_000);
    assert_eq!(h.spawns("api").len(), 1);
    assert!(h.signals("api").is_empty());
}

#[test]
fn success_threshold_needs_consecutive_successes() {
    let toml = r#"
[services.api]
command = "api"
port = { range = "development" }
ready = { tcp = true, success_threshold = 3 }
"#;
    let mut h = Harness::new(toml);
    h.auto_probe = false;
    h.start(&[]);
    let answer = |h: &mut Harness, ok: bool| {
        h.run_until(h.now + 5);
        let (service, generation, purpose, seq) = h.pending_probes.remove(0);
        let outcome = if ok {
            ProbeOutcome::Success
        } else {
            ProbeOutcome::Failure("refused".into())
        };
        h.input(Input::ProbeResult {
            service,
            generation,
            purpose,
            seq,
            outcome,
        });
    };
    for ok in [true, true, false, true, true] {
        answer(&mut h, ok);
        assert_eq!(h.state("api"), ServiceState::Starting);
    }
    answer(&mut h, true);
    assert_eq!(h.state("api"), ServiceState::Ready);
}

#[test]
fn an_outsider_answering_is_not_readiness() {
    let mut h = Harness::new(ONE);
    h.auto_probe = false;
    h.start(&[]);
    h.run_until(h.now + 5);
    let (service, generation, purpose, seq) = h.pending_probes.remove(0);
    h.input(Input::ProbeResult {
        service,
        generation,
        purpose,
        seq,
        outcome: ProbeOutcome::Outsider("pid 77 answered".into()),
    });
    assert_ne!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.first("api", "ready"), None);
}

#[test]
fn a_late_probe_result_from_an_older_generation_is_ignored() {
    let mut h = Harness::new(ONE);
    h.auto_probe = false;
    h.start(&[]);
    h.run_until(5);
    let (service, old_gen, purpose, seq) = h.pending_probes.remove(0);
    assert_eq!(old_gen, 1);
    // Attempt 1 dies before the probe answers; attempt 2 is spawned after the backoff.
    h.input(Input::Exited {
        service,
        generation: 1,
        status: coord_core::ExitStatus::Code(1),
    });
    h.alive.remove(&service);
    h.run_until(400);
    assert_eq!(h.spawns("api").len(), 2);
    assert_eq!(h.state("api"), ServiceState::Starting);
    // The probe of generation 1 finally answers "success": it must not make gen 2 Ready.
    h.input(Input::ProbeResult {
        service,
        generation: old_gen,
        purpose,
        seq,
        outcome: ProbeOutcome::Success,
    });
    assert_eq!(h.state("api"), ServiceState::Starting);
    // Neither does a stale exit.
    h.input(Input::Exited {
        service,
        generation: 1,
        status: coord_core::ExitStatus::Code(0),
    });
    assert_eq!(h.state("api"), ServiceState::Starting);
    assert_eq!(h.spawns("api").len(), 2);
}

const LIVE: &str = r#"
[services.api]
command = "api"
port = { range = "development" }
ready = { http = "/ready" }
live = { http = "/health", period = "1s", failure_threshold = 3 }
restart = { policy = "on-failure", max_restarts = 5 }
"#;

#[test]
fn liveness_is_never_probed_before_ready() {
    let mut h = Harness::new(LIVE);
    h.script("api").ready_after = Some(700);
    h.start(&[]);
    h.run_until(5_000);
    let ready = h.first("api", "ready").expect("ready");
    for (at, _, _, purpose) in &h.probes {
        if *purpose == ProbePurpose::Liveness {
            assert!(
                *at >= ready + 1_000,
                "liveness probe at {at}, ready at {ready}"
            );
        } else {
            assert!(*at <= ready);
        }
    }
    assert!(h.probes.iter().any(|p| p.3 == ProbePurpose::Liveness));
}

#[test]
fn liveness_failures_make_it_unhealthy_and_restart_it_per_policy() {
    let mut h = Harness::new(LIVE);
    h.script("api").live_fails_after = Some(2_500);
    h.script("api").ready_after_by_gen.insert(2, Some(50));
    h.start(&[]);
    h.run_until(6_000);
    let t = h.transitions("api");
    let names: Vec<&str> = t.iter().map(|(_, s)| s.as_str()).collect();
    assert!(
        names.starts_with(&["waiting", "starting", "ready", "unhealthy", "restarting"]),
        "{names:?}"
    );
    let unhealthy = h.first("api", "unhealthy").expect("unhealthy");
    // Ready at 50; probes at 1050, 2050 pass; 3050, 4050, 5050 fail: 3 failures needed.
    assert_eq!(
        unhealthy, 5_050,
        "needs failure_threshold consecutive failures"
    );
    h.run_until(10_000);
    assert!(h.spawns("api").len() >= 2, "restarted");
    assert!(h.signals("api").iter().any(|(at, _)| *at == unhealthy));
}

#[test]
fn liveness_failure_with_policy_no_stays_unhealthy_and_recovers() {
    let toml = LIVE.replace("policy = \"on-failure\"", "policy = \"no\"");
    let mut h = Harness::new(&toml);
    h.auto_probe = true;
    h.script("api").live_fails_after = Some(1_500);
    h.start(&[]);
    h.run_until(10_000);
    assert_eq!(h.state("api"), ServiceState::Unhealthy);
    assert_eq!(h.spawns("api").len(), 1, "policy no: never restarted");
    h.script("api").live_fails_after = None;
    h.run_until(12_000);
    assert_eq!(h.state("api"), ServiceState::Ready, "recovers on success");
}
