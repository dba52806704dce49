//! Test helper: a [`Stack`] built directly from `(name, dependencies)` lists, without the parser.

use crate::stack::{
    CommandSpec, Coordination, Dependency, DependencyKind, RestartSpec, Service, ServiceId,
    ServiceKind, Stack, StopSignal, default_port_ranges,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// A plain service called `name` with no dependencies, no port and default settings.
pub(crate) fn service(name: &str) -> Service {
    Service {
        name: name.to_string(),
        kind: ServiceKind::Service,
        command: CommandSpec::Shell(format!("run-{name}")),
        working_dir: None,
        env: BTreeMap::new(),
        env_from_files: Default::default(),
        port: None,
        socket_activation: false,
        url: "http://$HOST:$PORT".to_string(),
        depends_on: Vec::new(),
        ready: None,
        live: None,
        min_uptime: Duration::from_millis(500),
        readiness_timeout: Duration::from_secs(90),
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

/// A stack of services in the given order; each names its dependencies (by name, with a kind).
///
/// # Panics
/// If a dependency names a service not in the list (a mistake in the test itself).
pub(crate) fn stack_of(services: &[(&str, &[(&str, DependencyKind)])]) -> Stack {
    let names: Vec<&str> = services.iter().map(|(name, _)| *name).collect();
    let id_of = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .map(ServiceId::from_index)
            .unwrap_or_else(|| panic!("test stack: unknown dependency {name}"))
    };
    let services = services
        .iter()
        .map(|(name, deps)| Service {
            depends_on: deps
                .iter()
                .map(|(dep, kind)| Dependency {
                    service: id_of(dep),
                    name: dep.to_string(),
                    kind: *kind,
                    timeout: Duration::from_secs(60),
                })
                .collect(),
            ..service(name)
        })
        .collect();
    Stack {
        file: "test.toml".to_string(),
        coordination: Coordination::default(),
        port_ranges: default_port_ranges(),
        services,
    }
}

/// A stack of `n` services `s0..` where service `i` depends on each `(i, j, kind)` edge's `j`.
pub(crate) fn stack_from_edges(n: usize, edges: &[(usize, usize, DependencyKind)]) -> Stack {
    let mut stack = stack_of(&[]);
    stack.services = (0..n).map(|i| service(&format!("s{i}"))).collect();
    for &(dependent, dependency, kind) in edges {
        stack.services[dependent].depends_on.push(Dependency {
            service: ServiceId::from_index(dependency),
            name: format!("s{dependency}"),
            kind,
            timeout: Duration::from_secs(60),
        });
    }
    stack
}
