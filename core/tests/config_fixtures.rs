//! The stack files in `fixtures/` parse into the stacks they describe.

use coord_core::Stack;
use coord_core::stack::{
    CommandSpec, DependencyKind, PortRange, PortSpec, ProbeCheck, RestartPolicy, ServiceKind,
    StopSignal, default_port_ranges,
};
use std::path::Path;
use std::time::Duration;

fn fixture(name: &str) -> Stack {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    Stack::parse(&format!("fixtures/{name}"), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// `(dependency name, kind, timeout in seconds)` of each dependency of `service`.
fn deps(stack: &Stack, service: &str) -> Vec<(String, DependencyKind, u64)> {
    let id = stack.service_id(service).unwrap();
    stack.services[id]
        .depends_on
        .iter()
        .map(|d| {
            assert_eq!(stack.services[d.service].name, d.name, "id and name agree");
            (d.name.clone(), d.kind, d.timeout.as_secs())
        })
        .collect()
}

#[test]
fn netra_has_the_original_design_shape() {
    let stack = fixture("netra.toml");
    let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["database", "redis", "auth", "backend", "frontend"]);
    let c = &stack.coordination;
    assert_eq!(c.max_parallel_starts, 3);
    assert_eq!(c.dependency_timeout, Duration::from_secs(60));
    assert_eq!(c.readiness_timeout, Duration::from_secs(90));
    assert_eq!(c.startup_retry_count, 2);
    assert!(c.graceful_degradation);
    assert_eq!(c.required_services, ["database", "backend"]);
    assert_eq!(c.optional_services, ["redis", "auth", "frontend"]);
    assert_eq!(stack.port_ranges, default_port_ranges());

    use DependencyKind::{Optional, Required};
    let d = |n: &str, k, t| (n.to_string(), k, t);
    assert!(deps(&stack, "database").is_empty());
    assert!(deps(&stack, "redis").is_empty());
    assert_eq!(
        deps(&stack, "auth"),
        [d("database", Required, 30), d("redis", Optional, 10)]
    );
    assert_eq!(
        deps(&stack, "backend"),
        [
            d("database", Required, 30),
            d("redis", Required, 15),
            d("auth", Required, 45)
        ]
    );
    assert_eq!(deps(&stack, "frontend"), [d("backend", Required, 60)]);

    let optional: Vec<bool> = stack.services.iter().map(|s| s.optional).collect();
    assert_eq!(optional, [false, true, true, false, true]);

    let database = &stack.services[0];
    assert_eq!(
        database.port,
        Some(PortSpec::Allocated {
            preferred: Some(5432),
            range_name: "development".into(),
            range: PortRange {
                start: 8000,
                end: 9999
            },
        })
    );
    // redis has a port and no `ready`: a tcp probe is filled in.
    assert_eq!(
        stack.services[1].ready.as_ref().unwrap().check,
        ProbeCheck::Tcp
    );
    let auth = &stack.services[2];
    assert!(matches!(&auth.command, CommandSpec::Argv(argv) if argv[0] == "python3"));
    assert_eq!(auth.restart.policy, RestartPolicy::OnFailure);
    let live = auth.live.as_ref().unwrap();
    assert_eq!(
        (live.period, live.failure_threshold),
        (Duration::from_secs(10), 3)
    );
    assert_eq!(
        auth.readiness_timeout,
        Duration::from_secs(90),
        "coordination default"
    );
}

#[test]
fn demo_runs_with_sh_and_python_only() {
    let stack = fixture("demo.toml");
    let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["database", "migrate", "api", "web", "worker"]);
    assert_eq!(stack.coordination.max_parallel_starts, 2);
    for service in &stack.services {
        let program = match &service.command {
            CommandSpec::Shell(line) => line.split_whitespace().next().unwrap().to_string(),
            CommandSpec::Argv(argv) => argv[0].clone(),
        };
        assert!(["python3", "echo"].contains(&program.as_str()), "{program}");
    }

    let migrate = &stack.services[1];
    assert_eq!(migrate.kind, ServiceKind::Task);
    assert!(migrate.ready.is_none() && migrate.port.is_none());
    use DependencyKind::{Optional, Required};
    let d = |n: &str, k, t| (n.to_string(), k, t);
    assert_eq!(deps(&stack, "migrate"), [d("database", Required, 60)]);
    assert_eq!(
        deps(&stack, "api"),
        [d("migrate", Required, 60), d("database", Required, 60)]
    );
    assert_eq!(deps(&stack, "web"), [d("api", Required, 60)]);
    assert_eq!(deps(&stack, "worker"), [d("api", Optional, 20)]);

    let api = &stack.services[2];
    assert_eq!(
        api.ready.as_ref().unwrap().check,
        ProbeCheck::Http {
            path: "/".into(),
            body: Some("Directory listing".into())
        }
    );
    assert_eq!(api.ready.as_ref().unwrap().period, Duration::from_secs(1));
    assert_eq!(api.live.as_ref().unwrap().period, Duration::from_secs(5));
    assert_eq!(
        stack.services[3].ready.as_ref().unwrap().check,
        ProbeCheck::Log {
            pattern: "Serving HTTP on".into()
        }
    );
    let worker = &stack.services[4];
    assert!(worker.optional && worker.ready.is_none() && worker.port.is_none());
    assert_eq!(worker.min_uptime, Duration::from_millis(300));
    assert_eq!(worker.stop_signal, StopSignal::Int);
    assert_eq!(worker.url, "http://$HOST:$PORT");
}
