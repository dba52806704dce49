//! The restart backoff is logged: `api: restarting in 1.03 s (restart 1 of 2)`, also on the
//! event stream.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::CoordRun;
use coord_tests::harness::testdir::TestDir;

/// Whether `line` ends with `api: restarting in 1.NN s (restart 1 of 2)`.
fn is_notice(line: &str) -> bool {
    let Some(at) = line.find("api: restarting in ") else {
        return false;
    };
    let rest = &line[at + "api: restarting in ".len()..];
    let Some(frac) = rest
        .strip_prefix("1.")
        .and_then(|r| r.strip_suffix(" s (restart 1 of 2)"))
    else {
        return false;
    };
    frac.len() == 2 && frac.bytes().all(|b| b.is_ascii_digit())
}

#[test]
fn a_restart_logs_its_backoff_delay_and_count() {
    let dir = TestDir::new("backoff-notice");
    let stack = format!(
        r#"[services.api]
command = {api}
restart = {{ policy = "on-failure", max_restarts = 2, backoff = "1s" }}
"#,
        api = dir.toy("api", &["--crash-after", "800", "--exit-code", "7"]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_notice)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.interrupt();
    coord.exit_code(PATIENCE);
}

#[test]
fn the_notice_text_is_recognised() {
    assert!(is_notice(
        "   1.2s  INFO api: restarting in 1.03 s (restart 1 of 2)"
    ));
    assert!(!is_notice("api: restarting in 1.3 s (restart 1 of 2)"));
}
