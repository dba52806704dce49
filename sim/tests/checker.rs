//! Every invariant catches a deliberately broken run: each test feeds the checker a hand-written
//! history that a correct coordinator would never produce (and, where useful, the same history
//! without the fault, which passes).

use coord_core::stack::{ServiceId, Stack, StopSignal};
use coord_core::{
    Action, ExitStatus, Generation, Input, ProbeOutcome, ProbePurpose, RunOutcome, ServiceState,
    Timestamp, Transition,
};
use coord_sim::invariants::EndState;
use coord_sim::stacks::netra;
use coord_sim::{Checker, Invariant, Observation, Violation};

const DATABASE: ServiceId = ServiceId::from_index(0);
const REDIS: ServiceId = ServiceId::from_index(1);
const AUTH: ServiceId = ServiceId::from_index(2);
const BACKEND: ServiceId = ServiceId::from_index(3);
const FRONTEND: ServiceId = ServiceId::from_index(4);

/// A history under construction: feeds the checker and keeps the virtual clock.
struct History {
    checker: Checker,
    stack: Stack,
    now: u64,
}

impl History {
    fn new(stack: Stack) -> History {
        History {
            checker: Checker::new(&stack),
            stack,
            now: 0,
        }
    }

    fn at(&mut self, ms: u64) -> &mut Self {
        self.now = ms;
        self
    }

    fn input(&mut self, input: Input) -> Result<(), Violation> {
        self.checker
            .observe(Timestamp(self.now), Observation::Input(&input))
    }

    fn cmd(&mut self, cmd: Action) -> Result<(), Violation> {
        self.checker
            .observe(Timestamp(self.now), Observation::Action(&cmd))
    }

    fn go(&mut self, service: ServiceId, to: ServiceState) -> Result<(), Violation> {
        let from = self.checker.state(service).clone();
        self.cmd(Action::Transition(Transition {
            at: Timestamp(self.now),
            service,
            name: self.stack.services[service].name.clone(),
            from,
            to,
            reason: "test".to_string(),
        }))
    }

    fn spawn(
        &mut self,
        service: ServiceId,
        generation: Generation,
        port: Option<u16>,
    ) -> Result<(), Violation> {
        self.spawn_env(service, generation, port, Vec::new())
    }

    fn spawn_env(
        &mut self,
        service: ServiceId,
        generation: Generation,
        port: Option<u16>,
        env: Vec<(String, String)>,
    ) -> Result<(), Violation> {
        self.cmd(Action::Spawn {
            service,
            generation,
            port,
            env,
        })
    }

    fn spawned(&mut self, service: ServiceId, generation: Generation) -> Result<(), Violation> {
        self.input(Input::Spawned {
            service,
            generation,
            pid: 1000 + service.index() as u32,
        })
    }

    fn ready_probe(
        &mut self,
        service: ServiceId,
        generation: Generation,
        outcome: ProbeOutcome,
    ) -> Result<(), Violation> {
        self.input(Input::ProbeResult {
            service,
            generation,
            purpose: ProbePurpose::Readiness,
            seq: 1,
            outcome,
        })
    }

    /// The correct way up: waiting, starting, spawn, spawned, probe success, ready.
    fn bring_up(&mut self, service: ServiceId, port: u16) {
        let env = self.discovery_env(service);
        self.go(service, ServiceState::Waiting).unwrap();
        self.go(service, ServiceState::Starting).unwrap();
        self.spawn_env(service, 1, Some(port), env).unwrap();
        self.spawned(service, 1).unwrap();
        self.ready_probe(service, 1, ProbeOutcome::Success).unwrap();
        self.go(service, ServiceState::Ready).unwrap();
    }

    /// The correct way to fail: waiting, starting, spawn, spawn failure, failed.
    fn fail_to_start(&mut self, service: ServiceId) {
        self.go(service, ServiceState::Waiting).unwrap();
        self.go(service, ServiceState::Starting).unwrap();
        self.spawn(service, 1, None).unwrap();
        self.input(Input::SpawnFailed {
            service,
            generation: 1,
            error: "not found".into(),
        })
        .unwrap();
        self.go(service, ServiceState::Failed("could not spawn".into()))
            .unwrap();
    }

    fn discovery_env(&self, service: ServiceId) -> Vec<(String, String)> {
        let ports = [5432u16, 6379, 8080, 8000, 3000];
        self.stack.services[service]
            .depends_on
            .iter()
            .map(|d| {
                (
                    format!("{}_PORT", d.name.to_uppercase()),
                    ports[d.service].to_string(),
                )
            })
            .collect()
    }

    fn exited(
        &mut self,
        service: ServiceId,
        generation: Generation,
        status: ExitStatus,
    ) -> Result<(), Violation> {
        self.input(Input::Exited {
            service,
            generation,
            status,
        })
    }
}

fn caught(result: Result<(), Violation>, invariant: Invariant) -> Violation {
    let v = result.expect_err("the broken history must be caught");
    assert_eq!(v.invariant, invariant, "{v}");
    v
}

#[test]
fn spawn_before_required_dependency_is_ready() {
    let mut h = History::new(netra());
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.go(AUTH, ServiceState::Waiting).unwrap();
    let v = caught(
        h.spawn(AUTH, 1, Some(8080)),
        Invariant::DepsReadyBeforeSpawn,
    );
    assert!(v.detail.contains("database is starting"), "{v}");

    let mut ok = History::new(netra());
    ok.bring_up(DATABASE, 5432);
    ok.go(AUTH, ServiceState::Waiting).unwrap();
    ok.spawn_env(AUTH, 1, Some(8080), ok.discovery_env(AUTH))
        .unwrap();
}

#[test]
fn port_handed_to_two_services() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.go(REDIS, ServiceState::Waiting).unwrap();
    let v = caught(h.spawn(REDIS, 1, Some(5432)), Invariant::PortExclusive);
    assert!(v.detail.contains("database still holds it"), "{v}");
}

#[test]
fn port_reused_while_the_old_process_lives() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    // Released on paper, but generation 1 never exited.
    h.cmd(Action::ReleasePort {
        service: DATABASE,
        generation: 1,
        port: 5432,
    })
    .unwrap();
    let v = caught(h.spawn(DATABASE, 2, Some(5432)), Invariant::PortExclusive);
    assert!(v.detail.contains("generation 1"), "{v}");

    let mut ok = History::new(netra());
    ok.bring_up(DATABASE, 5432);
    ok.exited(DATABASE, 1, ExitStatus::Code(1)).unwrap();
    ok.spawn(DATABASE, 2, Some(5432)).unwrap();
}

#[test]
fn port_handed_out_while_an_outsider_holds_it() {
    let mut h = History::new(netra());
    h.checker
        .observe(Timestamp(0), Observation::OutsiderTook(5432))
        .unwrap();
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.spawn(DATABASE, 1, Some(5432)).unwrap();
    h.input(Input::PortTaken {
        service: DATABASE,
        generation: 1,
        port: 5432,
    })
    .unwrap();
    let mut later = h.checker.clone();
    caught(h.spawn(DATABASE, 2, Some(5432)), Invariant::PortNotOutsider);

    // Once the outsider is gone the port may be used again.
    later
        .observe(Timestamp(5), Observation::OutsiderLeft(5432))
        .unwrap();
    let spawn = Action::Spawn {
        service: DATABASE,
        generation: 2,
        port: Some(5432),
        env: Vec::new(),
    };
    later
        .observe(Timestamp(6), Observation::Action(&spawn))
        .unwrap();
}

#[test]
fn a_fixed_port_handed_to_another_service_or_retried_by_its_owner() {
    use coord_core::stack::PortSpec;
    let mut stack = netra();
    stack.services[DATABASE].port = Some(PortSpec::Fixed(5432));
    // Redis may not get database's fixed port, even while nobody holds it.
    let mut h = History::new(stack.clone());
    h.go(REDIS, ServiceState::Waiting).unwrap();
    let v = caught(h.spawn(REDIS, 1, Some(5432)), Invariant::PortExclusive);
    assert!(v.detail.contains("fixed port of database"), "{v}");

    // The owner retries its fixed port although an outsider was reported on it.
    let mut ok = History::new(stack);
    ok.checker
        .observe(Timestamp(0), Observation::OutsiderTook(5432))
        .unwrap();
    ok.go(DATABASE, ServiceState::Waiting).unwrap();
    ok.spawn(DATABASE, 1, Some(5432)).unwrap();
    ok.input(Input::PortTaken {
        service: DATABASE,
        generation: 1,
        port: 5432,
    })
    .unwrap();
    ok.at(1_000).spawn(DATABASE, 2, Some(5432)).unwrap();
}

#[test]
fn too_many_starting_at_once() {
    let mut stack = netra();
    stack.coordination.max_parallel_starts = 1;
    let mut h = History::new(stack);
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(REDIS, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    let v = caught(
        h.go(REDIS, ServiceState::Starting),
        Invariant::MaxParallelStarts,
    );
    assert!(v.detail.contains("database, redis"), "{v}");
}

#[test]
fn ready_on_an_outsiders_answer() {
    let mut h = History::new(netra());
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.spawn(DATABASE, 1, Some(5432)).unwrap();
    h.spawned(DATABASE, 1).unwrap();
    h.ready_probe(
        DATABASE,
        1,
        ProbeOutcome::Outsider("someone else answered".into()),
    )
    .unwrap();
    caught(h.go(DATABASE, ServiceState::Ready), Invariant::ReadyProven);
}

#[test]
fn ready_on_an_older_generations_probe() {
    let mut h = History::new(netra());
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.spawn(DATABASE, 1, Some(5432)).unwrap();
    h.spawned(DATABASE, 1).unwrap();
    h.exited(DATABASE, 1, ExitStatus::Code(1)).unwrap();
    h.spawn(DATABASE, 2, Some(5432)).unwrap();
    h.spawned(DATABASE, 2).unwrap();
    // A late success of generation 1 is no proof for generation 2.
    h.ready_probe(DATABASE, 1, ProbeOutcome::Success).unwrap();
    let v = caught(h.go(DATABASE, ServiceState::Ready), Invariant::ReadyProven);
    assert!(v.detail.contains("generation 2"), "{v}");
}

#[test]
fn ready_after_the_process_died() {
    let mut h = History::new(netra());
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.spawn(DATABASE, 1, Some(5432)).unwrap();
    h.spawned(DATABASE, 1).unwrap();
    h.ready_probe(DATABASE, 1, ProbeOutcome::Success).unwrap();
    h.exited(DATABASE, 1, ExitStatus::Code(1)).unwrap();
    let v = caught(h.go(DATABASE, ServiceState::Ready), Invariant::ReadyProven);
    assert!(v.detail.contains("not running"), "{v}");
}

#[test]
fn completed_without_exit_zero() {
    let mut stack = netra();
    stack.services[DATABASE].kind = coord_core::stack::ServiceKind::Task;
    let mut h = History::new(stack);
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.spawn(DATABASE, 1, None).unwrap();
    h.spawned(DATABASE, 1).unwrap();
    h.exited(DATABASE, 1, ExitStatus::Code(3)).unwrap();
    caught(
        h.go(DATABASE, ServiceState::Completed),
        Invariant::ReadyProven,
    );
}

#[test]
fn liveness_probed_before_ready() {
    let mut h = History::new(netra());
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.spawn(DATABASE, 1, Some(5432)).unwrap();
    h.spawned(DATABASE, 1).unwrap();
    caught(
        h.cmd(Action::Probe {
            service: DATABASE,
            generation: 1,
            purpose: ProbePurpose::Liveness,
            seq: 1,
        }),
        Invariant::LivenessAfterReady,
    );
}

/// Netra with backend needing redis only optionally: in netra itself backend requires redis,
/// which makes redis required for the run although it is marked optional.
fn netra_with_redis_optional() -> Stack {
    use coord_core::stack::DependencyKind;
    let mut stack = netra();
    for d in &mut stack.services[BACKEND].depends_on {
        if d.service == REDIS {
            d.kind = DependencyKind::Optional;
        }
    }
    stack
}

#[test]
fn a_service_marked_optional_but_required_by_a_required_one_fails_the_run() {
    // In netra backend (required) requires redis (marked optional): redis failing fails the run.
    let mut h = History::new(netra());
    h.fail_to_start(REDIS);
    caught(
        h.cmd(Action::Finished(RunOutcome::Stopped)),
        Invariant::RunOutcome,
    );
}

#[test]
fn optional_dependency_failure_fails_the_dependent() {
    let mut h = History::new(netra_with_redis_optional());
    h.bring_up(DATABASE, 5432);
    h.fail_to_start(REDIS);
    h.go(AUTH, ServiceState::Waiting).unwrap();
    // auth needs redis only optionally: failing it is wrong.
    let v = caught(
        h.go(AUTH, ServiceState::Failed("dependency redis failed".into())),
        Invariant::OptionalFailureContained,
    );
    assert!(v.detail.contains("auth"), "{v}");
}

#[test]
fn required_dependency_failure_not_cascaded() {
    let mut h = History::new(netra());
    h.go(AUTH, ServiceState::Waiting).unwrap();
    h.fail_to_start(DATABASE);
    // auth stays Waiting although database failed before it started.
    let v = caught(
        h.checker.check_settled(Timestamp(h.now)),
        Invariant::RequiredFailureCascades,
    );
    assert!(v.detail.contains("auth is waiting"), "{v}");
    // Cascading it (and on to backend and frontend) passes.
    h.go(
        AUTH,
        ServiceState::Failed("dependency database failed".into()),
    )
    .unwrap();
    h.go(
        BACKEND,
        ServiceState::Skipped("dependency auth failed".into()),
    )
    .unwrap();
    h.go(
        FRONTEND,
        ServiceState::Skipped("dependency backend failed".into()),
    )
    .unwrap();
    h.checker.check_settled(Timestamp(h.now)).unwrap();
}

#[test]
fn dependent_spawned_without_discovery_variables() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.go(AUTH, ServiceState::Waiting).unwrap();
    h.go(AUTH, ServiceState::Starting).unwrap();
    let v = caught(
        h.spawn_env(
            AUTH,
            1,
            Some(8080),
            vec![("DATABASE_PORT".into(), "5433".into())],
        ),
        Invariant::DiscoveryEnv,
    );
    assert!(v.detail.contains("DATABASE_PORT=5433"), "{v}");
}

#[test]
fn stop_signal_never_followed_by_kill() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.at(1_000).input(Input::Shutdown).unwrap();
    h.cmd(Action::Signal {
        service: DATABASE,
        generation: 1,
        signal: StopSignal::Term,
    })
    .unwrap();
    let mut killed = h.checker.clone();
    // Grace is 10 s: at 11.2 s neither an exit nor a SIGKILL has happened.
    let v = caught(
        h.at(11_200).input(Input::ProbeResult {
            service: REDIS,
            generation: 0,
            purpose: ProbePurpose::Readiness,
            seq: 1,
            outcome: ProbeOutcome::Failure("x".into()),
        }),
        Invariant::StopCompletes,
    );
    assert!(v.detail.contains("database"), "{v}");

    let kill = Action::Signal {
        service: DATABASE,
        generation: 1,
        signal: StopSignal::Kill,
    };
    killed
        .observe(Timestamp(11_000), Observation::Action(&kill))
        .unwrap();
    killed
        .observe(Timestamp(20_000), Observation::Idle)
        .expect_err("not finished: a deadlock, but not a stop violation")
        .invariant
        .eq(&Invariant::Converges)
        .then_some(())
        .unwrap();
}

#[test]
fn dependency_stopped_before_its_dependent() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.bring_up(AUTH, 8080);
    h.input(Input::Shutdown).unwrap();
    let v = caught(
        h.cmd(Action::Signal {
            service: DATABASE,
            generation: 1,
            signal: StopSignal::Term,
        }),
        Invariant::StopsDependentsFirst,
    );
    assert!(v.detail.contains("dependent auth"), "{v}");
}

#[test]
fn finished_with_a_live_process_or_a_leaked_reservation() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.input(Input::Shutdown).unwrap();
    caught(
        h.cmd(Action::Finished(RunOutcome::Stopped)),
        Invariant::ShutdownLeavesNothing,
    );

    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.input(Input::Shutdown).unwrap();
    h.exited(DATABASE, 1, ExitStatus::Signal(15)).unwrap();
    h.cmd(Action::Finished(RunOutcome::Stopped)).unwrap();
    let leaked = EndState {
        held_reservations: vec![(5432, DATABASE)],
        ..EndState::default()
    };
    let v = caught(
        h.checker
            .observe(Timestamp(h.now), Observation::End(&leaked)),
        Invariant::ShutdownLeavesNothing,
    );
    assert!(v.detail.contains("port 5432"), "{v}");
    h.checker
        .observe(Timestamp(h.now), Observation::End(&EndState::default()))
        .unwrap();
}

#[test]
fn calm_phase_that_never_settles_and_deadlocks() {
    let mut h = History::new(netra());
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.checker
        .observe(Timestamp(0), Observation::CalmBegins)
        .unwrap();
    let bound = h.checker.calm_bound_ms();
    let mut deadlock = h.checker.clone();
    let v = caught(h.at(bound + 1).input(Input::Shutdown), Invariant::Converges);
    assert!(v.detail.contains("database is waiting"), "{v}");

    let v = caught(
        deadlock.observe(Timestamp(10), Observation::Idle),
        Invariant::Converges,
    );
    assert!(v.detail.contains("deadlock"), "{v}");
}

#[test]
fn run_outcome_contradicts_the_failures() {
    let mut h = History::new(netra());
    h.fail_to_start(DATABASE);
    caught(
        h.cmd(Action::Finished(RunOutcome::Stopped)),
        Invariant::RunOutcome,
    );

    let mut h = History::new(netra_with_redis_optional());
    h.fail_to_start(REDIS);
    // redis is optional: the run must not fail because of it.
    caught(
        h.cmd(Action::Finished(RunOutcome::Failed("redis failed".into()))),
        Invariant::RunOutcome,
    );
    // Stopped is the right outcome.
    h.cmd(Action::Finished(RunOutcome::Stopped)).unwrap();
}

#[test]
fn command_after_finished() {
    let mut h = History::new(netra());
    h.input(Input::Shutdown).unwrap();
    h.cmd(Action::Finished(RunOutcome::Interrupted)).unwrap();
    caught(h.spawn(DATABASE, 1, Some(5432)), Invariant::RunOutcome);
}

#[test]
fn transitions_that_skip_a_state() {
    let mut h = History::new(netra());
    let v = caught(
        h.cmd(Action::Transition(Transition {
            at: Timestamp(0),
            service: BACKEND,
            name: "backend".into(),
            from: ServiceState::Waiting,
            to: ServiceState::Starting,
            reason: "test".into(),
        })),
        Invariant::TransitionsChain,
    );
    assert!(v.detail.contains("it was pending"), "{v}");
}

/// netra with auth needing database and redis only to run (`started`), and four start slots.
fn netra_with_auth_started() -> Stack {
    use coord_core::stack::DependencyKind;
    let mut stack = netra();
    for d in &mut stack.services[AUTH].depends_on {
        d.kind = DependencyKind::Started;
    }
    stack.coordination.max_parallel_starts = 4;
    stack
}

/// database and redis spawned (their spawns requested, not yet reported run), auth waiting.
fn auth_waits_for_spawns(h: &mut History) {
    for (service, port) in [(DATABASE, 5432), (REDIS, 6379)] {
        h.go(service, ServiceState::Waiting).unwrap();
        h.go(service, ServiceState::Starting).unwrap();
        h.spawn(service, 1, Some(port)).unwrap();
    }
    h.go(AUTH, ServiceState::Waiting).unwrap();
}

#[test]
fn spawn_before_a_started_dependency_runs() {
    let mut h = History::new(netra_with_auth_started());
    auth_waits_for_spawns(&mut h);
    h.spawned(DATABASE, 1).unwrap();
    // redis's spawn was only requested: auth must not go yet.
    h.at(5);
    let v = caught(
        h.spawn(AUTH, 1, Some(8080)),
        Invariant::StartedWaitsForTheProcess,
    );
    assert!(v.detail.contains("started dependency redis"), "{v}");

    // Once redis runs, auth may spawn, ready or not.
    let mut ok = History::new(netra_with_auth_started());
    auth_waits_for_spawns(&mut ok);
    ok.spawned(DATABASE, 1).unwrap();
    ok.spawned(REDIS, 1).unwrap();
    ok.go(AUTH, ServiceState::Starting).unwrap();
    ok.spawn(AUTH, 1, Some(8080)).unwrap();

    // So it may once the edge's timeout (redis: 10 s) has passed without redis running.
    let mut late = History::new(netra_with_auth_started());
    auth_waits_for_spawns(&mut late);
    late.spawned(DATABASE, 1).unwrap();
    late.at(10_000);
    late.go(AUTH, ServiceState::Starting).unwrap();
    late.spawn(AUTH, 1, Some(8080)).unwrap();
}

#[test]
fn a_started_dependent_held_back_until_its_dependencies_are_ready() {
    let mut h = History::new(netra_with_auth_started());
    auth_waits_for_spawns(&mut h);
    h.spawned(DATABASE, 1).unwrap();
    h.spawned(REDIS, 1).unwrap();
    // Both run, two of four slots are free, and auth was left waiting: the next input sees it.
    h.at(3);
    let v = caught(
        h.ready_probe(DATABASE, 1, ProbeOutcome::Failure("refused".into())),
        Invariant::StartedWaitsForTheProcess,
    );
    assert!(v.detail.contains("auth still waits"), "{v}");
    assert!(v.detail.contains("redis starting"), "{v}");
}

#[test]
fn every_invariant_has_a_catching_test_above() {
    // Keep this list in step with Invariant::ALL: a new invariant needs a test that breaks it.
    let tested = [
        Invariant::DepsReadyBeforeSpawn,
        Invariant::PortExclusive,
        Invariant::PortNotOutsider,
        Invariant::MaxParallelStarts,
        Invariant::ReadyProven,
        Invariant::LivenessAfterReady,
        Invariant::OptionalFailureContained,
        Invariant::RequiredFailureCascades,
        Invariant::DiscoveryEnv,
        Invariant::StopCompletes,
        Invariant::StopsDependentsFirst,
        Invariant::ShutdownLeavesNothing,
        Invariant::Converges,
        Invariant::RunOutcome,
        Invariant::TransitionsChain,
        Invariant::OnlyOwnerReleases,
        Invariant::UserStopNeverFails,
        Invariant::DependentsFollowMoves,
        Invariant::WatchDebounced,
        Invariant::CascadeAfterReady,
        Invariant::StartedWaitsForTheProcess,
    ];
    assert_eq!(tested.as_slice(), Invariant::ALL.as_slice());
}

/// netra with the database watching files (debounce 300 ms, cascade).
fn netra_watching_the_database() -> Stack {
    let mut stack = netra();
    stack.services[DATABASE].watch = Some(coord_core::stack::Watch {
        paths: vec!["src".into()],
        include: Vec::new(),
        exclude: Vec::new(),
        debounce: std::time::Duration::from_millis(300),
        cascade: true,
    });
    stack
}

impl History {
    /// A transition of `service` to `to` with `reason`.
    fn go_because(
        &mut self,
        service: ServiceId,
        to: ServiceState,
        reason: &str,
    ) -> Result<(), Violation> {
        let from = self.checker.state(service).clone();
        self.cmd(Action::Transition(Transition {
            at: Timestamp(self.now),
            service,
            name: self.stack.services[service].name.clone(),
            from,
            to,
            reason: reason.to_string(),
        }))
    }

    fn files_changed(&mut self, service: ServiceId) -> Result<(), Violation> {
        self.input(Input::FilesChanged {
            service,
            path: "src/a.py".into(),
        })
    }
}

#[test]
fn restart_for_changed_files_within_the_debounce_or_twice_per_burst() {
    let mut h = History::new(netra_watching_the_database());
    h.bring_up(DATABASE, 5432);
    h.at(1_000).files_changed(DATABASE).unwrap();
    h.at(1_200).files_changed(DATABASE).unwrap();
    // 100 ms after the last change: inside the 300 ms debounce.
    let v = caught(
        h.at(1_300).go_because(
            DATABASE,
            ServiceState::Restarting,
            "files changed (src/a.py)",
        ),
        Invariant::WatchDebounced,
    );
    assert!(v.detail.contains("within its debounce of 300 ms"), "{v}");

    let mut h = History::new(netra_watching_the_database());
    h.bring_up(DATABASE, 5432);
    h.at(1_000).files_changed(DATABASE).unwrap();
    h.at(1_300)
        .go_because(
            DATABASE,
            ServiceState::Restarting,
            "files changed (src/a.py)",
        )
        .unwrap();
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    // A second restart for the same burst: no change since the first.
    let v = caught(
        h.at(3_000).go_because(
            DATABASE,
            ServiceState::Restarting,
            "files changed (src/a.py)",
        ),
        Invariant::WatchDebounced,
    );
    assert!(v.detail.contains("no change since"), "{v}");
}

#[test]
fn cascade_before_the_watched_service_is_ready_again() {
    let mut h = History::new(netra_watching_the_database());
    h.bring_up(DATABASE, 5432);
    h.bring_up(AUTH, 8080);
    h.at(1_000).files_changed(DATABASE).unwrap();
    h.at(1_300)
        .go_because(
            DATABASE,
            ServiceState::Restarting,
            "files changed (src/a.py)",
        )
        .unwrap();
    // auth follows while the database is still restarting.
    let v = caught(
        h.at(1_301).go_because(
            AUTH,
            ServiceState::Restarting,
            "dependency database restarted after files changed",
        ),
        Invariant::CascadeAfterReady,
    );
    assert!(v.detail.contains("not ready again"), "{v}");
}

#[test]
fn dependent_told_a_failed_dependency_is_available() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.fail_to_start(REDIS);
    h.go(AUTH, ServiceState::Waiting).unwrap();
    h.go(AUTH, ServiceState::Starting).unwrap();
    let env = vec![
        ("DATABASE_AVAILABLE".to_string(), "1".to_string()),
        ("DATABASE_PORT".to_string(), "5432".to_string()),
        ("REDIS_AVAILABLE".to_string(), "1".to_string()),
        ("REDIS_PORT".to_string(), "6379".to_string()),
    ];
    let mut ok = h.checker.clone();
    let v = caught(
        h.spawn_env(AUTH, 1, Some(8080), env),
        Invariant::DiscoveryEnv,
    );
    assert!(v.detail.contains("REDIS_AVAILABLE=1"), "{v}");

    let honest = Action::Spawn {
        service: AUTH,
        generation: 1,
        port: Some(8080),
        env: vec![
            ("DATABASE_AVAILABLE".to_string(), "1".to_string()),
            ("DATABASE_PORT".to_string(), "5432".to_string()),
            ("REDIS_AVAILABLE".to_string(), "0".to_string()),
        ],
    };
    ok.observe(Timestamp(0), Observation::Action(&honest))
        .unwrap();
}

#[test]
fn a_late_release_drops_another_owners_port() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.exited(DATABASE, 1, ExitStatus::Code(1)).unwrap();
    h.cmd(Action::ReleasePort {
        service: DATABASE,
        generation: 1,
        port: 5432,
    })
    .unwrap();
    // The port goes to redis, then database's generation 1 releases it a second time.
    h.go(REDIS, ServiceState::Waiting).unwrap();
    h.spawn(REDIS, 1, Some(5432)).unwrap();
    let mut honest = h.checker.clone();
    let late = Action::ReleasePort {
        service: DATABASE,
        generation: 1,
        port: 5432,
    };
    let v = caught(h.cmd(late), Invariant::OnlyOwnerReleases);
    assert!(v.detail.contains("redis (generation 1) holds"), "{v}");
    // An older generation of the owner itself is no owner either.
    let stale = Action::ReleasePort {
        service: REDIS,
        generation: 0,
        port: 5432,
    };
    let mut older = honest.clone();
    caught(
        older.observe(Timestamp(1), Observation::Action(&stale)),
        Invariant::OnlyOwnerReleases,
    );
    // The owner's own release passes.
    let own = Action::ReleasePort {
        service: REDIS,
        generation: 1,
        port: 5432,
    };
    honest
        .observe(Timestamp(1), Observation::Action(&own))
        .unwrap();
}

#[test]
fn a_user_stop_fails_the_service_or_a_waiting_dependent() {
    // auth requires database; database is stopped on request while auth waits.
    let mut h = History::new(netra());
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.spawn(DATABASE, 1, Some(5432)).unwrap();
    h.spawned(DATABASE, 1).unwrap();
    h.go(AUTH, ServiceState::Waiting).unwrap();
    h.input(Input::StopService { service: DATABASE }).unwrap();
    h.go(DATABASE, ServiceState::Stopping).unwrap();
    h.exited(DATABASE, 1, ExitStatus::Signal(15)).unwrap();
    let mut stopped = h.checker.clone();
    h.go(DATABASE, ServiceState::Stopped).unwrap();
    let mut honest = h.checker.clone();
    let v = caught(
        h.go(
            AUTH,
            ServiceState::Failed("dependency database was stopped".into()),
        ),
        Invariant::UserStopNeverFails,
    );
    assert!(v.detail.contains("auth became failed"), "{v}");
    assert!(v.detail.contains("database"), "{v}");

    // The stopped service itself does not end Failed either.
    let failed = Transition {
        at: Timestamp(0),
        service: DATABASE,
        name: "database".into(),
        from: ServiceState::Stopping,
        to: ServiceState::Failed("exited".into()),
        reason: "test".into(),
    };
    caught(
        stopped.observe(
            Timestamp(0),
            Observation::Action(&Action::Transition(failed)),
        ),
        Invariant::UserStopNeverFails,
    );

    // Restarted on request: auth may start once database is ready again.
    honest
        .observe(
            Timestamp(0),
            Observation::Input(&Input::RestartService { service: DATABASE }),
        )
        .unwrap();
}

#[test]
fn a_dependent_keeps_the_old_address_of_a_dependency_that_moved() {
    let mut h = History::new(netra());
    h.bring_up(DATABASE, 5432);
    h.bring_up(AUTH, 8080);
    // database restarts and comes back on 5433; auth still runs with DATABASE_PORT=5432.
    h.go(DATABASE, ServiceState::Restarting).unwrap();
    h.exited(DATABASE, 1, ExitStatus::Signal(15)).unwrap();
    h.cmd(Action::ReleasePort {
        service: DATABASE,
        generation: 1,
        port: 5432,
    })
    .unwrap();
    h.go(DATABASE, ServiceState::Waiting).unwrap();
    h.go(DATABASE, ServiceState::Starting).unwrap();
    h.spawn(DATABASE, 2, Some(5433)).unwrap();
    h.spawned(DATABASE, 2).unwrap();
    h.ready_probe(DATABASE, 2, ProbeOutcome::Success).unwrap();
    h.go(DATABASE, ServiceState::Ready).unwrap();
    let mut honest = h.checker.clone();
    let v = caught(
        h.at(10).exited(BACKEND, 9, ExitStatus::Code(0)),
        Invariant::DependentsFollowMoves,
    );
    assert!(v.detail.contains("auth (generation 1)"), "{v}");
    assert!(v.detail.contains("port 5433"), "{v}");

    // Restarted in the same step: fine.
    let stop = Action::Transition(Transition {
        at: Timestamp(0),
        service: AUTH,
        name: "auth".into(),
        from: ServiceState::Ready,
        to: ServiceState::Restarting,
        reason: "dependency database moved from port 5432 to 5433".into(),
    });
    honest
        .observe(Timestamp(0), Observation::Action(&stop))
        .unwrap();
    let later = Input::Exited {
        service: BACKEND,
        generation: 9,
        status: ExitStatus::Code(0),
    };
    honest
        .observe(Timestamp(10), Observation::Input(&later))
        .unwrap();
}
