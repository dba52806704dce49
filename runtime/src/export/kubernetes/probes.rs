//! `ready` and `live` -> readiness, startup and liveness probes.
//!
//! - tcp -> `tcpSocket`, http -> `httpGet` with the path, exec -> `exec` (`sh -c`), with the
//!   period, timeout and thresholds carried over (whole seconds, rounded up);
//! - `ready` also becomes a startup probe that gives up after `readiness_timeout`, as an
//!   attempt that is not ready in time fails under coord;
//! - `log` and `notify` have no Kubernetes equivalent: a tcp probe on the port stands in where
//!   the service has one, and the report says so.

use super::super::Notes;
use super::super::text::{ceil_secs, human, whole_secs};
use coord_core::stack::{Probe as CoordProbe, ProbeCheck, Service};
use k8s_openapi::api::core::v1::{ExecAction, HTTPGetAction, Probe, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The probes of one container.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Probes {
    /// From `ready`.
    pub readiness: Option<Probe>,
    /// From `ready`, bounded by `readiness_timeout`.
    pub startup: Option<Probe>,
    /// From `live`.
    pub liveness: Option<Probe>,
}

/// The probes of `service`, listening on `port`, with what does not map noted.
pub fn probes(service: &Service, port: Option<u16>, notes: &mut Notes) -> Probes {
    let mut probes = Probes::default();
    if let Some(ready) = &service.ready
        && let Some(readiness) = probe(service, "ready", ready, port, notes)
    {
        let period = readiness.period_seconds.unwrap_or(1);
        let budget = ceil_secs(service.readiness_timeout);
        probes.startup = Some(Probe {
            success_threshold: Some(1),
            failure_threshold: Some(
                i32::try_from((budget + i64::from(period) - 1) / i64::from(period).max(1))
                    .unwrap_or(i32::MAX)
                    .max(1),
            ),
            ..readiness.clone()
        });
        probes.readiness = Some(readiness);
    }
    if let Some(live) = &service.live
        && let Some(mut liveness) = probe(service, "live", live, port, notes)
    {
        if live.success_threshold != 1 {
            notes.service(
                &service.name,
                format!(
                    "live: success_threshold {} becomes 1 (Kubernetes requires 1 for a liveness probe)",
                    live.success_threshold
                ),
            );
        }
        liveness.success_threshold = Some(1);
        probes.liveness = Some(liveness);
    }
    probes
}

/// One probe: the action for its check, then timing. `None` when nothing can stand in.
fn probe(
    service: &Service,
    key: &str,
    coord: &CoordProbe,
    port: Option<u16>,
    notes: &mut Notes,
) -> Option<Probe> {
    let name = &service.name;
    let port_ref = |p: u16| IntOrString::Int(i32::from(p));
    let tcp = |p: u16| TCPSocketAction {
        port: port_ref(p),
        host: None,
    };
    let mut probe = Probe::default();
    match &coord.check {
        ProbeCheck::Tcp => probe.tcp_socket = port.map(tcp),
        ProbeCheck::Http { path, body } => {
            probe.http_get = port.map(|p| HTTPGetAction {
                path: Some(path.clone()),
                port: port_ref(p),
                ..HTTPGetAction::default()
            });
            if let Some(body) = body {
                notes.service(
                    name,
                    format!(
                        "{key}: the body match `{body}` is not part of the probe (httpGet checks the status only){}",
                        if key == "ready" {
                            "; the init containers of its dependents check it with `grep -E`"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
        ProbeCheck::Exec { command } => {
            probe.exec = Some(ExecAction {
                command: Some(vec!["sh".into(), "-c".into(), command.clone()]),
            });
        }
        ProbeCheck::Log { pattern } => {
            fallback(name, key, &format!("log = \"{pattern}\""), port, notes);
            probe.tcp_socket = port.map(tcp);
        }
        ProbeCheck::Notify => {
            fallback(name, key, "notify", port, notes);
            probe.tcp_socket = port.map(tcp);
        }
    }
    if probe.tcp_socket.is_none() && probe.http_get.is_none() && probe.exec.is_none() {
        return None;
    }
    for (what, d) in [("period", coord.period), ("timeout", coord.timeout)] {
        if !whole_secs(d) {
            notes.service(
                name,
                format!(
                    "{key}: {what} {} becomes {}s (Kubernetes counts whole seconds)",
                    human(d),
                    ceil_secs(d)
                ),
            );
        }
    }
    let to_i32 = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    probe.period_seconds = Some(to_i32(ceil_secs(coord.period)));
    probe.timeout_seconds = Some(to_i32(ceil_secs(coord.timeout)));
    probe.success_threshold = Some(to_i32(i64::from(coord.success_threshold)));
    probe.failure_threshold = Some(to_i32(i64::from(coord.failure_threshold)));
    Some(probe)
}

/// Notes a check with no Kubernetes equivalent and what stands in for it.
fn fallback(name: &str, key: &str, check: &str, port: Option<u16>, notes: &mut Notes) {
    let instead = match port {
        Some(p) => format!("a tcp probe on port {p} stands in"),
        None => "the service has no port, so it has no probe".to_string(),
    };
    notes.service(
        name,
        format!("{key}: `{check}` has no Kubernetes equivalent: {instead}"),
    );
}
