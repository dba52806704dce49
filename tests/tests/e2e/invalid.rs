//! Invalid stack files: exit 2, and an error that points at file:line:col, for `run` and `check`.

use std::path::Path;

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, Pipe};
use coord_tests::harness::testdir::TestDir;

/// Runs `coord <sub> -f file` and returns (exit code, stderr).
fn coord_on(sub: &str, file: &Path) -> (i32, String) {
    let dir = file.parent().unwrap();
    let mut run = CoordRun::start(dir, &[sub, "-f", &file.to_string_lossy()]);
    let code = run.exit_code(PATIENCE);
    (code, run.lines(Pipe::Err).join("\n"))
}

/// Asserts both `run` and `check` reject `text` with exit 2 and an error at `line` (and `col`
/// when given) of the file, plus every `words` in the message.
fn rejects(text: &str, line: usize, col: Option<usize>, words: &[&str]) {
    let dir = TestDir::new("invalid");
    let file = dir.write("bad.toml", text);
    for sub in ["check", "run"] {
        let (code, stderr) = coord_on(sub, &file);
        assert_eq!(code, 2, "coord {sub} on\n{text}\nstderr:\n{stderr}");
        let at = match col {
            Some(c) => format!("bad.toml:{line}:{c}"),
            None => format!("bad.toml:{line}:"),
        };
        assert!(stderr.contains(&at), "coord {sub}: no `{at}` in\n{stderr}");
        for w in words {
            assert!(stderr.contains(w), "coord {sub}: no `{w}` in\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn an_unknown_key_is_pointed_at() {
    rejects(
        "[services.db]\ncommand = \"true\"\nfrobnicate = 1\n",
        3,
        Some(1),
        &["frobnicate"],
    );
}

#[test]
fn a_bad_duration_is_pointed_at() {
    rejects(
        "[services.db]\ncommand = \"true\"\nstop_grace = \"ten seconds\"\n",
        3,
        Some(14),
        &[],
    );
}

#[test]
fn a_toml_syntax_error_is_pointed_at() {
    rejects("[services.db]\ncommand = \"true\n", 2, None, &[]);
}

#[test]
fn an_unknown_dependency_is_pointed_at() {
    rejects(
        "[services.api]\ncommand = \"true\"\ndepends_on = { databse = \"required\" }\n",
        3,
        None,
        &["databse"],
    );
}

#[test]
fn a_cycle_names_its_services() {
    let text = "[services.a]\ncommand = \"true\"\ndepends_on = { b = \"required\" }\n\n\
                [services.b]\ncommand = \"true\"\ndepends_on = { a = \"required\" }\n";
    let dir = TestDir::new("invalid-cycle");
    let file = dir.write("bad.toml", text);
    for sub in ["check", "run"] {
        let (code, stderr) = coord_on(sub, &file);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("bad.toml:"), "{stderr}");
        assert!(stderr.contains("cycle"), "{stderr}");
        assert!(stderr.contains('a') && stderr.contains('b'), "{stderr}");
    }
}

#[test]
fn a_missing_file_is_exit_2() {
    let dir = TestDir::new("invalid-missing");
    let (code, stderr) = coord_on("run", &dir.file("nope.toml"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nope.toml"), "{stderr}");
}

/// Every file in `fixtures/invalid/` is rejected with exit 2 and a located error naming it.
#[test]
fn every_invalid_fixture_is_rejected_with_a_location() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/invalid");
    let Ok(entries) = std::fs::read_dir(&fixtures) else {
        eprintln!("SKIP: {} does not exist", fixtures.display());
        return;
    };
    let re = regex::Regex::new(r":\d+:\d+").unwrap();
    let mut checked = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (code, stderr) = coord_on("check", &path);
        assert_eq!(code, 2, "{name}:\n{stderr}");
        let located = stderr.lines().any(|l| {
            l.find(&name)
                .is_some_and(|i| re.is_match(&l[i + name.len()..]))
        });
        assert!(located, "{name}: no `{name}:LINE:COL` in\n{stderr}");
        checked += 1;
    }
    eprintln!("{checked} invalid fixtures checked");
}

#[test]
fn a_duration_over_a_year_is_pointed_at() {
    rejects(
        "[services.db]\ncommand = \"true\"\nrestart = { policy = \"always\", backoff = \"300000000000y\", backoff_max = \"300000000000y\" }\n",
        3,
        Some(42),
        &["longer than the maximum of 1year", "backoff_max"],
    );
}

#[test]
fn what_the_os_would_refuse_at_spawn_is_pointed_at() {
    rejects(
        "[services.db]\ncommand = \"true\"\nenv = { \"A=B\" = \"1\", C = \"x\\u0000\" }\n",
        3,
        Some(9),
        &["contains `=`", "NUL byte"],
    );
}
