//! process-compose.yaml -> Stack: each field lands where the README's mapping table says, and
//! what does not carry over exactly is a note at its line.

use coord_core::Stack;
use coord_core::stack::{
    CommandSpec, ConfigWarning, DependencyKind, PortSpec, ProbeCheck, ServiceKind,
};
use std::time::Duration;

fn load(text: &str) -> (Stack, Vec<ConfigWarning>) {
    let (parsed, notes) =
        Stack::parse_file_bytes_with_notes("process-compose.yaml", text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    (parsed.stack, notes)
}

fn errors(text: &str) -> Vec<(usize, usize, String)> {
    Stack::parse_file_bytes("process-compose.yaml", text.as_bytes())
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| (e.line, e.column, e.message))
        .collect()
}

#[test]
fn the_five_conditions_map_onto_coords_kinds_and_completed_dependencies_are_tasks() {
    let text = "\
processes:
  db: {command: ./db, readiness_probe: {exec: {command: ./db ping}}}
  broker: {command: ./broker, ready_log_line: 'up (1)'}
  migrate: {command: ./migrate}
  fixtures: {command: ./fixtures}
  cache: {command: ./cache}
  app:
    command: ./app
    depends_on:
      db: {condition: process_healthy}
      broker: {condition: process_log_ready}
      migrate: {condition: process_completed_successfully}
      fixtures: {condition: process_completed}
      cache: {condition: process_started}
";
    let (stack, notes) = load(text);
    let app = &stack.services[stack.service_id("app").unwrap()];
    let kinds: Vec<(&str, DependencyKind)> = app
        .depends_on
        .iter()
        .map(|d| (d.name.as_str(), d.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("db", DependencyKind::Required),
            ("broker", DependencyKind::Required),
            ("migrate", DependencyKind::Required),
            ("fixtures", DependencyKind::Optional),
            ("cache", DependencyKind::Started),
        ]
    );
    let kind = |name: &str| stack.services[stack.service_id(name).unwrap()].kind;
    assert_eq!(kind("migrate"), ServiceKind::Task);
    assert_eq!(kind("fixtures"), ServiceKind::Task);
    assert_eq!(kind("db"), ServiceKind::Service);
    let broker = &stack.services[stack.service_id("broker").unwrap()];
    assert_eq!(
        broker.ready.as_ref().map(|p| p.check.clone()),
        Some(ProbeCheck::Log {
            pattern: r"up \(1\)".into()
        })
    );
    // process_completed is an approximation and says so at its line; process_started is exact.
    let lines: Vec<usize> = notes.iter().map(|n| n.place.line).collect();
    assert_eq!(lines, [13], "{notes:?}");
}

#[test]
fn commands_run_through_the_files_shell_with_vars_rendered() {
    let text = "\
shell: {shell_command: zsh, shell_argument: -c}
vars: {PORT: 8080, HOST: 127.0.0.1}
environment: [A=1, B=2]
processes:
  web:
    vars: {PORT: 9090}
    command: serve --host {{.HOST}} --port {{ .PORT }}
    environment: [B=3]
  tool:
    entrypoint: [./tool, --flag]
";
    let (stack, _) = load(text);
    assert_eq!(
        stack.services[0].command,
        CommandSpec::Argv(vec![
            "zsh".into(),
            "-c".into(),
            "serve --host 127.0.0.1 --port 9090".into()
        ])
    );
    let env: Vec<(&str, &str)> = stack.services[0]
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(env, [("A", "1"), ("B", "3")]);
    assert_eq!(
        stack.services[1].command,
        CommandSpec::Argv(vec!["./tool".into(), "--flag".into()])
    );
}

#[test]
fn bash_is_the_default_shell() {
    let (stack, _) = load("processes:\n  web: {command: echo $HOME}\n");
    assert_eq!(
        stack.services[0].command,
        CommandSpec::Argv(vec!["bash".into(), "-c".into(), "echo $HOME".into()])
    );
}

#[test]
fn http_probes_give_the_service_its_port_and_timing_carries_over() {
    let text = "\
processes:
  api:
    command: ./api
    environment: [PORT=8080]
    readiness_probe:
      http_get: {host: 127.0.0.1, port: 8080, path: /ready}
      period_seconds: 2
      timeout_seconds: 3
      success_threshold: 2
      failure_threshold: 4
    availability: {restart: on_failure, backoff_seconds: 3, max_restarts: 7}
    shutdown: {signal: 2, timeout_seconds: 20}
";
    let (stack, _) = load(text);
    let api = &stack.services[0];
    assert_eq!(api.port, Some(PortSpec::Fixed(8080)));
    assert!(!api.env.contains_key("PORT"), "coord sets PORT itself");
    let ready = api.ready.as_ref().unwrap();
    assert_eq!(
        ready.check,
        ProbeCheck::Http {
            path: "/ready".into(),
            body: None
        }
    );
    assert_eq!(
        (
            ready.period,
            ready.timeout,
            ready.success_threshold,
            ready.failure_threshold
        ),
        (Duration::from_secs(2), Duration::from_secs(3), 2, 4)
    );
    assert_eq!(api.restart.backoff_initial, Duration::from_secs(3));
    assert_eq!(api.restart.backoff_max, Duration::from_secs(3));
    assert_eq!(api.restart.max_restarts, 7);
    assert_eq!(api.stop_grace, Duration::from_secs(20));
}

#[test]
fn replicas_disabled_processes_and_unhonourable_settings() {
    let text = "\
processes:
  worker: {command: ./w, replicas: 2}
  seed: {command: ./seed, disabled: true}
  report:
    command: ./r
    is_daemon: true
    depends_on:
      worker: {condition: process_started}
      seed: {condition: process_completed}
";
    let (stack, notes) = load(text);
    let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["worker-0", "worker-1", "seed", "report"]);
    assert!(
        !stack.services[2].autostart,
        "a disabled process does not start by itself"
    );
    assert!(stack.services[0].autostart);
    let deps: Vec<&str> = stack.services[3]
        .depends_on
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(deps, ["worker-0", "worker-1", "seed"]);
    assert_eq!(
        stack.services[1]
            .env
            .get("PC_REPLICA_NUM")
            .map(String::as_str),
        Some("1")
    );
    let daemon = notes
        .iter()
        .find(|n| n.message.contains("is_daemon"))
        .expect("a note");
    assert_eq!((daemon.place.line, daemon.place.column), (6, 5));
    assert!(daemon.help.contains("foreground"), "{}", daemon.help);
}

#[test]
fn invalid_input_is_located() {
    assert_eq!(
        errors(
            "processes:\n  web:\n    command: ./web\n    depends_on:\n      db: {condition: process_ready}\n"
        )[0],
        (
            5,
            23,
            "unknown dependency condition `process_ready`".to_string()
        )
    );
    let e = errors("processes:\n  web:\n    command: x {{.NOPE | quote}}\n");
    assert_eq!((e[0].0, e[0].1), (3, 24), "{e:?}");
    let e = errors("processes:\n  web:\n    working_dir: .\n");
    assert_eq!((e[0].0, e[0].1), (2, 3), "{e:?}");
    let e = errors(
        "processes:\n  web:\n    command: ./web\n  api:\n    command: ./api\n    depends_on:\n      wbe: {condition: process_healthy}\n",
    );
    assert_eq!(e[0].0, 7, "{e:?}");
}
