//! Required dependencies -> init containers, so that a pod starts only once everything it
//! requires is ready, as under `coord run`:
//! - a service with a port: wait until it answers through its Service (a ClusterIP Service
//!   routes only to ready pods, so an answer means its readiness probe passed; an http
//!   readiness check is repeated through the Service, with its body match);
//! - a service without a port: wait until its Deployment is available;
//! - a task: wait until its Job has completed.
//!
//! Each wait gives up after the dependency's timeout (the pod then retries, as Kubernetes does).
//! The last two read the API, with the smallest RBAC that allows it (see `rbac`). Optional and
//! soft dependencies never block.

use super::super::text::ceil_secs;
use super::super::{Notes, Plan};
use super::names::Names;
use coord_core::ServiceId;
use coord_core::stack::{Dependency, DependencyKind, ProbeCheck, ServiceKind};
use k8s_openapi::api::core::v1::Container;

/// The image of the network waits (`nc`, `wget`, `grep` and `sh` from busybox).
pub const WAIT_IMAGE: &str = "busybox:1.37";
/// The image of the API waits (`kubectl wait`).
pub const KUBECTL_IMAGE: &str = "registry.k8s.io/kubectl:v1.33.0";
/// Prefix of a wait container's name: `wait-<dependency>`.
pub const WAIT_PREFIX: &str = "wait-";

/// What the init containers of a pod read from the API, if anything.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ApiReads {
    /// Waits for a Job to complete.
    pub jobs: bool,
    /// Waits for a Deployment to be available.
    pub deployments: bool,
}

impl ApiReads {
    /// Whether the pod needs the waiting service account.
    pub fn any(self) -> bool {
        self.jobs || self.deployments
    }

    /// Both sets of reads.
    pub fn union(self, other: ApiReads) -> ApiReads {
        ApiReads {
            jobs: self.jobs || other.jobs,
            deployments: self.deployments || other.deployments,
        }
    }
}

/// The init containers of service `id` and what they read from the API.
pub fn waits(
    plan: &Plan,
    names: &Names,
    id: ServiceId,
    notes: &mut Notes,
) -> (Vec<Container>, ApiReads) {
    let service = plan.service(id);
    let mut containers = Vec::new();
    let mut reads = ApiReads::default();
    for dep in &service.depends_on {
        if !plan.selected[dep.service] {
            continue;
        }
        if dep.kind != DependencyKind::Required {
            let kind = dep.kind.name();
            notes.service(
                &service.name,
                format!(
                    "{kind} dependency `{}` does not block the start (no init container); `{}_AVAILABLE=1` is set at export, whether or not it is up yet",
                    dep.name,
                    coord_core::stack::env_prefix(&dep.name)
                ),
            );
            continue;
        }
        let (container, read) = wait_for(plan, names, dep);
        reads = reads.union(read);
        containers.push(container);
    }
    (containers, reads)
}

/// The init container that waits for one required dependency.
fn wait_for(plan: &Plan, names: &Names, dep: &Dependency) -> (Container, ApiReads) {
    let target = plan.service(dep.service);
    let host = names.of(dep.service);
    let timeout = ceil_secs(dep.timeout);
    let name = format!("{WAIT_PREFIX}{host}");
    let kubectl = |what: &str, condition: &str| Container {
        name: name.clone(),
        image: Some(KUBECTL_IMAGE.to_string()),
        args: Some(vec![
            "wait".to_string(),
            format!("--for=condition={condition}"),
            format!("{what}/{host}"),
            format!("--timeout={timeout}s"),
        ]),
        ..Container::default()
    };
    if target.kind == ServiceKind::Task {
        let reads = ApiReads {
            jobs: true,
            deployments: false,
        };
        return (kubectl("job", "complete"), reads);
    }
    let Some(port) = plan.ports[dep.service] else {
        let reads = ApiReads {
            jobs: false,
            deployments: true,
        };
        return (kubectl("deployment", "available"), reads);
    };
    let check = match target.ready.as_ref().map(|p| &p.check) {
        Some(ProbeCheck::Http { path, body }) => {
            let get = format!(
                "wget -q -T 5 -O - {} 2>/dev/null",
                sh_quote(&format!("http://{host}:{port}{path}"))
            );
            match body {
                Some(re) => format!("{get} | grep -Eq {}", sh_quote(re)),
                None => format!("{get} >/dev/null"),
            }
        }
        _ => format!("nc -z -w 5 {host} {port}"),
    };
    let script = format!(
        "end=$(($(date +%s) + {timeout})); until {check}; do if [ \"$(date +%s)\" -ge \"$end\" ]; then echo '{host} not ready after {timeout}s' >&2; exit 1; fi; echo 'waiting for {host}'; sleep 1; done"
    );
    let container = Container {
        name,
        image: Some(WAIT_IMAGE.to_string()),
        // `$$` is a literal `$` for Kubernetes, which expands `$(NAME)` in commands.
        command: Some(vec!["sh".into(), "-c".into(), script.replace('$', "$$")]),
        ..Container::default()
    };
    (container, ApiReads::default())
}

/// `text` as one single-quoted shell word.
pub fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_single_quotes() {
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
    }
}
