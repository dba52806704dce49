//! Several process-compose files merged as process-compose merges them (`-f a -f b`, an
//! override file, `extends`): one test per rule, and every message names the file its place is
//! in.

use coord_core::Stack;
use coord_core::stack::{CommandSpec, ConfigErrors, ConfigWarning, DependencyKind, StopSignal};
use std::time::Duration;

fn merged(files: &[(&str, &str)]) -> Result<(Stack, Vec<ConfigWarning>), ConfigErrors> {
    let bytes: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    Stack::parse_files_bytes_with_notes(&bytes).map(|(parsed, notes)| (parsed.stack, notes))
}

fn ok(files: &[(&str, &str)]) -> (Stack, Vec<ConfigWarning>) {
    merged(files).unwrap_or_else(|e| panic!("{e}"))
}

const BASE: &str = "\
environment:
  - TOP=base
  - KEEP=1
processes:
  db:
    command: ./db --slow
    environment:
      - A=3
      - C=8
  web:
    command: ./web
    depends_on:
      db:
        condition: process_started
    shutdown:
      signal: 2
";

#[test]
fn single_values_are_replaced_and_new_processes_added_after_the_others() {
    let over = "processes:\n  db:\n    command: ./db --fast\n  cache:\n    command: ./cache\n";
    let (stack, _) = ok(&[("base.yaml", BASE), ("override.yaml", over)]);
    let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["db", "web", "cache"]);
    let db = &stack.services[0];
    let CommandSpec::Argv(argv) = &db.command else {
        panic!("an argv: {:?}", db.command);
    };
    assert_eq!(argv.last().map(String::as_str), Some("./db --fast"));
    assert_eq!(
        stack.file, "base.yaml",
        "the stack is named after its first file"
    );
}

#[test]
fn environment_lists_merge_by_name_and_the_later_value_wins() {
    let over = "\
environment: [TOP=over]
processes:
  db:
    environment:
      - A=4
      - B=5
";
    let (stack, _) = ok(&[("base.yaml", BASE), ("override.yaml", over)]);
    let env = &stack.services[0].env;
    assert_eq!(env.get("A").map(String::as_str), Some("4"));
    assert_eq!(env.get("B").map(String::as_str), Some("5"));
    assert_eq!(env.get("C").map(String::as_str), Some("8"));
    assert_eq!(env.get("TOP").map(String::as_str), Some("over"));
    assert_eq!(env.get("KEEP").map(String::as_str), Some("1"));
    assert_eq!(
        stack.services[1].env.get("TOP").map(String::as_str),
        Some("over")
    );
}

#[test]
fn depends_on_merges_by_process_name() {
    let over = "\
processes:
  cache:
    command: ./cache
  web:
    depends_on:
      db:
        condition: process_completed_successfully
      cache:
        condition: process_healthy
";
    let over = over.replace(
        "  cache:\n    command: ./cache\n",
        "  cache:\n    command: ./cache\n    readiness_probe: {exec: {command: ./ping}}\n",
    );
    let (stack, _) = ok(&[("base.yaml", BASE), ("override.yaml", &over)]);
    let web = &stack.services[stack.service_id("web").unwrap()];
    let deps: Vec<(&str, DependencyKind)> = web
        .depends_on
        .iter()
        .map(|d| (d.name.as_str(), d.kind))
        .collect();
    assert_eq!(
        deps,
        [
            ("db", DependencyKind::Required),
            ("cache", DependencyKind::Required)
        ],
        "db's condition is the override's, cache is added"
    );
}

#[test]
fn nested_settings_merge_key_by_key() {
    let over = "processes:\n  web:\n    shutdown:\n      timeout_seconds: 3\n";
    let (stack, _) = ok(&[("base.yaml", BASE), ("override.yaml", over)]);
    let web = &stack.services[stack.service_id("web").unwrap()];
    assert_eq!(web.stop_signal, StopSignal::Int, "kept from the base");
    assert_eq!(web.stop_grace, Duration::from_secs(3), "from the override");
}

#[test]
fn a_later_false_or_empty_value_keeps_the_earlier_one_with_a_note_naming_the_later_file() {
    let base = "processes:\n  tool:\n    command: ./tool\n    disabled: true\n";
    let over = "processes:\n  tool:\n    disabled: false\n    command: \"\"\n";
    let (stack, notes) = ok(&[("base.yaml", base), ("override.yaml", over)]);
    assert!(
        !stack.services[0].autostart,
        "process-compose keeps it disabled"
    );
    let CommandSpec::Argv(argv) = &stack.services[0].command else {
        panic!("an argv");
    };
    assert_eq!(argv.last().map(String::as_str), Some("./tool"));
    let note = notes
        .iter()
        .find(|n| n.message.contains("`disabled: false` does not replace"))
        .unwrap_or_else(|| panic!("{notes:#?}"));
    assert_eq!(
        (note.file.as_str(), note.place.line, note.place.column),
        ("override.yaml", 3, 15)
    );
    assert!(note.help.contains("is_disabled"), "{}", note.help);
}

#[test]
fn other_lists_are_appended() {
    let base = "processes:\n  app:\n    command: ./app\n    env_file: [a.env]\n";
    let over = "processes:\n  app:\n    env_file: [b.env]\n";
    let texts = [("base.yaml", base), ("override.yaml", over)];
    let translation = Stack::read_trees(&texts).unwrap_or_else(|e| panic!("{e}"));
    let files = translation
        .root
        .get("services")
        .and_then(|s| s.get("app"))
        .and_then(|a| a.get("env_file"))
        .expect("an env_file");
    let coord_core::stack::tree::RawValue::Array(items) = &files.value else {
        panic!("a list: {files:?}");
    };
    let paths: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
    assert_eq!(paths, ["a.env", "b.env"]);
}

#[test]
fn an_error_in_the_override_names_the_override_file_line_and_column() {
    let over = "processes:\n  web:\n    replicas: lots\n";
    let e = merged(&[("base.yaml", BASE), ("override.yaml", over)])
        .unwrap_err()
        .0;
    assert_eq!(
        (e[0].file.as_str(), e[0].line, e[0].column),
        ("override.yaml", 3, 15),
        "{e:?}"
    );
    // A validation error (after the translation) too: a dependency on no process.
    let over =
        "processes:\n  web:\n    depends_on:\n      nothere:\n        condition: process_started\n";
    let e = merged(&[("base.yaml", BASE), ("override.yaml", over)])
        .unwrap_err()
        .0;
    assert!(
        e.iter()
            .any(|e| e.file == "override.yaml" && e.line == 4 && e.message.contains("nothere")),
        "{e:?}"
    );
    // A YAML syntax error in the override.
    let e = merged(&[("base.yaml", BASE), ("override.yaml", "processes: [\n")])
        .unwrap_err()
        .0;
    assert_eq!(e[0].file, "override.yaml", "{e:?}");
    // And an error in the base still names the base.
    let base = BASE.replace("./web\n", "./web\n    replicas: lots\n");
    let e = merged(&[("base.yaml", &base), ("override.yaml", "processes: {}\n")])
        .unwrap_err()
        .0;
    assert_eq!((e[0].file.as_str(), e[0].line), ("base.yaml", 12), "{e:?}");
}

#[test]
fn repeated_files_are_for_process_compose_only() {
    let toml = "[services.a]\ncommand = \"./a\"\n";
    let e = merged(&[("coord.toml", toml), ("other.toml", toml)])
        .unwrap_err()
        .0;
    assert_eq!((e[0].file.as_str(), e[0].line), ("coord.toml", 1));
    assert!(
        e[0].message
            .contains("repeated -f is for process-compose files"),
        "{}",
        e[0].message
    );
    let e = merged(&[("base.yaml", BASE), ("Procfile", "web: ./web\n")])
        .unwrap_err()
        .0;
    assert_eq!(e[0].file, "Procfile");
}

#[test]
fn extends_names_its_file_and_where_it_is_written() {
    let text = "version: \"0.5\"\nextends: ../base.yaml\nprocesses: {}\n";
    let (path, place) = Stack::extends_of("dir/prod.yaml", text)
        .unwrap()
        .expect("an extends");
    assert_eq!(path, "../base.yaml");
    assert_eq!((place.line, place.column), (2, 10));
    assert_eq!(Stack::extends_of("b.yaml", BASE).unwrap(), None);
    assert_eq!(
        Stack::extends_of("coord.toml", "extends = 1").unwrap(),
        None
    );
    let e = Stack::extends_of("b.yaml", "extends: [a.yaml]\n")
        .unwrap_err()
        .0;
    assert_eq!((e[0].line, e[0].column), (1, 10));
    // The merged file's own `extends:` is no note: it was followed.
    let (_, notes) = ok(&[("base.yaml", BASE), ("prod.yaml", "extends: base.yaml\n")]);
    assert!(
        notes.iter().all(|n| !n.message.contains("extends")),
        "{notes:#?}"
    );
}
