//! Stacks built in code: the original design's netra stack (for tests that must not depend on the
//! parser) and random dependency DAGs of any size (for the benchmark).

use coord_core::stack::{
    CommandSpec, Coordination, Dependency, DependencyKind, PortRange, PortSpec, Probe, ProbeCheck,
    RestartSpec, Service, ServiceId, ServiceKind, Stack, StopSignal, default_port_ranges,
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
        env_from_files: Default::default(),
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
        stop_command: None,
        watch: None,
        optional: false,
        autostart: true,
        export: Default::default(),
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
        service: ServiceId::from_index(target.0),
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
/// optional. On top, from a side stream of the seed (see [`shake`]): fixed ports inside the
/// range, preferred ports equal to another service's fixed port, `exec` readiness probes,
/// extreme and zero-ish durations, and one stack in ten made of tasks only; and from another,
/// services held back with `autostart = false` ([`hold_back`]); and from a third, edges that
/// wait only for the dependency's process ([`start_only`]). Deterministic in `seed`.
pub fn random_small(seed: u64) -> Stack {
    let n = 4 + (seed % 12) as usize;
    let mut stack = random_dag(n, 3, seed);
    stack.file = "random-stack.toml".to_string();
    stack.coordination.max_parallel_starts = 1 + (seed % 4) as usize;
    for (i, s) in stack.services.iter_mut().enumerate() {
        s.optional = (i as u64 + seed).is_multiple_of(3);
    }
    shake(&mut stack, seed);
    hold_back(&mut stack, seed);
    start_only(&mut stack, seed);
    stack
}

/// One random stack in three waits on some edges only for the dependency's process to run
/// (`started`, process-compose's `process_started`): each edge becomes `started` with probability
/// 1/3, from a stream of its own so the rest of the stack stays what it was.
fn start_only(stack: &mut Stack, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x57a2_7ed0_0000_0001);
    if !rng.random_ratio(1, 3) {
        return;
    }
    for s in &mut stack.services {
        for d in &mut s.depends_on {
            if rng.random_ratio(1, 3) {
                d.kind = DependencyKind::Started;
            }
        }
    }
}

/// One random stack in three holds services back (`autostart = false`, each service with
/// probability 1/4, from a stream of its own): a bare run leaves them alone unless a selected
/// dependent pulls them in, and the operator starts them (`coord start`) at random moments.
fn hold_back(stack: &mut Stack, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x401d_bac4_0000_0001);
    if !rng.random_ratio(1, 3) {
        return;
    }
    for s in &mut stack.services {
        if rng.random_ratio(1, 4) {
            s.autostart = false;
        }
    }
}

/// The first ports of the random stacks' range: fixed ports are drawn among them, so they are
/// exactly the ports the range scan would hand out first.
const CONTESTED: std::ops::Range<u16> = 10_000..10_012;

/// The variations of [`random_small`] that reach the rules a plain DAG does not, drawn from their
/// own stream so the DAG itself stays what `random_dag` gives.
fn shake(stack: &mut Stack, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x51ac_ed5e_ed00_f1ed);
    if rng.random_ratio(1, 10) {
        for s in &mut stack.services {
            s.kind = ServiceKind::Task;
            s.port = None;
            s.ready = None;
        }
        return;
    }
    let mut fixed: Vec<u16> = Vec::new();
    for s in &mut stack.services {
        if matches!(s.port, Some(PortSpec::Allocated { .. })) && rng.random_ratio(1, 4) {
            let port = rng.random_range(CONTESTED);
            if !fixed.contains(&port) {
                fixed.push(port);
                s.port = Some(PortSpec::Fixed(port));
            }
        }
    }
    for s in &mut stack.services {
        if let Some(PortSpec::Allocated { preferred, .. }) = &mut s.port
            && !fixed.is_empty()
            && rng.random_ratio(1, 3)
        {
            *preferred = Some(fixed[rng.random_range(0..fixed.len())]);
        }
        if s.kind == ServiceKind::Service && s.port.is_none() && rng.random_ratio(1, 4) {
            s.ready = Some(probe(
                ProbeCheck::Exec {
                    command: "check".into(),
                },
                Duration::from_secs(1),
            ));
        }
    }
    match rng.random_range(0..4) {
        0 => extreme(stack, &mut rng, Duration::MAX),
        1 => zero_ish(stack, &mut rng),
        _ => {}
    }
}

/// Half the services get `huge` for every duration that only bounds a wait the run does not
/// need to sit out: backoff caps and windows, readiness probe periods, dependency timeouts.
fn extreme(stack: &mut Stack, rng: &mut ChaCha8Rng, huge: Duration) {
    for s in &mut stack.services {
        if !rng.random_bool(0.5) {
            continue;
        }
        s.restart.backoff_max = huge;
        s.restart.window = huge;
        s.restart.backoff_reset = huge;
        if let Some(p) = &mut s.ready {
            p.period = huge;
        }
        for d in &mut s.depends_on {
            d.timeout = huge;
        }
    }
}

/// Half the services get the smallest durations a stack file allows: 1 ms backoffs, uptime and
/// stop grace, and 0 ms timeouts on their optional and soft edges.
fn zero_ish(stack: &mut Stack, rng: &mut ChaCha8Rng) {
    let ms = Duration::from_millis(1);
    for s in &mut stack.services {
        if !rng.random_bool(0.5) {
            continue;
        }
        s.restart.backoff_initial = ms;
        s.restart.backoff_max = ms;
        s.min_uptime = ms;
        s.stop_grace = ms;
        for d in &mut s.depends_on {
            if d.kind != DependencyKind::Required {
                d.timeout = Duration::ZERO;
            }
        }
    }
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
    fn random_stacks_reach_fixed_ports_exec_probes_extremes_and_tasks_only_runs() {
        let stacks: Vec<Stack> = (0..400).map(random_small).collect();
        let fixed = |s: &Stack| -> Vec<u16> {
            s.services
                .iter()
                .filter_map(|x| match x.port {
                    Some(PortSpec::Fixed(p)) => Some(p),
                    _ => None,
                })
                .collect()
        };
        let preferred_on_fixed = stacks.iter().filter(|s| {
            let fixed = fixed(s);
            s.services.iter().any(|x| {
                matches!(x.port, Some(PortSpec::Allocated { preferred: Some(p), .. }) if fixed.contains(&p))
            })
        });
        assert!(preferred_on_fixed.count() > 20);
        assert!(stacks.iter().filter(|s| !fixed(s).is_empty()).count() > 100);
        let exec = stacks.iter().filter(|s| {
            s.services.iter().any(|x| {
                matches!(
                    x.ready.as_ref().map(|p| &p.check),
                    Some(ProbeCheck::Exec { .. })
                )
            })
        });
        assert!(exec.count() > 100);
        let huge = stacks.iter().filter(|s| {
            s.services
                .iter()
                .any(|x| x.restart.backoff_max == Duration::MAX)
        });
        assert!(huge.count() > 40);
        let tiny = stacks.iter().filter(|s| {
            s.services
                .iter()
                .any(|x| x.stop_grace == Duration::from_millis(1))
        });
        assert!(tiny.count() > 40);
        let tasks_only = stacks
            .iter()
            .filter(|s| s.services.iter().all(|x| x.kind == ServiceKind::Task));
        assert!(tasks_only.count() > 15);
        let held_back = stacks
            .iter()
            .filter(|s| s.services.iter().any(|x| !x.autostart));
        assert!(held_back.count() > 60);
        let started = stacks.iter().filter(|s| {
            s.services.iter().any(|x| {
                x.depends_on
                    .iter()
                    .any(|d| d.kind == DependencyKind::Started)
            })
        });
        assert!(started.count() > 60);
        assert!(stacks.iter().all(|s| {
            let f = fixed(s);
            let mut d = f.clone();
            d.sort_unstable();
            d.dedup();
            d.len() == f.len()
        }));
    }

    #[test]
    fn random_dag_is_acyclic_and_deterministic() {
        let a = random_dag(200, 4, 9);
        assert_eq!(a, random_dag(200, 4, 9));
        assert_ne!(a, random_dag(200, 4, 10));
        for (i, s) in a.services.iter().enumerate() {
            assert!(s.depends_on.iter().all(|d| d.service.index() < i));
        }
    }
}
