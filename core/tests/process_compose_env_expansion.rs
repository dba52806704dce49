//! process-compose expands `$VAR` in the whole file at load; coord leaves it to the shell in
//! commands, and says so at the line:column of values no shell reads.

use coord_core::Stack;
use coord_core::stack::ConfigWarning;

fn notes(text: &str) -> Vec<ConfigWarning> {
    Stack::parse_file_bytes_with_notes("process-compose.yaml", text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"))
        .1
}

#[test]
fn a_dollar_in_an_environment_value_or_working_dir_is_a_note_once() {
    let text = "\
environment: ['PATH=$PATH:./bin']
processes:
  a:
    command: echo $HOME
    working_dir: ./${SUB}
    environment: ['URL=http://localhost:${PORT}/x', 'PLAIN=1']
  b:
    command: ./b
";
    let notes = notes(text);
    let places: Vec<(usize, usize)> = notes
        .iter()
        .map(|n| (n.place.line, n.place.column))
        .collect();
    // The file's PATH is inherited by both processes but noted once; the command is the shell's.
    assert_eq!(places, [(1, 15), (5, 18), (6, 19)], "{notes:#?}");
    assert!(notes[0].message.contains("`PATH`"), "{}", notes[0].message);
    assert!(notes.iter().all(|n| n.message.contains("expands")));
}

#[test]
fn with_disable_env_expansion_process_compose_keeps_the_dollar_too() {
    let text = "disable_env_expansion: true\nprocesses:\n  a:\n    command: ./a\n    environment: ['X=$Y']\n";
    let notes = notes(text);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].message.contains("disable_env_expansion"));
}
