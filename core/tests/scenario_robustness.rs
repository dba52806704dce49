//! The coordinator never panics on what a driver or a stack can hand it: durations up to
//! `Duration::MAX` (backoff doubling, jitter, deadlines all saturate) and service ids outside the
//! stack (ignored before anything is indexed).

mod common;

use common::Harness;
use coord_core::coordinator::ExitStatus;
use coord_core::stack::{RestartPolicy, ServiceId, Stack};
use coord_core::{Input, Options, ProbeOutcome, ProbePurpose, RunOutcome, ServiceState};
use std::time::Duration;

const STACK: &str = r#"
[services.db]
command = "d"
port = { range = "development" }
ready = { exec = "pg_isready" }

[services.crashy]
command = "c"
depends_on = { db = "optional" }

[services.broken]
command = "b"
optional = true
"#;

/// Every duration of the stack set to `Duration::MAX`.
fn huge(mut stack: Stack) -> Stack {
    let max = Duration::MAX;
    stack.coordination.readiness_timeout = max;
    stack.coordination.dependency_timeout = max;
    for s in &mut stack.services {
        s.readiness_timeout = max;
        s.restart.policy = RestartPolicy::Always;
        s.restart.backoff_initial = max;
        s.restart.backoff_max = max;
        s.restart.backoff_reset = max;
        s.restart.window = max;
        s.min_uptime = Duration::from_millis(10);
        for d in &mut s.depends_on {
            d.timeout = max;
        }
        if let Some(p) = &mut s.ready {
            p.period = max;
            p.timeout = max;
        }
    }
    stack
}

#[test]
fn durations_up_to_the_maximum_saturate_instead_of_panicking() {
    let stack = huge(Stack::parse("huge.toml", STACK).expect("valid"));
    let mut h = Harness::with_stack(stack, Options::default());
    h.script("db").ready_after = Some(3_000);
    h.script("crashy")
        .exit_after_by_gen
        .insert(1, Some((1_000, 1)));
    h.script("broken").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    assert_eq!(
        h.state("db"),
        ServiceState::Ready,
        "probes doubled past 1 s"
    );
    // A crash after ready waits a saturated backoff; a failed attempt too.
    assert_eq!(h.state("crashy"), ServiceState::Restarting);
    assert_eq!(h.state("broken"), ServiceState::Restarting);
    h.input(Input::Shutdown);
    h.run_until(120_000);
    // Startup was not over (two services wait out their backoff): interrupted, not stuck.
    assert_eq!(h.outcome(), Some(RunOutcome::Interrupted));
}

#[test]
fn inputs_naming_a_service_outside_the_stack_are_ignored() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(2_000);
    let before = h.log.len();
    for service in [3, 4, 99, usize::MAX].map(ServiceId::from_index) {
        for input in [
            Input::Spawned {
                service,
                generation: 1,
                pid: 7,
            },
            Input::SpawnFailed {
                service,
                generation: 1,
                error: "x".into(),
            },
            Input::PortTaken {
                service,
                generation: 1,
                port: 8000,
            },
            Input::ProbeResult {
                service,
                generation: 1,
                purpose: ProbePurpose::Readiness,
                seq: 1,
                outcome: ProbeOutcome::Success,
            },
            Input::ProbeResult {
                service,
                generation: 1,
                purpose: ProbePurpose::Liveness,
                seq: 1,
                outcome: ProbeOutcome::Failure("no".into()),
            },
            Input::Exited {
                service,
                generation: 1,
                status: ExitStatus::Code(1),
            },
            Input::StopService { service },
            Input::RestartService { service },
        ] {
            h.input(input);
        }
    }
    assert_eq!(h.log.len(), before, "nothing happened");
    assert_eq!(h.state("crashy"), ServiceState::Ready);
}
