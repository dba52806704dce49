//! Stacks built in code: the original design's netra stack (for tests that must not depend on the
//! parser) and random dependency DAGs of any size (for the benchmark).

use coord_core::stack::{
    CommandSpec, Coordination, Dependency, DependencyKind, PortRange, PortSpec, Probe, ProbeCheck,
    RestartSpec, Service, ServiceKind, Stack, StopSignal, default_port_ranges,
};
use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// A long-running service named `name` with the stack defaults: no port, no probes, no
/// dependencies. Adjust its public fields, or use [`with_port`] / [`depends`].
pub fn service(name: &str) -> Service {
    Service {
        name: name.to_string(),
        kind: ServiceKind::Service,
        command: CommandSpec::Argv(vec![format!("./{name}")]),
        working_dir: None,
        env: Default::default(),
        port: None,
        socket_activation: false,
        url: "http://$HOST:$PORT".to_string(),
        depends_on: Vec::new(),
        ready: None,
        live: None,
        min_uptime: Duration::from_millis(500),
        readiness_timeout: Coordination::default().readiness_timeout,
        restart: RestartSpec::default(),
        stop_signal: StopSignal::Term,
        stop_grace: Duration::from_secs(10),
        optional: false,
    }
}

/// A tcp readiness probe with the defaults (1 s period and timeout, one success needed).
pub fn tcp_probe() -> Probe {
    probe(ProbeCheck::Tcp, Duration::from_secs(1))
}

/// A probe of `check` with `period` and the other defaults.
pub fn probe(check: ProbeCheck, period: Duration) -> Probe {
    Probe {
        check,
        period,
        timeout: Duration::from_secs(1),
        success_threshold: 1,
        failure_threshold: 3,
    }
}

/// Gives `service` an allocated port (`preferred`, then `range`) and the tcp readiness probe the
/// parser fills in for a service with a port and no `ready`.
pub fn with_port(
    mut service: Service,
    preferred: Option<u16>,
    range: (&str, PortRange),
) -> Service {
    service.port = Some(PortSpec::Allocated {
        preferred,
        range_name: range.0.to_string(),
        range: range.1,
    });
    if service.ready.is_none() {
        service.ready = Some(tcp_probe());
    }
    service
}

/// Adds a dependency of `kind` on the service `target` (id and name) with `timeout`.
pub fn depends(
    service: &mut Service,
    target: (usize, &str),
    kind: DependencyKind,
    timeout: Duration,
) {
    service.depends_on.push(Dependency {
        service: target.0,
        name: target.1.to_string(),
        kind,
        timeout,
    });
}

/// A stack of `services` with the default coordination settings and port ranges.
pub fn stack(file: &str, services: Vec<Service>) -> Stack {
    Stack {
        file: file.to_string(),
        coordination: Coordination::default(),
        port_ranges: default_port_ranges(),
        services,
    }
}

fn range(name: &'static str) -> (&'static str, PortRange) {
    (name, default_port_ranges()[name])
}

/// The original design's five services, as `fixtures/netra.toml` describes them: database and
/// redis (optional) first, auth needs database and optionally redis, backend needs all three,
/// frontend (optional) needs backend.
pub fn netra() -> Stack {
    let s = Duration::from_secs;
    let database = with_port(service("database"), Some(5432), range("development"));
    let mut redis = with_port(service("redis"), Some(6379), range("development"));
    redis.optional = true;
    let mut auth = with_port(service("auth"), None, range("auth_services"));
    auth.optional = true;
    depends(&mut auth, (0, "database"), DependencyKind::Required, s(30));
    depends(&mut auth, (1, "redis"), DependencyKind::Optional, s(10));
    let mut backend = with_port(service("backend"), Some(8000), range("backend_services"));
    depends(
        &mut backend,
        (0, "database"),
        DependencyKind::Required,
        s(30),
    );
    depends(&mut backend, (1, "redis"), DependencyKind::Required, s(15));
    depends(&mut backend, (2, "auth"), DependencyKind::Required, s(45));
    let mut frontend = with_port(service("frontend"), Some(3000), range("frontend_services"));
    frontend.optional = true;
    depends(
        &mut frontend,
        (3, "backend"),
        DependencyKind::Required,
        s(60),
    );
    let mut stack = stack("netra.toml", vec![database, redis, auth, backend, frontend]);
    stack.coordination.required_services = vec!["database".into(), "backend".into()];
    stack.coordination.optional_services = vec!["redis".into(), "auth".into(), "frontend".into()];
    stack
}

/// A random acyclic stack of `n` services: service `i` depends on up to `max_deps` services with
/// smaller ids (required, optional or soft), a quarter of them are tasks, half have a port from one
/// large range. Deterministic in `seed`. Used to measure how the cost grows with services and edges.
pub fn random_dag(n: usize, max_deps: usize, seed: u64) -> Stack {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let big = PortRange {
        start: 10_000,
        end: 60_000,
    };
    let mut services = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("s{i}");
        let mut svc = service(&name);
        if i % 4 == 3 {
            svc.kind = ServiceKind::Task;
        } else if rng.random_bool(0.5) {
            svc = with_port(svc, None, ("big", big));
        }
        svc.min_uptime = Duration::from_millis(50);
        if i > 0 {
            let deps = rng.random_range(0..=max_deps.min(i));
            let mut chosen: Vec<usize> = (0..deps).map(|_| rng.random_range(0..i)).collect();
            chosen.sort_unstable();
            chosen.dedup();
            for d in chosen {
                let kind = match rng.random_range(0..10) {
                    0..=6 => DependencyKind::Required,
                    7..=8 => DependencyKind::Optional,
                    _ => DependencyKind::Soft,
                };
                depends(
                    &mut svc,
                    (d, &format!("s{d}")),
                    kind,
                    Duration::from_secs(60),
                );
            }
        }
        services.push(svc);
    }
    let mut stack = stack("random-dag.toml", services);
    stack.port_ranges.insert("big".to_string(), big);
    stack.coordination.max_parallel_starts = 64;
    stack
}

/// The small random stack of `sim --random-stack` for `seed`: 4 to 15 services with up to 3
/// dependencies each (see [`random_dag`]), `max_parallel_starts` 1 to 4, every third service
/// optional. Deterministic in `seed`.
pub fn random_small(seed: u64) -> Stack {
    let n = 4 + (seed % 12) as usize;
    let mut stack = random_dag(n, 3, seed);
    stack.file = "random-stack.toml".to_string();
    stack.coordination.max_parallel_starts = 1 + (seed % 4) as usize;
    for (i, s) in stack.services.iter_mut().enumerate() {
        s.optional = (i as u64 + seed).is_multiple_of(3);
    }
    stack
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netra_has_the_design_edges() {
        let s = netra();
        let names: Vec<&str> = s.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["database", "redis", "auth", "backend", "frontend"]);
        let backend = &s.services[3];
        assert_eq!(backend.depends_on.len(), 3);
        assert!(
            backend
                .depends_on
                .iter()
                .all(|d| d.kind == DependencyKind::Required)
        );
        assert_eq!(s.services[2].depends_on[1].kind, DependencyKind::Optional);
        assert!(s.services[1].optional && !s.services[0].optional);
    }

    #[test]
    fn random_dag_is_acyclic_and_deterministic() {
        let a = random_dag(200, 4, 9);
        assert_eq!(a, random_dag(200, 4, 9));
        assert_ne!(a, random_dag(200, 4, 10));
        for (i, s) in a.services.iter().enumerate() {
            assert!(s.depends_on.iter().all(|d| d.service < i));
        }
    }
}
