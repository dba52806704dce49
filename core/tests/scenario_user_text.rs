//! What a user reads must be right: the words the core puts in its transition reasons and the
//! startup summary, checked exactly.

mod common;

use common::Harness;
use coord_core::{Action, ExitStatus, Input, ServiceState};

/// The reasons of `name`'s transitions, in order.
fn reasons(h: &Harness, name: &str) -> Vec<String> {
    let id = h.id(name);
    h.log
        .iter()
        .filter_map(|l| match &l.command {
            Action::Transition(t) if t.service == id => Some(t.reason.clone()),
            _ => None,
        })
        .collect()
}

fn summary(h: &Harness) -> String {
    h.log
        .iter()
        .find_map(|l| match &l.command {
            Action::StartupFinished(s) => Some(s.to_string()),
            _ => None,
        })
        .expect("a startup summary")
}

#[test]
fn a_sigkill_after_the_grace_is_said_so() {
    let mut h = Harness::new(
        r#"
[services.stubborn]
command = "x"
stop_grace = "3s"
"#,
    );
    h.script("stubborn").ignore_term = true;
    h.start(&[]);
    h.run_until(2_000);
    assert_eq!(h.state("stubborn"), ServiceState::Ready);
    h.input(Input::Interrupt);
    h.run_until(10_000);
    assert_eq!(h.state("stubborn"), ServiceState::Stopped);
    let last = reasons(&h, "stubborn").pop().unwrap();
    assert_eq!(
        last,
        "shut down (killed: still running 3s after its stop signal)"
    );
}

#[test]
fn a_service_that_stops_on_its_signal_is_just_shut_down() {
    let mut h = Harness::new("[services.polite]\ncommand = \"x\"\n");
    h.start(&[]);
    h.run_until(2_000);
    h.input(Input::Interrupt);
    h.run_until(10_000);
    assert_eq!(reasons(&h, "polite").pop().unwrap(), "shut down");
}

#[test]
fn a_failed_startup_says_when_it_failed_and_what_was_ready() {
    let mut h = Harness::new(
        r#"
[coordination]
startup_retry_count = 0

[services.db]
command = "db"
min_uptime = "100ms"

[services.broken]
command = "broken"
"#,
    );
    h.script("broken").exit_after = Some((300, 1));
    h.start(&[]);
    h.run_to_end(60_000);
    let text = summary(&h);
    assert!(
        text.starts_with("startup failed after 0.3"),
        "the time until the failure, not 0.00 s: {text}"
    );
    assert!(text.contains("with 1/2 ready"), "{text}");
    assert!(!text.contains("critical path"), "{text}");
}

#[test]
fn exit_code_127_says_the_command_was_not_found() {
    let mut h = Harness::new(
        "[coordination]\nstartup_retry_count = 0\n[services.typo]\ncommand = \"pstgres\"\n",
    );
    h.start(&[]);
    h.run_until(5);
    let typo = h.id("typo");
    h.input(Input::Exited {
        service: typo,
        generation: 1,
        status: ExitStatus::Code(127),
    });
    h.run_until(100);
    assert_eq!(
        h.state("typo"),
        ServiceState::Failed(
            "exited with code 127 (command not found) before ready (after 1 attempts)".into()
        )
    );
}
