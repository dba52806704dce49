//! `stop_command`: the core asks the driver to run it instead of sending the stop signal, in
//! the same dependents-first order, and still sends SIGKILL after `stop_grace` when the process
//! outlives it (a stop command that does nothing or hangs). A forced shutdown kills at once.

mod common;

use common::Harness;
use coord_core::stack::{Stack, StopSignal};
use coord_core::{Action, Input, RunOutcome, ServiceState};

const STACK: &str = r#"
[services.db]
command = "db"
stop_command = "db-ctl stop --pid $MAINPID"
stop_grace = "3s"

[services.api]
command = "api"
depends_on = { db = "required" }
stop_command = "curl -X POST localhost:$PORT/quit"
stop_grace = "2s"

[services.web]
command = "web"
depends_on = { api = "required" }
"#;

/// The stops in the order the core asked for them: (service, "cmd" or the signal).
fn stops(h: &Harness) -> Vec<(String, String)> {
    h.log
        .iter()
        .filter_map(|l| match &l.command {
            Action::StopCommand { service, .. } => {
                Some((h.c.stack().services[*service].name.clone(), "cmd".into()))
            }
            Action::Signal {
                service, signal, ..
            } => Some((
                h.c.stack().services[*service].name.clone(),
                format!("{signal:?}"),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn the_stop_command_replaces_the_stop_signal_in_dependents_first_order() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(10_000);
    assert_eq!(h.state("web"), ServiceState::Ready);
    h.input(Input::Shutdown);
    h.run_until(30_000);
    assert_eq!(
        stops(&h),
        vec![
            ("web".to_string(), "Term".to_string()),
            ("api".to_string(), "cmd".to_string()),
            ("db".to_string(), "cmd".to_string()),
        ]
    );
    assert_eq!(h.outcome(), Some(RunOutcome::Stopped));
}

#[test]
fn a_stop_command_that_does_nothing_ends_in_sigkill_after_the_grace() {
    let mut h = Harness::new(STACK);
    h.script("db").ignore_term = true;
    h.start(&[]);
    h.run_until(10_000);
    h.input(Input::Shutdown);
    h.run_until(60_000);
    let asked = h.stop_commands("db");
    assert_eq!(asked.len(), 1, "{asked:?}");
    let kills = h.signals("db");
    assert_eq!(kills.len(), 1, "{kills:?}");
    assert_eq!(kills[0].1, StopSignal::Kill);
    // The grace runs from the stop command, as it does from a signal.
    assert_eq!(kills[0].0 - asked[0], 3_000);
    let said = h.reasons("db");
    assert!(
        said.iter()
            .any(|(_, _, why)| why.contains("killed: still running 3s after its stop command")),
        "{said:?}"
    );
    assert_eq!(h.outcome(), Some(RunOutcome::Stopped));
}

#[test]
fn a_restart_runs_the_stop_command_too() {
    let mut h = Harness::new(STACK);
    h.start(&[]);
    h.run_until(10_000);
    let api = h.id("api");
    h.input(Input::RestartService { service: api });
    h.run_until(20_000);
    assert_eq!(h.stop_commands("api").len(), 1);
    assert!(h.signals("api").is_empty());
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.spawns("api").len(), 2);
}

#[test]
fn a_forced_shutdown_kills_without_the_stop_command() {
    let mut h = Harness::new(STACK);
    h.script("db").ignore_term = true;
    h.start(&[]);
    h.run_until(10_000);
    h.input(Input::Interrupt);
    h.run_until(10_500);
    assert_eq!(h.stop_commands("db").len(), 1);
    h.input(Input::Interrupt);
    h.run_until(11_000);
    assert_eq!(h.signals("db").last().map(|s| s.1), Some(StopSignal::Kill));
    assert!(h.outcome().is_some());
}

#[test]
fn stop_command_errors_name_the_line_and_the_fix() {
    let empty = "[services.a]\ncommand = \"a\"\nstop_command = \" \"\n";
    let err = Stack::parse("s.toml", empty).unwrap_err().to_string();
    assert!(err.contains("s.toml:3:16"), "{err}");
    assert!(err.contains("`stop_command` is empty"), "{err}");
    let both = "[services.a]\ncommand = \"a\"\nstop_signal = \"INT\"\nstop_command = \"x\"\n";
    let err = Stack::parse("s.toml", both).unwrap_err().to_string();
    assert!(err.contains("s.toml:3:15"), "{err}");
    assert!(err.contains("remove one of them"), "{err}");
    let ok = Stack::parse(
        "s.toml",
        "[services.a]\ncommand = \"a\"\nstop_command = \"x\"\n",
    )
    .expect("valid");
    assert_eq!(ok.services[0].stop_command.as_deref(), Some("x"));
}
