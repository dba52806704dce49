//! `watch`: a file change restarts the watched service and, with `cascade`, its required
//! dependent once the service is ready again; a burst of changes within the debounce restarts
//! it once. Restarts are counted from coord's transition lines and the toys' start events; no
//! duration is asserted.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::Event;
use coord_tests::harness::testdir::TestDir;

/// db <- api (watched, cascade) <- web; `debounce` as given.
fn stack(dir: &TestDir, debounce: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.file("src/pkg")).expect("mkdir src");
    let text = format!(
        r#"[services.db]
command = {db}

[services.api]
command = {api}
depends_on = {{ db = "required" }}
watch = {{ paths = ["src"], include = ["*.py"], debounce = "{debounce}", cascade = true }}

[services.web]
command = {web}
depends_on = {{ api = "required" }}
"#,
        db = dir.toy("db", &[]),
        api = dir.toy("api", &[]),
        web = dir.toy("web", &[]),
    );
    dir.write("coord.toml", &text)
}

fn starts(events: &[Event], name: &str) -> usize {
    events
        .iter()
        .filter(|e| e.name == name && e.event == "start")
        .count()
}

/// coord's lines saying `name` restarts because files changed.
fn watch_restarts(coord: &mut CoordRun, name: &str) -> Vec<String> {
    let prefix = format!("{name}: ");
    coord
        .transcript()
        .lines()
        .filter(|l| l.contains(&prefix) && l.contains("-> restarting (files changed ("))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_file_change_restarts_the_watched_service_then_its_dependent() {
    let dir = TestDir::new("watch-cascade");
    let stack = stack(&dir, "200ms");
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.wait_events(dir.events(), |ev| starts(ev, "web") == 1);
    // Not watched: a README, a file in an ignored directory.
    std::fs::write(dir.file("src/README.md"), "docs").expect("write");
    std::fs::create_dir_all(dir.file("src/node_modules")).expect("mkdir");
    std::fs::write(dir.file("src/node_modules/x.py"), "x = 1").expect("write");
    std::fs::write(dir.file("src/pkg/app.py"), "print('v2')").expect("write");
    let events = coord.wait_events(dir.events(), |ev| starts(ev, "web") == 2);
    let log = dir.events().dump();
    assert_eq!(starts(&events, "api"), 2, "{log}");
    assert_eq!(starts(&events, "db"), 1, "db is not restarted\n{log}");
    // In order: the new api starts before the new web, and web's restart follows api's ready.
    let second = |name: &str| {
        events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.name == name && e.event == "start")
            .nth(1)
            .map(|(i, _)| i)
    };
    assert!(second("api") < second("web"), "{log}");
    coord
        .wait_line(PATIENCE, |l| {
            l.contains("web: ready -> restarting (dependency api restarted")
        })
        .unwrap_or_else(|t| panic!("{t}"));
    let transcript = coord.transcript();
    let api_ready_again = transcript
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("api: starting -> ready"))
        .nth(1)
        .map(|(i, _)| i);
    let web_restart = transcript
        .lines()
        .position(|l| l.contains("web: ready -> restarting"));
    assert!(
        api_ready_again.is_some() && api_ready_again < web_restart,
        "web restarted before api was ready again\n{transcript}"
    );
    let restarts = watch_restarts(&mut coord, "api");
    assert_eq!(restarts.len(), 1, "{restarts:?}");
    assert!(
        restarts[0].contains("files changed (pkg/app.py)"),
        "{restarts:?}"
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}

#[test]
fn a_burst_of_changes_within_the_debounce_restarts_once() {
    let dir = TestDir::new("watch-burst");
    // Generous: the burst below is a few writes in a row.
    let stack = stack(&dir, "3s");
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    coord.wait_events(dir.events(), |ev| starts(ev, "web") == 1);
    for i in 0..8 {
        std::fs::write(dir.file(&format!("src/burst{i}.py")), format!("x = {i}")).expect("write");
    }
    coord.wait_events(dir.events(), |ev| starts(ev, "web") == 2);
    // A sentinel change after the first restart is over: its restart is the next one, so any
    // extra restart from the burst would show up before it.
    std::fs::write(dir.file("src/sentinel.py"), "done").expect("write");
    coord
        .wait_line(PATIENCE, |l| l.contains("files changed (sentinel.py)"))
        .unwrap_or_else(|t| panic!("{t}"));
    let events = coord.wait_events(dir.events(), |ev| starts(ev, "web") == 3);
    let restarts = watch_restarts(&mut coord, "api");
    assert_eq!(
        restarts.len(),
        2,
        "one for the burst, one for the sentinel: {restarts:?}"
    );
    assert!(restarts[0].contains("burst"), "{restarts:?}");
    assert_eq!(starts(&events, "api"), 3, "{}", dir.events().dump());
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}
