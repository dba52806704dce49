//! The CLI's non-running commands and its exit codes: check, graph, invalid files, usage.

mod common;

use common::*;
use std::process::Command;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

fn coord(args: &[&str]) -> std::process::Output {
    Command::new(coord_bin()).args(args).output().unwrap()
}

#[test]
fn check_prints_the_startup_order() {
    let file = fixture("netra.toml");
    let out = coord(&["check", "-f", file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("startup order: database > redis > auth > backend > frontend"),
        "{text}"
    );
}

#[test]
fn graph_prints_levels_and_dot() {
    let file = fixture("netra.toml");
    let out = coord(&["graph", "-f", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("level 1:\n  auth <- database (required), redis (optional)"),
        "{text}"
    );
    let out = coord(&["graph", "--dot", "-f", file.to_str().unwrap()]);
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(dot.starts_with("digraph {"), "{dot}");
    assert!(dot.contains("label = \"auth\""), "{dot}");
    // database -> auth is required (plain), redis -> auth optional (dashed).
    assert!(dot.contains("0 -> 2 [ ]"), "{dot}");
    assert!(dot.contains("1 -> 2 [ style = dashed]"), "{dot}");
}

#[test]
fn an_invalid_stack_file_exits_2_with_file_line_column() {
    let file = fixture("invalid/unknown_key.toml");
    for verb in ["check", "run", "graph"] {
        let out = coord(&[verb, "-f", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{verb}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.starts_with(&format!(
                "{}:4:1: error: unknown key `retsart`",
                file.display()
            )),
            "{verb}: {err}"
        );
        assert!(err.contains("help: did you mean `restart`?"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_missing_file_an_unknown_service_and_bad_usage_exit_2() {
    let out = coord(&["run", "-f", "/nonexistent/coord.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the stack file"));

    let file = fixture("demo.toml");
    let out = coord(&["run", "-f", file.to_str().unwrap(), "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no service named `nosuch`") && err.contains("database"),
        "{err}"
    );

    let out = coord(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn discover_without_a_running_coord_fails_clearly() {
    let file = stack_file("discover-none", "[services.a]\ncommand = \"sleep 1\"\n");
    let out = coord(&[
        "discover",
        "a",
        "--wait",
        "50ms",
        "-f",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a is not ready: no coord is running this stack"),
        "{err}"
    );
    let out = coord(&["stop", "a", "-f", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no coord is running"));
}

#[test]
fn an_overlong_wait_is_refused_before_anything_runs() {
    let file = stack_file("discover-long", "[services.a]\ncommand = \"sleep 1\"\n");
    for wait in ["300000000000y", "2y"] {
        let out = coord(&[
            "discover",
            "a",
            "--wait",
            wait,
            "-f",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "--wait {wait}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "duration `{wait}` is longer than the maximum of 1year"
            )),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn check_and_run_warn_when_a_required_service_requires_an_optional_one() {
    let text = "[services.redis]\ncommand = \"sleep 30\"\noptional = true\n\
                [services.api]\ncommand = \"sleep 30\"\ndepends_on = [\"redis\"]\n\
                [services.tool]\ncommand = \"sleep 30\"\nworking_dir = \"missing\"\n";
    let file = stack_file("warn-optional", text);
    let warning = format!(
        "{}:6:15: warning: `redis` is marked optional, but `api` requires it",
        file.display()
    );
    // `check` succeeds (a warning is not an error) but the missing working_dir of `tool` is an
    // error; `run api` does not select `tool`, so its directory is not checked: make it exist
    // there and check the warning on both verbs.
    std::fs::create_dir(file.parent().unwrap().join("missing")).unwrap();
    let out = coord(&["check", "-f", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&warning), "{err}");
    assert!(err.contains("help: if `api` can run without it"), "{err}");

    std::fs::remove_dir(file.parent().unwrap().join("missing")).unwrap();
    // `run tool api`: the warning comes at load, then the missing directory stops the run
    // before anything starts.
    let out = coord(&["run", "-f", file.to_str().unwrap(), "api", "tool"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&warning), "{err}");
    assert!(
        err.contains("error: `working_dir` of `tool` does not exist"),
        "{err}"
    );
}

#[test]
fn a_working_dir_that_is_not_a_directory_is_an_error_at_load() {
    let text = "[services.a]\ncommand = \"true\"\nworking_dir = \"nope\"\n\
                [services.b]\ncommand = \"true\"\nworking_dir = \"file\"\n\
                [services.c]\ncommand = \"true\"\nworking_dir = \".\"\n";
    let file = stack_file("working-dir", text);
    let dir = file.parent().unwrap().to_path_buf();
    std::fs::write(dir.join("file"), "").unwrap();
    for verb in ["check", "run"] {
        let out = coord(&[verb, "-f", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{verb}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let want_a = format!(
            "{}:3:15: error: `working_dir` of `a` does not exist: {}",
            file.display(),
            dir.join("nope").display()
        );
        let want_b = format!(
            "{}:6:15: error: `working_dir` of `b` is not a directory",
            file.display()
        );
        assert!(err.contains(&want_a), "{verb}: {err}");
        assert!(err.contains(&want_b), "{verb}: {err}");
        assert!(!err.contains("`c`"), "{verb}: {err}");
        assert!(err.contains("has 2 errors"), "{verb}: {err}");
        assert!(err.contains("help: create the directory"), "{verb}: {err}");
        // Nothing was started: no `.coord` state beside the stack file.
        assert!(!dir.join(".coord").exists(), "{verb}: {err}");
    }
}
