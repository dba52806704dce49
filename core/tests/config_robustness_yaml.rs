//! Damaged process-compose files never make the reader panic: every truncation and every
//! removal of one line of each fixture under `fixtures/process-compose/` either loads or is
//! refused with errors located inside the file, each with a help text; notes are located inside
//! the file too.

use coord_core::Stack;
use std::path::Path;

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/process-compose");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the process-compose fixtures");
    files
}

/// Whether `text` lands inside `text`'s lines at `line`:`column`.
fn inside(text: &str, line: usize, column: usize) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    line >= 1 && line <= lines.len() && column >= 1 && column <= lines[line - 1].chars().count() + 1
}

/// Loads `text` as `file`; on errors, checks each is located within the text with a help.
fn load_checked(file: &str, text: &str) -> bool {
    match Stack::parse_file_bytes_with_notes(file, text.as_bytes()) {
        Ok((_, notes)) => {
            for n in &notes {
                assert!(
                    inside(text, n.place.line, n.place.column),
                    "{n} in {text:?}"
                );
                assert!(!n.help.is_empty(), "{n}");
            }
            true
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an Err carries at least one error");
            for e in &errors.0 {
                assert!(inside(text, e.line, e.column), "{e} in {text:?}");
                assert!(!e.help.is_empty(), "{e}");
            }
            false
        }
    }
}

#[test]
fn every_truncation_of_the_process_compose_fixtures_is_handled() {
    for (name, text) in fixtures() {
        let mut rejected = 0;
        for (cut, _) in text.char_indices() {
            if !load_checked(&name, &text[..cut]) {
                rejected += 1;
            }
        }
        assert!(rejected > 0, "{name}: some truncations must be rejected");
        assert!(load_checked(&name, &text), "{name} itself loads");
    }
}

#[test]
fn removing_any_one_line_of_a_process_compose_fixture_is_handled() {
    for (name, text) in fixtures() {
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let damaged: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            load_checked(&name, &damaged.join("\n"));
        }
    }
}

#[test]
fn yaml_that_is_not_a_process_compose_file_is_a_located_error() {
    for text in [
        "",
        "- a\n- b\n",
        "processes: [1, 2]\n",
        "processes:\n  web: ./web\n",
        "processes:\n  web:\n    command: [./web]\n",
        "processes:\n  web:\n    command: ./web\n    depends_on:\n      db:\n        condition: process_healthy\n",
        "a: &x [*x]\n",
        "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
        "processes:\n  web:\n    command: '{{range .NOPE}}x{{end}}'\n",
        "processes:\n  web:\n    command: '{{if .A}}x'\n",
        "processes:\n  web:\n    environment: ['A={{.B | printf \"%s\"}}']\n    command: x\n",
        "processes:\n  web: {command: x, availability: {restart: sometimes}}\n",
        "processes:\n  web: {command: x, shutdown: {signal: 99}}\n",
        "\u{feff}processes:\n  a: {command: x}\n  a: {command: y}\n",
    ] {
        assert!(
            !load_checked("process-compose.yaml", text),
            "{text:?} is refused"
        );
    }
}
