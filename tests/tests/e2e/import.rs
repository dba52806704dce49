//! `coord import`: golden tests (insta) of the coord.toml written for every process-compose and
//! Procfile fixture, with the report on stderr; `coord check` of each output passes and
//! `coord graph` of the output is the graph of the original.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, Pipe, coord_cmd};
use coord_tests::harness::testdir::{TestDir, copy_dir};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Runs `coord import FILE -o coord.toml` in `dir`: (exit code, everything it printed).
fn coord_import(dir: &Path, file: &str) -> (i32, String) {
    let mut run = CoordRun::start(dir, &["import", file, "-o", "coord.toml"]);
    let code = run.exit_code(PATIENCE);
    let _ = run.lines(Pipe::Out);
    (code, run.transcript())
}

/// Imports `name` (a file of the fixture directory `group/`, copied into a test directory),
/// checks the output, and returns the snapshot text: the stderr report, then the coord.toml.
fn import(group: &str, name: &str) -> String {
    let dir = TestDir::new("import");
    copy_dir(&fixtures().join(group), dir.path());
    let (code, transcript) = coord_import(dir.path(), name);
    assert_eq!(code, 0, "{name}: {transcript}");
    let toml = std::fs::read_to_string(dir.file("coord.toml")).expect("the output is written");
    let (code, _, check) = coord_cmd(dir.path(), "coord.toml", &["check"]);
    assert_eq!(
        code, 0,
        "coord check of the import of {name}:\n{check}\n{toml}"
    );
    let (code, original, why) = coord_cmd(dir.path(), name, &["graph"]);
    assert_eq!(code, 0, "{why}");
    let (code, imported, why) = coord_cmd(dir.path(), "coord.toml", &["graph"]);
    assert_eq!(code, 0, "{why}");
    assert_eq!(imported, original, "the graph of the import of {name}");
    format!("# stderr\n{transcript}\n# coord.toml\n{toml}")
}

#[test]
fn process_compose_fixtures_import_to_coord_toml_that_checks() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("process-compose"))
        .expect("the process-compose fixtures")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        let snapshot = import("process-compose", &name);
        let stem = name
            .trim_start_matches("process-compose.")
            .trim_end_matches(".yaml");
        insta::assert_snapshot!(format!("import_pc_{stem}"), snapshot);
    }
}

#[test]
fn procfile_fixtures_import_to_coord_toml_that_checks() {
    for (group, name) in [
        ("procfile/rails", "Procfile"),
        ("procfile/node", "Procfile.dev"),
        ("procfile/python", "Procfile"),
    ] {
        let snapshot = import(group, name);
        let stem = group.trim_start_matches("procfile/");
        insta::assert_snapshot!(format!("import_procfile_{stem}"), snapshot);
    }
}

#[test]
fn an_invalid_process_compose_file_is_not_imported() {
    let dir = TestDir::new("import-invalid");
    dir.write(
        "process-compose.yaml",
        "processes:\n  api:\n    command: ./api\n    depends_on:\n      db:\n        condition: process_ready\n",
    );
    let (code, out) = coord_import(dir.path(), "process-compose.yaml");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "process-compose.yaml:6:20: error: unknown dependency condition `process_ready`"
        ),
        "{out}"
    );
    assert!(!dir.file("coord.toml").exists());
}

#[test]
fn an_existing_output_is_kept_unless_forced_and_a_link_is_never_written_through() {
    let dir = TestDir::new("import-existing");
    dir.write("Procfile", "web: python3 -m http.server $PORT\n");
    dir.write("coord.toml", "# mine\n");
    let (code, out) = coord_import(dir.path(), "Procfile");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("coord.toml already exists"), "{out}");
    assert_eq!(
        std::fs::read_to_string(dir.file("coord.toml")).unwrap(),
        "# mine\n"
    );

    let mut forced = CoordRun::start(
        dir.path(),
        &["import", "Procfile", "-o", "coord.toml", "--force"],
    );
    assert_eq!(forced.exit_code(PATIENCE), 0, "{}", forced.transcript());
    let written = std::fs::read_to_string(dir.file("coord.toml")).unwrap();
    assert!(written.contains("[services.web]"), "{written}");

    let target = dir.write("elsewhere.txt", "precious\n");
    std::fs::remove_file(dir.file("coord.toml")).unwrap();
    std::os::unix::fs::symlink(&target, dir.file("coord.toml")).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["import", "Procfile", "-o", "coord.toml"];
        args.extend_from_slice(extra);
        let mut run = CoordRun::start(dir.path(), &args);
        assert_eq!(run.exit_code(PATIENCE), 1, "{}", run.transcript());
        assert!(
            run.transcript().contains("is a symbolic link"),
            "{}",
            run.transcript()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
    }
}
