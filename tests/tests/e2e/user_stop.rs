//! A user stop never fails the run: `coord stop slow` while api (requires slow) waits leaves api
//! waiting, `coord status` says why, and `coord restart slow` lets it start.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, coord_cmd, is_summary};
use coord_tests::harness::events::has;
use coord_tests::harness::testdir::TestDir;

#[test]
fn stopping_a_dependency_keeps_its_waiting_dependent_waiting_until_it_is_restarted() {
    let dir = TestDir::new("user-stop");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.slow]
command = {slow}
port = {{ range = "test" }}

[services.api]
command = {api}
depends_on = {{ slow = {{ kind = "required", timeout = "1s" }} }}
"#,
        range = dir.ports().range(0, 4),
        slow = dir.toy(
            "slow",
            &["--bind-when-exists", &dir.file("gate").to_string_lossy()]
        ),
        api = dir.toy("api", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let file = stack.to_string_lossy().into_owned();
    let mut coord = CoordRun::run(&stack);
    coord.wait_events(dir.events(), |ev| has(ev, "slow", "start"));

    let (code, _, all) = coord_cmd(dir.path(), &file, &["stop", "slow"]);
    assert_eq!(code, 0, "{all}");
    coord
        .wait_line(PATIENCE, |l| l.contains("slow: stopping -> stopped"))
        .unwrap_or_else(|t| panic!("{t}"));
    // api waits, and status says why (wait for the words, generously: no timing asserted).
    let deadline = std::time::Instant::now() + PATIENCE;
    let status = loop {
        let (code, out, all) = coord_cmd(dir.path(), &file, &["status"]);
        assert_eq!(code, 0, "{all}");
        if out.contains("waiting for slow (stopped on request)") {
            break out;
        }
        assert!(
            !out.contains("failed"),
            "the user stop failed the run:\n{out}\n{}",
            coord.transcript()
        );
        assert!(std::time::Instant::now() < deadline, "{out}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("api") && l.contains("waiting")),
        "{status}"
    );
    assert!(!has(&dir.events().read(), "api", "start"));

    dir.touch("gate");
    let (code, _, all) = coord_cmd(dir.path(), &file, &["restart", "slow"]);
    assert_eq!(code, 0, "{all}");
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("2/2 ready"), "{summary}");
    assert!(
        !coord.transcript().contains("dependency slow was stopped"),
        "{}",
        coord.transcript()
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}
