//! Dependency order, discovery variables, ports and the registry on the netra stack.

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{env_of, listening_port, position};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

use crate::stacks::{NETRA, NETRA_EDGES, Netra, netra};

#[test]
fn netra_starts_in_dependency_order_with_discovery_env() {
    let dir = TestDir::new("netra-order");
    let stack = dir.write(
        "coord.toml",
        &netra(
            &dir,
            Netra {
                delays: [150, 50, 100, 100, 20],
            },
        ),
    );
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("5/5 ready"), "{summary}");
    let events = dir.events().read();
    let log = dir.events().dump();

    // Nobody started before each of its dependencies was ready.
    for (dependent, dependency) in NETRA_EDGES {
        let ready = position(&events, dependency, "ready")
            .unwrap_or_else(|| panic!("{dependency} never ready\n{log}"));
        let start = position(&events, dependent, "start")
            .unwrap_or_else(|| panic!("{dependent} never started\n{log}"));
        assert!(
            ready < start,
            "{dependent} started before {dependency} was ready\n{log}"
        );
    }

    // Each service got its own port from the range, as $PORT, and dependents were told it.
    let range = dir.ports().ports(0, 16);
    let mut ports = Vec::new();
    for name in NETRA {
        let port =
            listening_port(&events, name).unwrap_or_else(|| panic!("{name}: no port\n{log}"));
        assert!(range.contains(&port), "{name} on {port}, outside {range:?}");
        assert_eq!(
            env_of(&events, name, "PORT"),
            Some(port.to_string()),
            "{name}'s $PORT"
        );
        ports.push(port);
    }
    let mut distinct = ports.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "two services share a port: {ports:?}");

    let port_of = |name: &str| listening_port(&events, name).unwrap().to_string();
    let host = env_of(&events, "auth", "DATABASE_HOST").expect("auth got DATABASE_HOST");
    assert!(!host.is_empty());
    assert_eq!(
        env_of(&events, "auth", "DATABASE_PORT"),
        Some(port_of("database"))
    );
    let db_url = env_of(&events, "auth", "DATABASE_URL").expect("auth got DATABASE_URL");
    assert_eq!(db_url, format!("http://{host}:{}", port_of("database")));
    assert_eq!(
        env_of(&events, "auth", "REDIS_PORT"),
        Some(port_of("redis"))
    );
    assert_eq!(
        env_of(&events, "backend", "AUTH_PORT"),
        Some(port_of("auth"))
    );
    assert_eq!(
        env_of(&events, "backend", "DATABASE_PORT"),
        Some(port_of("database"))
    );
    assert_eq!(
        env_of(&events, "backend", "REDIS_PORT"),
        Some(port_of("redis"))
    );
    assert_eq!(
        env_of(&events, "frontend", "BACKEND_PORT"),
        Some(port_of("backend"))
    );

    // The registry beside the stack file records every service with its port, readable only by
    // its owner.
    let registry = dir.file(".coord/registry.json");
    let text = std::fs::read_to_string(&registry)
        .unwrap_or_else(|e| panic!("{}: {e}", registry.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("the registry is JSON");
    for name in NETRA {
        assert!(
            text.contains(&format!("\"{name}\"")),
            "{name} not in the registry:\n{text}"
        );
        assert!(
            json_has_number(&json, u64::from(listening_port(&events, name).unwrap())),
            "{name}'s port not in the registry:\n{text}"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&registry).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "registry mode");

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    let pids = dir.events().pids();
    if let Err(left) = procs::wait_all_gone(&pids, PATIENCE) {
        panic!("still running after coord exited: {left:?}");
    }
}

fn json_has_number(v: &serde_json::Value, n: u64) -> bool {
    match v {
        serde_json::Value::Number(x) => x.as_u64() == Some(n),
        serde_json::Value::Array(a) => a.iter().any(|x| json_has_number(x, n)),
        serde_json::Value::Object(o) => o.values().any(|x| json_has_number(x, n)),
        serde_json::Value::String(s) => s.contains(&format!(":{n}")),
        _ => false,
    }
}

#[test]
fn check_prints_the_startup_order() {
    let dir = TestDir::new("netra-check");
    let stack = dir.write("coord.toml", &netra(&dir, Netra::default()));
    let mut coord = CoordRun::start(dir.path(), &["check", "-f", &stack.to_string_lossy()]);
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    let out = coord
        .lines(coord_tests::harness::coord::Pipe::Out)
        .join("\n");
    let at = |name: &str| {
        out.find(name)
            .unwrap_or_else(|| panic!("{name} missing:\n{out}"))
    };
    for (dependent, dependency) in NETRA_EDGES {
        assert!(
            at(dependency) < at(dependent),
            "{dependency} listed after {dependent}:\n{out}"
        );
    }
}

#[test]
fn discover_waits_for_readiness_and_prints_the_url() {
    let dir = TestDir::new("discover");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.db]
command = {db}
port = {{ range = "test" }}
ready = {{ http = "/health" }}
"#,
        range = dir.ports().range(0, 4),
        db = dir.toy(
            "db",
            &["--ready-when-exists", &dir.file("gate").to_string_lossy()]
        ),
    );
    let stack = dir.write("coord.toml", &stack);
    let file = stack.to_string_lossy().into_owned();
    let mut coord = CoordRun::run(&stack);
    let events = coord.wait_events(dir.events(), |ev| listening_port(ev, "db").is_some());
    let port = listening_port(&events, "db").unwrap();
    let mut discover = CoordRun::start(
        dir.path(),
        &["discover", "db", "-f", &file, "--wait", "60s"],
    );
    // db is not ready yet: discover must still be waiting (a check of state, not of time).
    assert!(
        discover.wait_exit(std::time::Duration::ZERO).is_none(),
        "discover answered before db was ready:\n{}",
        discover.transcript()
    );
    dir.touch("gate");
    assert_eq!(discover.exit_code(PATIENCE), 0, "{}", discover.transcript());
    let out = discover
        .lines(coord_tests::harness::coord::Pipe::Out)
        .join("\n");
    assert!(
        out.contains(&format!(":{port}")),
        "discover printed {out:?}, db is on {port}"
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}
