//! Several process-compose files as one stack: `coord run -f base.yaml -f override.yaml` runs
//! the override's command and merged environment; the `process-compose.override.yaml` beside a
//! found `process-compose.yaml` is merged too; an error in an override names the override's
//! file:line:col (exit 2); an `extends` cycle or a missing extended file is an error, never a
//! hang; and `coord import` of an override pair and of an `extends` chain (golden files).

use coord_tests::harness::coord::{CoordRun, Pipe, coord_cmd, is_summary};
use coord_tests::harness::events::env_of;
use coord_tests::harness::testdir::{TestDir, copy_dir};
use coord_tests::harness::{PATIENCE, procs};
use std::path::{Path, PathBuf};

/// `coord ARGS...` in `dir` to its end: (exit code, stdout, everything printed).
fn coord(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut run = CoordRun::start(dir, args);
    let code = run.exit_code(PATIENCE);
    (code, run.lines(Pipe::Out).join("\n"), run.transcript())
}

/// A YAML double-quoted string of `s`.
fn yaml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn run_with_two_files_brings_up_the_overridden_command_and_merged_environment() {
    let dir = TestDir::new("pc-override-run");
    // The base command would exit (a variable it requires is never set): only the override's
    // command can come up.
    let base = format!(
        "processes:\n  app:\n    command: {}\n    environment:\n      - \"MODE=base\"\n      - \"KEEP=kept\"\n",
        yaml_str(&dir.toy_shell("app", &["--require-env", "COORD_TEST_NEVER_SET_5K"]))
    );
    let over = format!(
        "processes:\n  app:\n    command: {}\n    environment:\n      - \"MODE=override\"\n      - \"EXTRA=yes\"\n",
        yaml_str(&dir.toy_shell(
            "app",
            &[
                "--print-env",
                "MODE",
                "--print-env",
                "KEEP",
                "--print-env",
                "EXTRA"
            ]
        ))
    );
    dir.write("base.yaml", &base);
    dir.write("override.yaml", &over);
    let mut run = CoordRun::start(
        dir.path(),
        &["run", "-f", "base.yaml", "-f", "override.yaml"],
    );
    let summary = run
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(summary.contains("1/1"), "{summary}\n{log}");
    assert_eq!(
        env_of(&events, "app", "MODE").as_deref(),
        Some("override"),
        "{log}"
    );
    assert_eq!(
        env_of(&events, "app", "KEEP").as_deref(),
        Some("kept"),
        "{log}"
    );
    assert_eq!(
        env_of(&events, "app", "EXTRA").as_deref(),
        Some("yes"),
        "{log}"
    );
    run.interrupt();
    assert_eq!(run.exit_code(PATIENCE), 0, "{}", run.transcript());
    procs::wait_all_gone(&dir.events().pids(), PATIENCE).expect("nothing left running");
}

#[test]
fn the_override_file_beside_process_compose_yaml_is_merged_and_named() {
    let dir = TestDir::new("pc-override-found");
    dir.write(
        "process-compose.yaml",
        "processes:\n  db:\n    command: ./db\n  web:\n    command: ./web\n",
    );
    dir.write(
        "process-compose.override.yaml",
        "processes:\n  web:\n    depends_on:\n      db:\n        condition: process_completed_successfully\n",
    );
    let (code, out, all) = coord(dir.path(), &["check"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        all.contains("coord: using process-compose.yaml + process-compose.override.yaml"),
        "{all}"
    );
    assert!(out.contains("startup order: db > web"), "{out}");
    // An explicit -f reads only what it names, as process-compose does.
    let (code, out, all) = coord(dir.path(), &["graph", "-f", "process-compose.yaml"]);
    assert_eq!(code, 0, "{all}");
    assert!(!out.contains("web <- db"), "{out}");
}

#[test]
fn an_error_in_the_override_names_the_override_file_line_and_column() {
    let dir = TestDir::new("pc-override-error");
    dir.write("base.yaml", "processes:\n  web:\n    command: ./web\n");
    dir.write(
        "override.yaml",
        "processes:\n  web:\n    replicas: lots\n  worker:\n    command: ./w\n    depends_on:\n      nothere:\n        condition: process_started\n",
    );
    for command in ["check", "run"] {
        let (code, _, all) = coord(
            dir.path(),
            &[command, "-f", "base.yaml", "-f", "override.yaml"],
        );
        assert_eq!(code, 2, "{command}: {all}");
        assert!(
            all.contains("override.yaml:3:15: error: `replicas` must be a whole number"),
            "{command}: {all}"
        );
        assert!(!all.contains("panicked"), "{all}");
    }
}

#[test]
fn repeated_f_with_coord_toml_is_a_clear_error() {
    let dir = TestDir::new("pc-override-toml");
    dir.write("coord.toml", "[services.a]\ncommand = \"./a\"\n");
    dir.write("more.toml", "[services.b]\ncommand = \"./b\"\n");
    let (code, _, all) = coord(
        dir.path(),
        &["check", "-f", "coord.toml", "-f", "more.toml"],
    );
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("coord.toml:1:1: error: coord.toml is a coord.toml, which is one file: repeated -f is for process-compose files"),
        "{all}"
    );
}

#[test]
fn an_extends_cycle_or_a_missing_extended_file_is_an_error_never_a_hang() {
    let dir = TestDir::new("pc-extends-errors");
    dir.write(
        "a.yaml",
        "extends: b.yaml\nprocesses:\n  a:\n    command: ./a\n",
    );
    dir.write("b.yaml", "# the base\nextends: a.yaml\n");
    let (code, _, all) = coord(dir.path(), &["run", "-f", "a.yaml"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains(
            "b.yaml:2:10: error: `extends` makes a cycle: a.yaml extends b.yaml extends a.yaml"
        ),
        "{all}"
    );
    dir.write(
        "c.yaml",
        "processes: {c: {command: ./c}}\nextends: sub/gone.yaml\n",
    );
    let (code, _, all) = coord(dir.path(), &["check", "-f", "c.yaml"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("c.yaml:2:10: error: `extends` names sub/gone.yaml, which cannot be read"),
        "{all}"
    );
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/process-compose")
}

/// `coord import ARGS -o coord.toml` in a copy of the fixture directory `group`: checks the
/// output (it loads, and its graph is the merged stack's), returns the snapshot text.
fn import(group: &str, args: &[&str]) -> String {
    let dir = TestDir::new("pc-import-merged");
    copy_dir(&fixtures().join(group), dir.path());
    let mut all: Vec<&str> = vec!["import"];
    all.extend(args);
    all.extend(["-o", "coord.toml"]);
    let (code, _, transcript) = coord(dir.path(), &all);
    assert_eq!(code, 0, "{transcript}");
    let toml = std::fs::read_to_string(dir.file("coord.toml")).expect("the output is written");
    let (code, imported, why) = coord_cmd(dir.path(), "coord.toml", &["graph"]);
    assert_eq!(code, 0, "{why}");
    let mut graph: Vec<&str> = vec!["graph"];
    graph.extend(args);
    let (code, original, why) = coord(dir.path(), &graph);
    assert_eq!(code, 0, "{why}");
    assert_eq!(imported, original, "the graph of the import");
    format!("# stderr\n{transcript}\n# coord.toml\n{toml}")
}

#[test]
fn an_override_pair_imports_as_the_merged_stack() {
    // No -f: process-compose.yaml and the override beside it.
    insta::assert_snapshot!("import_pc_override_pair", import("override", &[]));
}

#[test]
fn an_extends_chain_imports_as_the_merged_stack() {
    insta::assert_snapshot!(
        "import_pc_extends_chain",
        import("extends", &["-f", "process-compose.ci.yaml"])
    );
}
