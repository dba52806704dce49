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
