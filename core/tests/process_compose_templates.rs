//! process-compose's Go templates through the whole load: which fields are rendered, with which
//! data, what a missing key gives, and where an unsupported construct is reported. Also the
//! condition a `depends_on` entry without `condition` waits for.

use coord_core::Stack;
use coord_core::stack::{CommandSpec, ConfigWarning, DependencyKind, ProbeCheck, ServiceKind};

fn load(text: &str) -> (Stack, Vec<ConfigWarning>) {
    let (parsed, notes) =
        Stack::parse_file_bytes_with_notes("process-compose.yaml", text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    (parsed.stack, notes)
}

fn shell_command(stack: &Stack, name: &str) -> String {
    match &stack.services[stack.service_id(name).unwrap()].command {
        CommandSpec::Argv(argv) => argv.last().unwrap().clone(),
        other => panic!("{other:?}"),
    }
}

fn env<'s>(stack: &'s Stack, name: &str, key: &str) -> Option<&'s str> {
    stack.services[stack.service_id(name).unwrap()]
        .env
        .get(key)
        .map(String::as_str)
}

#[test]
fn the_fields_process_compose_renders_are_rendered_with_file_and_process_vars() {
    let text = r#"
vars: {HOST: 127.0.0.1, PORT: 8080, PROFILE: dev, DEBUG: false}
processes:
  api:
    vars: {PROFILE: prod}
    command: "serve {{.HOST}}:{{.PORT}}{{if .DEBUG}} --debug{{end}} --{{.PROFILE}}"
    working_dir: "./{{.PROFILE}}"
    environment: ["MODE={{.PROFILE}}", "TTL={{or .TTL 30}}"]
    readiness_probe:
      http_get: {host: "{{.HOST}}", port: "{{.PORT}}", path: "/{{.PROFILE}}/up"}
    liveness_probe:
      exec: {command: "curl -fs {{.HOST}}:{{.PORT}}"}
"#;
    let (stack, notes) = load(text);
    assert_eq!(shell_command(&stack, "api"), "serve 127.0.0.1:8080 --prod");
    let api = &stack.services[0];
    assert_eq!(api.working_dir.as_deref(), Some("./prod"));
    assert_eq!(env(&stack, "api", "MODE"), Some("prod"));
    assert_eq!(env(&stack, "api", "TTL"), Some("30"));
    assert_eq!(
        api.ready.as_ref().map(|p| p.check.clone()),
        Some(ProbeCheck::Http {
            path: "/prod/up".into(),
            body: None
        })
    );
    assert_eq!(
        api.live.as_ref().map(|p| p.check.clone()),
        Some(ProbeCheck::Exec {
            command: "curl -fs 127.0.0.1:8080".into()
        })
    );
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn each_replica_is_rendered_with_its_own_pc_replica_num() {
    let text = "
processes:
  worker:
    replicas: 3
    command: ./worker --port 80{{.PC_REPLICA_NUM}}0
    environment: ['ID=w{{.PC_REPLICA_NUM}}']
  single:
    command: ./single {{.PC_REPLICA_NUM}}
";
    let (stack, notes) = load(text);
    for (i, name) in ["worker-0", "worker-1", "worker-2"].iter().enumerate() {
        assert_eq!(
            shell_command(&stack, name),
            format!("./worker --port 80{i}0")
        );
        assert_eq!(env(&stack, name, "ID"), Some(format!("w{i}").as_str()));
    }
    assert_eq!(shell_command(&stack, "single"), "./single 0");
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn a_missing_key_renders_no_value_as_process_compose_does_with_a_located_note() {
    let (stack, notes) = load("processes:\n  web:\n    command: ./web --dir {{ .DATA }}\n");
    assert_eq!(shell_command(&stack, "web"), "./web --dir <no value>");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!((notes[0].place.line, notes[0].place.column), (3, 29));
    assert!(notes[0].message.contains("`.DATA`"), "{}", notes[0].message);
    assert!(notes[0].help.contains("DATA: VALUE"), "{}", notes[0].help);
}

#[test]
fn the_fields_process_compose_does_not_render_are_kept_as_written_with_a_note() {
    let text = "
vars: {P: x}
environment: ['GLOBAL={{.P}}']
processes:
  tail:
    entrypoint: [tail, '{{.P}}.log']
    ready_log_line: 'ready {{.P}}'
    shutdown: {command: 'stop {{.P}}'}
";
    let (stack, notes) = load(text);
    let tail = &stack.services[0];
    assert_eq!(
        tail.command,
        CommandSpec::Argv(vec!["tail".into(), "{{.P}}.log".into()])
    );
    assert_eq!(env(&stack, "tail", "GLOBAL"), Some("{{.P}}"));
    assert_eq!(tail.stop_command.as_deref(), Some("stop {{.P}}"));
    let lines: Vec<usize> = notes.iter().map(|n| n.place.line).collect();
    assert_eq!(lines, [3, 6, 7, 8], "{notes:?}");
    assert!(notes.iter().all(|n| n.message.contains("does not render")));
}

#[test]
fn is_template_disabled_sends_the_braces_as_written() {
    let text = "processes:\n  hook:\n    is_template_disabled: true\n    command: echo '{{up}}'\n";
    let (stack, notes) = load(text);
    assert_eq!(shell_command(&stack, "hook"), "echo '{{up}}'");
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn an_unsupported_construct_is_an_error_at_its_line_and_column() {
    let text = "processes:\n  web:\n    environment:\n      - 'A={{range .L}}x{{end}}'\n    command: ./web\n";
    let errors = Stack::parse_file_bytes("process-compose.yaml", text.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        errors.starts_with(
            "process-compose.yaml:4:14: error: coord's Go-template subset has no `range`"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("help: coord renders `{{.NAME}}`"),
        "{errors}"
    );
    let folded =
        "processes:\n  web:\n    command: >-\n      ./web\n      {{- .A | printf \"%s\"}}\n";
    let errors = Stack::parse_file_bytes("process-compose.yaml", folded.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        errors.starts_with(
            "process-compose.yaml:5:14: error: coord's Go-template subset has no pipelines"
        ),
        "{errors}"
    );
}

#[test]
fn a_dependency_without_condition_waits_for_completion_as_process_compose_code_does() {
    let text = "
processes:
  build: {command: ./build}
  seed: {command: ./seed}
  app:
    command: ./app
    depends_on:
      build: {}
      seed:
";
    let (stack, notes) = load(text);
    let app = &stack.services[stack.service_id("app").unwrap()];
    let kinds: Vec<(&str, DependencyKind)> = app
        .depends_on
        .iter()
        .map(|d| (d.name.as_str(), d.kind))
        .collect();
    // process_completed: a task the dependent waits for, whatever its exit code.
    assert_eq!(
        kinds,
        [
            ("build", DependencyKind::Optional),
            ("seed", DependencyKind::Optional)
        ]
    );
    let kind = |name: &str| stack.services[stack.service_id(name).unwrap()].kind;
    assert_eq!(
        (kind("build"), kind("seed")),
        (ServiceKind::Task, ServiceKind::Task)
    );
    let places: Vec<(usize, usize)> = notes
        .iter()
        .map(|n| (n.place.line, n.place.column))
        .collect();
    assert_eq!(places, [(8, 7), (9, 7)], "{notes:?}");
    assert!(
        notes[0].message.contains("process_completed")
            && notes[0]
                .message
                .contains("documentation names process_started"),
        "{}",
        notes[0].message
    );
}
