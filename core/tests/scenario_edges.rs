//! Edge cases the mutation run (cargo-mutants over the coordinator) showed only the simulator
//! covered: failed, stopped and doomed dependencies in the verdict, the start queue when a
//! dependency goes away, and a failing stop overtaken by a shutdown.

mod common;

use common::Harness;
use coord_core::{Input, ServiceId, ServiceState};

#[test]
fn an_optional_dependency_that_fails_releases_its_dependent_at_once() {
    let toml = r#"
[coordination]
optional_services = ["cache"]

[services.cache]
command = "c"
port = { range = "development" }
restart = { policy = "no" }

[services.api]
command = "a"
port = { range = "development" }
depends_on = { cache = { kind = "optional", timeout = "60s" } }
"#;
    let mut h = Harness::new(toml);
    h.script("cache").spawn_fails = true;
    h.start(&[]);
    h.run_until(30_000);
    let failed = h.first("cache", "failed").expect("cache failed");
    assert!(failed < 1_000);
    assert_eq!(h.spawns("api")[0].0, failed, "not at the 60 s timeout");
}

const STOPPABLE: &str = r#"
[coordination]
optional_services = ["slow", "opt_user", "req_user"]

[services.slow]
command = "s"
port = { range = "development" }

[services.opt_user]
command = "o"
depends_on = { slow = { kind = "optional", timeout = "60s" } }

[services.req_user]
command = "r"
depends_on = { slow = { kind = "required", timeout = "60s" } }
"#;

/// A user stop never fails the run (DESIGN, decisions after v1): optional and required
/// dependents alike keep waiting for a dependency stopped on request, and start once it is
/// started again and ready.
#[test]
fn a_dependency_stopped_by_the_user_keeps_optional_and_required_dependents_waiting() {
    let mut h = Harness::new(STOPPABLE);
    h.script("slow").ready_after = None;
    h.start(&[]);
    h.run_until(2_000);
    let slow = h.id("slow");
    h.input(Input::StopService { service: slow });
    h.run_until(100_000);
    assert_eq!(h.state("slow"), ServiceState::Stopped);
    assert!(h.spawns("opt_user").is_empty(), "past its 60 s timeout too");
    assert_eq!(h.state("opt_user"), ServiceState::Waiting);
    assert_eq!(h.state("req_user"), ServiceState::Waiting);
    h.script("slow").ready_after = Some(10);
    h.input(Input::RestartService { service: slow });
    h.run_until(101_000);
    assert_eq!(h.state("opt_user"), ServiceState::Ready);
    assert_eq!(h.state("req_user"), ServiceState::Ready);
}

#[test]
fn stopping_a_waiting_service_means_it_never_starts() {
    let mut h = Harness::new(STOPPABLE);
    h.script("slow").ready_after = Some(1_000);
    h.start(&[]);
    h.run_until(100);
    let user = h.id("opt_user");
    h.input(Input::StopService { service: user });
    h.run_until(90_000);
    assert_eq!(h.state("opt_user"), ServiceState::Stopped);
    assert!(h.spawns("opt_user").is_empty());
    // Its dependency timer was dropped with it: no transition after the stop.
    assert_eq!(h.transitions("opt_user").last().map(|t| t.0), Some(100));
}

/// `x` holds the only start slot; `y` is queued behind it with its dependency ready; then that
/// dependency fails for good. When the slot frees, `y` must not start.
#[test]
fn a_queued_service_whose_dependency_fails_does_not_start_when_a_slot_frees() {
    let toml = r#"
[coordination]
max_parallel_starts = 1
optional_services = ["base", "y"]

[services.base]
command = "b"
restart = { policy = "no" }
min_uptime = "10ms"

[services.x]
command = "x"
port = { range = "development" }
depends_on = { base = "required" }

[services.y]
command = "y"
depends_on = { base = "required" }
"#;
    let mut h = Harness::new(toml);
    h.script("x").ready_after = Some(1_000);
    h.script("base").exit_after = Some((500, 1));
    h.start(&[]);
    h.run_until(200);
    assert_eq!(h.state("x"), ServiceState::Starting, "x holds the slot");
    assert_eq!(h.state("y"), ServiceState::Waiting, "y is queued behind it");
    h.run_until(5_000);
    assert!(matches!(h.state("base"), ServiceState::Failed(_)));
    assert_eq!(
        h.state("y"),
        ServiceState::Failed("dependency base failed".into())
    );
    assert!(h.spawns("y").is_empty(), "y never started");
}

const DOOMED: &str = r#"
[coordination]
optional_services = ["a", "b", "w", "c"]

[services.a]
command = "a"
restart = { policy = "no" }
min_uptime = "10ms"

[services.b]
command = "b"
min_uptime = "10ms"
depends_on = { a = "required" }

[services.w]
command = "w"
min_uptime = "10ms"
depends_on = { b = "required" }

[services.d]
command = "d"
port = { range = "development" }

[services.c]
command = "c"
depends_on = { b = "required", d = "required" }
"#;

/// `a` fails while `b` (requires a) runs: b is doomed, but its stop waits for `w` (requires b),
/// which ignores SIGTERM. Meanwhile `c`'s other dependency becomes ready: a doomed `b` must not
/// count as ready, so `c` never starts and fails once `b` does.
#[test]
fn a_doomed_dependency_is_not_ready() {
    let mut h = Harness::new(DOOMED);
    h.script("a").exit_after = Some((1_000, 1));
    h.script("w").ignore_term = true;
    h.script("d").ready_after = Some(3_000);
    h.start(&[]);
    h.run_until(60_000);
    assert!(h.first("d", "ready").expect("d ready") < h.first("b", "failed").expect("b failed"));
    assert!(h.spawns("c").is_empty(), "c never started on a doomed b");
    assert_eq!(
        h.state("c"),
        ServiceState::Failed("dependency b failed".into())
    );
    assert_eq!(
        h.state("w"),
        ServiceState::Failed("dependency b failed".into())
    );
    assert_eq!(
        h.state("b"),
        ServiceState::Failed("dependency a failed".into())
    );
}

/// A shutdown that overtakes a failing stop keeps the failure: `w` was being stopped because
/// its dependency failed when the user pressed Ctrl-C.
#[test]
fn a_shutdown_keeps_the_reason_of_a_stop_already_failing() {
    let mut h = Harness::new(DOOMED);
    h.script("a").exit_after = Some((1_000, 1));
    h.script("w").ignore_term = true;
    h.start(&[]);
    h.run_until(2_000);
    assert_eq!(h.state("w"), ServiceState::Stopping);
    h.input(Input::Shutdown);
    h.run_until(60_000);
    assert_eq!(
        h.state("w"),
        ServiceState::Failed("dependency b failed".into())
    );
    assert_eq!(
        h.state("b"),
        ServiceState::Failed("dependency a failed".into())
    );
    assert_eq!(h.state("d"), ServiceState::Stopped);
    assert!(h.alive.is_empty());
    let w_term = h
        .signals("w")
        .iter()
        .filter(|(_, s)| *s == coord_core::stack::StopSignal::Term)
        .count();
    assert_eq!(w_term, 1, "the shutdown does not signal it again");
}

#[test]
fn stop_and_restart_of_an_unknown_id_change_nothing_and_a_failed_service_stays_failed() {
    let mut h = Harness::new(STOPPABLE);
    h.script("slow").spawn_fails = true;
    h.start(&[]);
    h.run_until(30_000);
    let before = h.log.len();
    h.input(Input::StopService {
        service: ServiceId::from_index(999),
    });
    h.input(Input::RestartService {
        service: ServiceId::from_index(999),
    });
    assert_eq!(
        h.log.len(),
        before,
        "nothing happens for an id outside the stack"
    );
    assert!(matches!(h.state("slow"), ServiceState::Failed(_)));
    let slow = h.id("slow");
    h.input(Input::StopService { service: slow });
    assert!(
        matches!(h.state("slow"), ServiceState::Failed(_)),
        "stopping a failed service keeps its failure"
    );
}

/// A service whose failed attempt is being stopped (it ignores SIGTERM) when Ctrl-C comes is not
/// sent its stop signal a second time: it gets SIGKILL after its grace, once.
#[test]
fn a_shutdown_does_not_signal_a_process_already_being_stopped_again() {
    let toml = r#"
[coordination]
readiness_timeout = "1s"

[services.api]
command = "a"
port = { range = "development" }
"#;
    let mut h = Harness::new(toml);
    h.script("api").ready_after = None;
    h.script("api").ignore_term = true;
    h.start(&[]);
    h.run_until(1_500);
    assert_eq!(h.state("api"), ServiceState::Restarting);
    h.input(Input::Shutdown);
    h.run_until(60_000);
    let signals: Vec<_> = h.signals("api").into_iter().map(|(_, s)| s).collect();
    use coord_core::stack::StopSignal;
    assert_eq!(signals, vec![StopSignal::Term, StopSignal::Kill]);
    assert!(h.alive.is_empty());
}

/// The spawn of `api` is answered `PortTaken` after its required dependency went down in the
/// meantime: `api` does not re-spawn on the next port, it waits for `db` again (no attempt
/// used), and spawns once `db` is back.
#[test]
fn a_respawn_after_port_taken_waits_for_dependencies_that_went_down() {
    use coord_core::coordinator::ExitStatus;
    use coord_core::{Action, Coordinator, Options, ProbeOutcome, ProbePurpose, Stack, Timestamp};
    let toml = r#"
[services.db]
command = "db"
port = { range = "development" }
restart = { policy = "always" }

[services.api]
command = "api"
port = { range = "development" }
depends_on = { db = "required" }
"#;
    let stack = Stack::parse("t.toml", toml).expect("valid");
    let (db, api) = (ServiceId::from_index(0), ServiceId::from_index(1));
    let mut c = Coordinator::new(stack, Options::default(), Timestamp(0));
    let drain = |c: &mut Coordinator| std::iter::from_fn(|| c.poll_command()).collect::<Vec<_>>();
    let spawn_of = |cmds: &[Action], who: ServiceId| {
        cmds.iter().find_map(|cmd| match cmd {
            Action::Spawn {
                service,
                generation,
                port,
                ..
            } if *service == who => Some((*generation, port.expect("port"))),
            _ => None,
        })
    };
    c.handle_input(Timestamp(0), Input::Start { services: vec![] });
    let (db_gen, _) = spawn_of(&drain(&mut c), db).expect("db spawned");
    c.handle_input(
        Timestamp(1),
        Input::Spawned {
            service: db,
            generation: db_gen,
            pid: 10,
        },
    );
    drain(&mut c);
    c.handle_timeout(Timestamp(2));
    drain(&mut c);
    c.handle_input(
        Timestamp(2),
        Input::ProbeResult {
            service: db,
            generation: db_gen,
            purpose: ProbePurpose::Readiness,
            seq: 1,
            outcome: ProbeOutcome::Success,
        },
    );
    let (api_gen, api_port) = spawn_of(&drain(&mut c), api).expect("api spawned once db is ready");
    // db dies before api's spawn is answered, then the answer is PortTaken.
    c.handle_input(
        Timestamp(3),
        Input::Exited {
            service: db,
            generation: db_gen,
            status: ExitStatus::Code(1),
        },
    );
    drain(&mut c);
    c.handle_input(
        Timestamp(3),
        Input::PortTaken {
            service: api,
            generation: api_gen,
            port: api_port,
        },
    );
    let after = drain(&mut c);
    assert_eq!(spawn_of(&after, api), None, "no re-spawn while db is down");
    assert_eq!(c.state(api), &ServiceState::Waiting);
    let status = c.status(Timestamp(3));
    assert_eq!(status.services[api].attempts, 0, "no attempt used");
}
