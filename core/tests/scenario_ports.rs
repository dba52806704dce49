//! Port reservation lifecycle: preferred and last ports, PortTaken before and after the spawn,
//! fixed ports, release on exit.

mod common;

use common::Harness;
use coord_core::{Action, Input, Options, ServiceId, ServiceState};
use std::collections::BTreeMap;

const TWO: &str = r#"
[ports.ranges]
mine = "7100-7105"

[services.a]
command = "a"
port = { preferred = 7200, range = "mine" }

[services.b]
command = "b"
port = { range = "mine" }
"#;

#[test]
fn preferred_port_first_then_the_range_in_order_never_shared() {
    let mut h = Harness::new(TWO);
    h.start(&[]);
    h.run_until(1_000);
    assert_eq!(h.spawns("a")[0].2, Some(7200));
    assert_eq!(h.spawns("b")[0].2, Some(7100));
}

#[test]
fn the_last_port_from_the_registry_wins() {
    let options = Options {
        seed: 1,
        last_ports: BTreeMap::from([("b".to_string(), 7103)]),
        ..Options::default()
    };
    let mut h = Harness::with_options(TWO, options);
    h.start(&[]);
    h.run_until(1_000);
    assert_eq!(h.spawns("b")[0].2, Some(7103));
}

#[test]
fn port_taken_before_spawn_moves_to_the_next_port_without_using_an_attempt() {
    let mut h = Harness::new(TWO);
    h.outsiders.extend([7200, 7100]);
    h.start(&[]);
    h.run_until(1_000);
    let a: Vec<Option<u16>> = h.spawns("a").iter().map(|s| s.2).collect();
    // b reserved 7100 in the same round, so a moves on to 7101; b then finds 7100 taken too.
    assert_eq!(a, vec![Some(7200), Some(7101)]);
    let b: Vec<Option<u16>> = h.spawns("b").iter().map(|s| s.2).collect();
    assert_eq!(b, vec![Some(7100), Some(7102)]);
    assert_eq!(h.state("a"), ServiceState::Ready);
    assert_eq!(
        h.c.status(coord_core::Timestamp(1_000)).services[0].attempts,
        1
    );
    assert_eq!(
        h.c.status(coord_core::Timestamp(1_000)).services[0].port,
        Some(7101)
    );
}

#[test]
fn port_taken_after_spawn_fails_the_attempt_and_moves_on() {
    let mut h = Harness::new(TWO);
    h.auto_probe = false;
    h.start(&["b"]);
    let (_, generation, port, _) = h.spawns("b")[0].clone();
    assert_eq!(port, Some(7100));
    let service = h.id("b");
    h.input(Input::PortTaken {
        service,
        generation,
        port: 7100,
    });
    assert_eq!(h.state("b"), ServiceState::Restarting);
    h.run_until(1_000);
    let spawns = h.spawns("b");
    assert_eq!(spawns.len(), 2);
    assert_eq!(
        spawns[1].2,
        Some(7101),
        "the outsider's port is not handed out again"
    );
    let released: Vec<u16> = h
        .log
        .iter()
        .filter_map(|l| match l.command {
            Action::ReleasePort { port, .. } => Some(port),
            _ => None,
        })
        .collect();
    assert_eq!(released, vec![7100], "the driver's lock on 7100 is dropped");
}

#[test]
fn a_taken_fixed_port_fails_the_attempt() {
    let toml = r#"
[services.db]
command = "db"
port = 5432
"#;
    let mut h = Harness::new(toml);
    h.outsiders.insert(5432);
    h.start(&[]);
    h.run_until(10_000);
    assert_eq!(h.spawns("db").len(), 3);
    assert!(h.spawns("db").iter().all(|s| s.2 == Some(5432)));
    assert!(
        matches!(h.state("db"), ServiceState::Failed(r) if r.contains("port 5432 is taken")),
        "{:?}",
        h.state("db")
    );
}

#[test]
fn an_exhausted_range_fails_the_service() {
    let toml = r#"
[ports.ranges]
tiny = "7300-7300"

[services.a]
command = "a"
port = { range = "tiny" }
"#;
    let mut h = Harness::new(toml);
    h.outsiders.insert(7300);
    h.start(&[]);
    h.run_until(10_000);
    assert_eq!(
        h.state("a"),
        ServiceState::Failed("no free port left in range tiny".into())
    );
}

#[test]
fn ports_are_released_when_processes_exit_and_reused_on_restart() {
    let mut h = Harness::new(TWO);
    h.start(&[]);
    h.run_until(1_000);
    let b = h.id("b");
    h.input(Input::RestartService { service: b });
    h.run_until(2_000);
    let spawns = h.spawns("b");
    assert_eq!(spawns.len(), 2);
    assert_eq!(spawns[1].2, spawns[0].2, "the same port again");
    assert_eq!(h.state("b"), ServiceState::Ready);
}

/// Found by the simulator (netra, seed 54751): the run began shutting down while a spawn was
/// still unanswered, and the answer was `PortTaken`. No process was ever started, so the
/// service is stopped at once; ignoring the answer left the run waiting forever.
#[test]
fn port_taken_for_a_pending_spawn_during_shutdown_still_finishes_the_run() {
    use coord_core::{Coordinator, RunOutcome, Stack, Timestamp};
    let stack = Stack::parse("t.toml", TWO).expect("valid");
    let mut c = Coordinator::new(stack, Options::default(), Timestamp(0));
    c.handle_input(Timestamp(0), Input::Start { services: vec![] });
    let spawns: Vec<(ServiceId, u32, u16)> = std::iter::from_fn(|| c.poll_command())
        .filter_map(|cmd| match cmd {
            Action::Spawn {
                service,
                generation,
                port,
                ..
            } => Some((service, generation, port.expect("port"))),
            _ => None,
        })
        .collect();
    assert_eq!(spawns.len(), 2);
    c.handle_input(Timestamp(1), Input::Shutdown);
    while c.poll_command().is_some() {}
    for (service, generation, port) in spawns {
        c.handle_input(
            Timestamp(2),
            Input::PortTaken {
                service,
                generation,
                port,
            },
        );
    }
    let finished = std::iter::from_fn(|| c.poll_command()).find_map(|cmd| match cmd {
        Action::Finished(o) => Some(o),
        _ => None,
    });
    assert_eq!(finished, Some(RunOutcome::Interrupted));
    assert!(c.is_finished());
    assert_eq!(c.poll_timeout(), None, "no timer left behind");
}
