//! File-watch restarts: the driver reports each change; the core debounces (a burst restarts
//! once, `debounce` after the last change), restarts through the `coord restart` path, and with
//! `cascade` restarts the running required dependents once the watched service is ready again,
//! in dependency order.

mod common;

use common::Harness;
use coord_core::stack::Stack;
use coord_core::{Input, ServiceState};
use std::time::Duration;

const STACK: &str = r#"
[services.db]
command = "db"

[services.api]
command = "api"
depends_on = { db = "required" }
watch = { paths = ["src"], include = ["*.py"], debounce = "300ms", cascade = true }

[services.web]
command = "web"
depends_on = { api = "required" }

[services.docs]
command = "docs"
depends_on = { api = "optional" }

[services.plain]
command = "plain"
depends_on = { db = "required" }
watch = { paths = ["."] }
"#;

fn change(h: &mut Harness, name: &str, path: &str) {
    let service = h.id(name);
    h.input(Input::FilesChanged {
        service,
        path: path.into(),
    });
}

/// The times `name` entered `restarting`.
fn restarts(h: &Harness, name: &str) -> Vec<u64> {
    h.transitions(name)
        .into_iter()
        .filter(|(_, s)| s == "restarting")
        .map(|(t, _)| t)
        .collect()
}

fn up(h: &mut Harness) {
    h.start(&[]);
    h.run_until(10_000);
    for name in ["db", "api", "web", "docs", "plain"] {
        assert_eq!(h.state(name), ServiceState::Ready, "{name}");
    }
}

#[test]
fn a_burst_of_changes_within_the_debounce_restarts_once_after_the_last() {
    let mut h = Harness::new(STACK);
    up(&mut h);
    let t0 = h.now;
    for (i, at) in [0, 100, 250, 500].into_iter().enumerate() {
        h.run_until(t0 + at);
        change(&mut h, "plain", &format!("src/f{i}.py"));
    }
    h.run_until(t0 + 5_000);
    assert_eq!(restarts(&h, "plain"), vec![t0 + 500 + 300]);
    assert_eq!(h.spawns("plain").len(), 2);
    assert_eq!(h.state("plain"), ServiceState::Ready);
    let reason = h
        .reasons("plain")
        .into_iter()
        .find(|(_, s, _)| s == "restarting")
        .map(|(_, _, r)| r);
    assert_eq!(reason.as_deref(), Some("files changed (src/f3.py)"));
    // Changes farther apart than the debounce are two bursts: two restarts.
    let t1 = h.now;
    change(&mut h, "plain", "a");
    h.run_until(t1 + 2_000);
    change(&mut h, "plain", "b");
    h.run_until(t1 + 4_000);
    assert_eq!(restarts(&h, "plain").len(), 3);
    // Without cascade its dependents are left alone.
    assert!(restarts(&h, "db").is_empty());
}

#[test]
fn cascade_restarts_required_dependents_after_the_service_is_ready_again_in_order() {
    let mut h = Harness::new(STACK);
    up(&mut h);
    h.script("api").ready_after = Some(400);
    h.script("web").ready_after = Some(200);
    let t0 = h.now;
    change(&mut h, "api", "src/app.py");
    h.run_until(t0 + 10_000);
    let api_restart = restarts(&h, "api");
    assert_eq!(api_restart, vec![t0 + 300]);
    let api_ready_again = h
        .transitions("api")
        .into_iter()
        .filter(|(t, s)| s == "ready" && *t > t0)
        .map(|(t, _)| t)
        .next()
        .expect("api ready again");
    let web_restart = restarts(&h, "web");
    assert_eq!(web_restart, vec![api_ready_again], "web after api is ready");
    assert_eq!(h.state("web"), ServiceState::Ready);
    assert_eq!(h.spawns("web").len(), 2);
    // An optional dependent and the dependency are not restarted.
    assert!(restarts(&h, "docs").is_empty());
    assert!(restarts(&h, "db").is_empty());
    assert_eq!(h.spawns("docs").len(), 1);
}

#[test]
fn changes_are_ignored_for_unwatched_or_operator_stopped_services_and_after_shutdown() {
    let mut h = Harness::new(STACK);
    up(&mut h);
    change(&mut h, "db", "x");
    h.run_until(h.now + 2_000);
    assert!(restarts(&h, "db").is_empty());
    let plain = h.id("plain");
    h.input(Input::StopService { service: plain });
    h.run_until(h.now + 1_000);
    change(&mut h, "plain", "x");
    h.run_until(h.now + 2_000);
    assert_eq!(h.state("plain"), ServiceState::Stopped);
    // A burst in flight when the run shuts down restarts nothing.
    change(&mut h, "api", "src/a.py");
    h.input(Input::Shutdown);
    h.run_until(h.now + 30_000);
    assert!(restarts(&h, "api").is_empty());
    assert!(h.outcome().is_some());
}

#[test]
fn watch_tables_are_checked_with_line_and_column() {
    let ok = Stack::parse("s.toml", STACK).expect("valid");
    let watch = ok.services[1].watch.as_ref().expect("api watches");
    assert_eq!(watch.paths, ["src"]);
    assert_eq!(watch.include, ["*.py"]);
    assert!(watch.cascade);
    let plain = ok.services[4].watch.as_ref().expect("plain watches");
    assert_eq!(plain.debounce, Duration::from_millis(300));
    assert!(!plain.cascade);
    for (text, at, what) in [
        ("watch = { paths = [] }", "s.toml:3:19", "has no `paths`"),
        (
            "watch = { include = [\"*.py\"] }",
            "s.toml:3:9",
            "has no `paths`",
        ),
        (
            "watch = { paths = [\"src\"], include = [\"a[\"] }",
            "s.toml:3:39",
            "is not a glob",
        ),
        (
            "watch = { paths = [\"src\"], debounce = \"0s\" }",
            "s.toml:3:39",
            "longer than zero",
        ),
        (
            "watch = { paths = [\"src\"], every = 1 }",
            "s.toml:3:28",
            "unknown key `every`",
        ),
    ] {
        let stack = format!("[services.a]\ncommand = \"a\"\n{text}\n");
        let err = Stack::parse("s.toml", &stack).unwrap_err().to_string();
        assert!(err.contains(at) && err.contains(what), "{text}: {err}");
    }
}
