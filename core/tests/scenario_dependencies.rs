//! Dependency kinds (required / optional / soft), their timeouts, the cascade, tasks, env
//! injection and max_parallel_starts, driven by hand through the public API.

mod common;

use common::Harness;
use coord_core::{Action, RunOutcome, ServiceState};

const CHAIN: &str = r#"
[services.db]
command = "db"
port = { range = "development" }

[services.api]
command = "api"
port = { range = "development" }
depends_on = { db = "required" }

[services.web]
command = "web"
depends_on = { api = "required" }
"#;

#[test]
fn required_dependency_gates_the_spawn_until_ready() {
    let mut h = Harness::new(CHAIN);
    h.start(&[]);
    h.run_until(1_000);
    let db_ready = h.first("db", "ready").expect("db ready");
    let api_spawn = h.spawns("api")[0].0;
    let api_ready = h.first("api", "ready").expect("api ready");
    let web_spawn = h.spawns("web")[0].0;
    assert!(
        api_spawn >= db_ready,
        "api spawned at {api_spawn} before db ready at {db_ready}"
    );
    assert!(web_spawn >= api_ready);
    assert_eq!(
        h.state("web"),
        ServiceState::Ready,
        "no port, no probe: ready after min_uptime"
    );
}

#[test]
fn env_names_each_dependency_and_port() {
    let mut h = Harness::new(CHAIN);
    h.start(&[]);
    h.run_until(1_000);
    let db_port = h.spawns("db")[0].2.expect("db has a port");
    let (_, _, api_port, env) = h.spawns("api").remove(0);
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("PORT"), api_port.map(|p| p.to_string()));
    assert_eq!(get("DB_HOST").as_deref(), Some("127.0.0.1"));
    assert_eq!(get("DB_PORT"), Some(db_port.to_string()));
    assert_eq!(get("DB_URL"), Some(format!("http://127.0.0.1:{db_port}")));
    assert_eq!(get("DB_AVAILABLE").as_deref(), Some("1"));
    let mut sorted = env.clone();
    sorted.sort();
    assert_eq!(env, sorted, "env is sorted");
}

#[test]
fn required_failure_cascades_and_fails_the_run() {
    let toml = format!("[coordination]\nreadiness_timeout = \"1s\"\n{CHAIN}");
    let mut h = Harness::new(&toml);
    h.script("db").ready_after = None;
    h.start(&[]);
    h.run_until(10_000_000);
    assert!(matches!(h.state("db"), ServiceState::Failed(_)));
    assert_eq!(
        h.state("api"),
        ServiceState::Failed("dependency db failed".into())
    );
    assert!(h.spawns("api").is_empty(), "api never spawned");
    assert!(h.spawns("web").is_empty());
    assert_eq!(
        h.state("web"),
        ServiceState::Failed("dependency api failed".into()),
        "the cascade is transitive"
    );
    assert!(
        matches!(h.outcome(), Some(RunOutcome::Failed(r)) if r.starts_with("db failed: not ready within 1s"))
    );
}

const OPTIONAL: &str = r#"
[coordination]
optional_services = ["cache"]

[services.cache]
command = "cache"
port = { range = "development" }

[services.api]
command = "api"
port = { range = "development" }
depends_on = { cache = { kind = "optional", timeout = "10s" } }
"#;

#[test]
fn optional_dependency_failure_lets_the_dependent_start_without_it() {
    let mut h = Harness::new(OPTIONAL);
    h.script("cache").spawn_fails = true;
    h.start(&[]);
    h.run_until(60_000);
    assert!(matches!(h.state("cache"), ServiceState::Failed(_)));
    assert_eq!(h.state("api"), ServiceState::Ready);
    let env = &h.spawns("api")[0].3;
    assert!(env.contains(&("CACHE_AVAILABLE".into(), "0".into())));
    assert!(!env.iter().any(|(k, _)| k == "CACHE_PORT"));
    assert_eq!(
        h.outcome(),
        None,
        "an optional failure does not end the run"
    );
    let summary = h.log.iter().find_map(|l| match &l.command {
        Action::StartupFinished(s) => Some(s.clone()),
        _ => None,
    });
    let summary = summary.expect("startup finished");
    assert_eq!((summary.ready, summary.selected), (1, 2));
    assert!(!summary.run_failed);
}

#[test]
fn optional_dependency_timeout_starts_the_dependent_at_the_timeout() {
    let mut h = Harness::new(OPTIONAL);
    h.script("cache").ready_after = None; // hangs in Starting (readiness timeout is 90 s)
    h.start(&[]);
    h.run_until(30_000);
    let api_spawn = h.spawns("api")[0].0;
    assert_eq!(api_spawn, 10_000, "the optional edge's own 10 s timeout");
    assert_eq!(h.state("cache"), ServiceState::Starting);
    assert_eq!(h.state("api"), ServiceState::Ready);
}

#[test]
fn required_dependency_timeout_fails_the_dependent() {
    let toml = CHAIN.replace(
        "depends_on = { db = \"required\" }",
        "depends_on = { db = { kind = \"required\", timeout = \"2s\" } }",
    );
    let mut h = Harness::new(&toml);
    h.script("db").ready_after = None;
    h.start(&[]);
    h.run_until(5_000);
    assert_eq!(
        h.state("api"),
        ServiceState::Failed("dependency db not ready within 2s".into())
    );
    assert_eq!(h.first("api", "failed"), Some(2_000));
}

const SOFT: &str = r#"
[services.metrics]
command = "metrics"
port = { range = "development" }

[services.api]
command = "api"
port = { range = "development" }
depends_on = { metrics = { kind = "soft", timeout = "3s" } }
"#;

#[test]
fn soft_dependency_is_not_pulled_in_but_orders_when_present() {
    let mut h = Harness::new(SOFT);
    h.start(&["api"]);
    h.run_until(1_000);
    assert_eq!(
        h.state("metrics"),
        ServiceState::Skipped("not selected".into())
    );
    assert_eq!(h.spawns("api")[0].0, 0, "nothing to wait for");

    let mut h = Harness::new(SOFT);
    h.script("metrics").ready_after = Some(400);
    h.start(&[]);
    h.run_until(2_000);
    let metrics_ready = h.first("metrics", "ready").expect("ready");
    assert!(h.spawns("api")[0].0 >= metrics_ready);
}

#[test]
fn soft_dependency_timeout_and_failure_do_not_fail_the_dependent() {
    let mut h = Harness::new(SOFT);
    h.script("metrics").ready_after = None;
    h.start(&[]);
    h.run_until(10_000);
    assert_eq!(h.spawns("api")[0].0, 3_000, "soft timeout");
    assert_eq!(h.state("api"), ServiceState::Ready);
}

#[test]
fn selection_pulls_in_required_and_optional_dependencies() {
    let toml = format!(
        "{CHAIN}\n[services.extra]\ncommand = \"x\"\ndepends_on = {{ web = \"optional\" }}\n"
    );
    let mut h = Harness::new(&toml);
    h.start(&["api"]);
    h.run_until(1_000);
    assert_eq!(h.state("db"), ServiceState::Ready);
    assert_eq!(h.state("api"), ServiceState::Ready);
    assert_eq!(h.state("web"), ServiceState::Skipped("not selected".into()));
    assert_eq!(
        h.state("extra"),
        ServiceState::Skipped("not selected".into())
    );
}

#[test]
fn a_task_must_exit_zero_before_dependents_start() {
    let toml = r#"
[services.db]
command = "db"
port = { range = "development" }

[services.migrate]
kind = "task"
command = "migrate"
depends_on = { db = "required" }

[services.api]
command = "api"
depends_on = { db = "required", migrate = "required" }
"#;
    let mut h = Harness::new(toml);
    h.script("migrate").exit_after = Some((300, 0));
    h.start(&[]);
    h.run_until(5_000);
    let done = h
        .first("migrate", "completed")
        .expect("migration completed");
    assert!(h.spawns("api")[0].0 >= done);
    assert_eq!(h.state("api"), ServiceState::Ready);

    let mut h = Harness::new(toml);
    h.script("migrate").exit_after = Some((300, 1));
    h.start(&[]);
    h.run_until(60_000);
    assert!(
        matches!(h.state("migrate"), ServiceState::Failed(r) if r.contains("exited with code 1"))
    );
    assert_eq!(
        h.spawns("migrate").len(),
        3,
        "one attempt plus startup_retry_count = 2"
    );
    assert!(h.spawns("api").is_empty());
}

#[test]
fn max_parallel_starts_is_never_exceeded() {
    let mut toml = String::from("[coordination]\nmax_parallel_starts = 2\n");
    for i in 0..7 {
        toml.push_str(&format!(
            "[services.s{i}]\ncommand = \"s\"\nport = {{ range = \"development\" }}\n"
        ));
    }
    let mut h = Harness::new(&toml);
    for i in 0..7 {
        h.script(&format!("s{i}")).ready_after = Some(100 + 37 * i);
    }
    h.start(&[]);
    h.run_until(10_000);
    assert_eq!(h.max_starting(), 2);
    for i in 0..7 {
        assert_eq!(h.state(&format!("s{i}")), ServiceState::Ready);
    }
    // Ties start in file order.
    let firsts: Vec<u64> = (0..7).map(|i| h.spawns(&format!("s{i}"))[0].0).collect();
    let mut sorted = firsts.clone();
    sorted.sort();
    assert_eq!(firsts, sorted);
}
