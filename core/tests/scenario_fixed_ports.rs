//! A fixed port belongs to its service for the whole run: no other service of the run gets it
//! (not from a range, not as its preferred or last port), and one held by a program outside the
//! run is retried with a backoff of seconds.

mod common;

use common::Harness;
use coord_core::{Action, Input, Options, ProbeOutcome, RunOutcome, ServiceState};

#[test]
fn a_range_never_hands_out_another_services_fixed_port() {
    // The issue's stack: `a` listed first would take 8000 from the range before `b` starts.
    let toml = r#"
[services.a]
command = "a"
port = { range = "development" }

[services.b]
command = "b"
port = 8000
"#;
    let mut h = Harness::new(toml);
    h.start(&[]);
    h.run_until(5_000);
    assert_eq!(h.spawns("a")[0].2, Some(8001));
    assert_eq!(h.spawns("b")[0].2, Some(8000));
    assert_eq!(h.state("a"), ServiceState::Ready);
    assert_eq!(h.state("b"), ServiceState::Ready);
    assert_eq!(h.outcome(), None, "the run goes on");
}

#[test]
fn a_preferred_or_last_port_equal_to_a_fixed_port_is_skipped() {
    let toml = r#"
[services.cache]
command = "c"
port = { preferred = 5432, range = "development" }

[services.database]
command = "d"
port = 5432
"#;
    let options = Options {
        last_ports: [("cache".to_string(), 5432)].into_iter().collect(),
        ..Options::default()
    };
    let mut h = Harness::with_options(toml, options);
    h.start(&[]);
    h.run_until(5_000);
    assert_eq!(h.spawns("cache")[0].2, Some(8000));
    assert_eq!(h.spawns("database")[0].2, Some(5432));
    assert_eq!(h.state("database"), ServiceState::Ready);
}

#[test]
fn a_fixed_port_not_in_the_run_is_an_ordinary_candidate() {
    // `b` is not selected: its fixed port is not kept from `a`.
    let toml = r#"
[services.a]
command = "a"
port = { range = "development" }

[services.b]
command = "b"
port = 8000
"#;
    let mut h = Harness::new(toml);
    h.start(&["a"]);
    h.run_until(2_000);
    assert_eq!(h.spawns("a")[0].2, Some(8000));
}

#[test]
fn a_fixed_port_held_by_an_outsider_is_retried_over_seconds_until_it_is_free() {
    let toml = r#"
[coordination]
startup_retry_count = 3

[services.web]
command = "w"
port = 8080
"#;
    let mut h = Harness::new(toml);
    h.outsiders.insert(8080);
    h.start(&[]);
    h.run_until(2_500);
    // Still retrying, not failed: the other program may leave.
    assert_eq!(h.state("web"), ServiceState::Restarting);
    h.outsiders.clear();
    h.run_until(60_000);
    assert_eq!(h.state("web"), ServiceState::Ready);
    let spawns = h.spawns("web");
    assert!(spawns.iter().all(|s| s.2 == Some(8080)), "{spawns:?}");
    // The waits between attempts double from a second.
    let gaps: Vec<u64> = spawns.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps.len() >= 2, "{gaps:?}");
    assert!(gaps[0] >= 1_000 && gaps[1] >= 2_000, "{gaps:?}");
}

#[test]
fn a_fixed_port_still_held_after_every_retry_fails_the_service() {
    let toml = r#"
[services.web]
command = "w"
port = 8080
"#;
    let mut h = Harness::new(toml);
    h.outsiders.insert(8080);
    h.start(&[]);
    h.run_until(120_000);
    match h.state("web") {
        ServiceState::Failed(why) => {
            assert!(
                why.contains("8080") && why.contains("after 3 attempts"),
                "{why}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(h.outcome(), Some(RunOutcome::Failed(_))));
}

/// The first backoff notice of a retry, in ms.
fn first_retry_backoff(h: &Harness) -> u64 {
    h.log
        .iter()
        .find_map(|l| match &l.command {
            Action::Backoff(n) => Some(n.delay_ms),
            _ => None,
        })
        .expect("a backoff notice")
}

const FIXED_WEB: &str = r#"
[services.web]
command = "w"
port = 8080
"#;

#[test]
fn an_outsider_answering_on_a_fixed_port_backs_off_from_a_second() {
    // The outsider is seen only by the readiness probe (it bound after the driver's bind check):
    // the fixed port is held by a program outside the run all the same.
    let mut h = Harness::new(FIXED_WEB);
    h.auto_probe = false;
    h.start(&[]);
    while h.pending_probes.is_empty() && h.now < 1_000 {
        h.run_until(h.now + 1);
    }
    let (service, generation, purpose, seq) = h.pending_probes.remove(0);
    h.input(Input::ProbeResult {
        service,
        generation,
        purpose,
        seq,
        outcome: ProbeOutcome::Outsider("port 8080 is answered by pid 77 (nc)".into()),
    });
    h.run_until(h.now + 100);
    assert_eq!(h.state("web"), ServiceState::Restarting);
    let delay = first_retry_backoff(&h);
    assert!(delay >= 1_000, "retried after {delay} ms");
}

#[test]
fn a_fixed_port_taken_after_the_spawn_backs_off_from_a_second() {
    let mut h = Harness::new(FIXED_WEB);
    h.auto_probe = false;
    h.start(&[]);
    h.run_until(1);
    let (generation, _) = h.alive[&h.id("web")];
    h.input(Input::PortTaken {
        service: h.id("web"),
        generation,
        port: 8080,
    });
    h.run_until(h.now + 100);
    assert_eq!(h.state("web"), ServiceState::Restarting);
    let delay = first_retry_backoff(&h);
    assert!(delay >= 1_000, "retried after {delay} ms");
}
