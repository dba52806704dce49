//! Keys of recent process-compose releases that coord does not translate are notes at their
//! line:column saying what to do instead, not "unknown key" notes.

use coord_core::Stack;

#[test]
fn recent_process_compose_keys_get_a_note_with_what_to_do_instead() {
    let text = "\
processes:
  api:
    command: ./api
    watch: {paths: [{path: src}], cascade: true}
    success_exit_codes: [130]
    is_dotenv_disabled: true
    monitor_for: silence
    shutdown: {send_keys: q}
  nightly:
    command: ./report
    schedule: {cron: '0 3 * * *'}
    is_disabled: '{{.OFF}}'
    mcp: {type: tool}
    truncate_log: true
";
    let (_, notes) = Stack::parse_file_bytes_with_notes("process-compose.yaml", text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let got: Vec<(usize, usize)> = notes
        .iter()
        .map(|n| (n.place.line, n.place.column))
        .collect();
    assert_eq!(
        got,
        [
            (4, 5),
            (5, 5),
            (6, 5),
            (7, 5),
            (8, 16),
            (11, 5),
            (12, 5),
            (13, 5),
            (14, 5)
        ],
        "{notes:#?}"
    );
    for n in &notes {
        assert!(!n.message.contains("unknown"), "{}", n.message);
        assert!(!n.help.is_empty(), "{}", n.message);
    }
    assert!(notes[0].help.contains("watch = {"), "{}", notes[0].help);
}

#[test]
fn a_condition_the_dependency_cannot_meet_is_located_as_process_compose_checks_it() {
    // process_log_ready needs the dependency's ready_log_line: process-compose refuses the file.
    let text = "processes:\n  q: {command: ./q}\n  app:\n    command: ./app\n    depends_on:\n      q: {condition: process_log_ready}\n";
    let errors = Stack::parse_file_bytes("process-compose.yaml", text.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        errors.starts_with(
            "process-compose.yaml:6:22: error: `app` waits for `q`'s log line, but `q` has no `ready_log_line`"
        ),
        "{errors}"
    );
    // process_healthy needs a probe: process-compose does not start the dependent without one.
    let text = "processes:\n  db: {command: ./db}\n  app:\n    command: ./app\n    depends_on:\n      db: {condition: process_healthy}\n";
    let (_, notes) = Stack::parse_file_bytes_with_notes("process-compose.yaml", text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!((notes[0].place.line, notes[0].place.column), (6, 23));
    assert!(
        notes[0].message.contains("no readiness_probe"),
        "{}",
        notes[0].message
    );
    // With what the conditions need, nothing is said.
    let text = "processes:\n  db:\n    command: ./db\n    readiness_probe: {exec: {command: ./db ping}}\n  q: {command: ./q, ready_log_line: up}\n  app:\n    command: ./app\n    depends_on:\n      db: {condition: process_healthy}\n      q: {condition: process_log_ready}\n";
    let (_, notes) = Stack::parse_file_bytes_with_notes("process-compose.yaml", text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(notes.is_empty(), "{notes:?}");
}
