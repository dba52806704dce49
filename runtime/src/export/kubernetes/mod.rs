//! `coord export kubernetes`: manifests typed with `k8s-openapi`, written as YAML.
//!
//! Per service: a Deployment and a ClusterIP Service on its port (a task: a Job), a ConfigMap
//! for its own `env`, a Secret for the variables of its env files, init containers for its required dependencies; for the stack: the waits'
//! RBAC when some wait reads the API. One file per service (`NAME.yaml`) plus `coord-wait.yaml`.

mod names;
mod probes;
mod problems;
mod rbac;
pub mod waits;
pub mod workload;

pub use names::Names;
pub use problems::Problems;

use super::{Notes, OutputFile, Plan};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use serde::Serialize;

/// One Kubernetes object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Manifest {
    /// A service's own `env`.
    ConfigMap(ConfigMap),
    /// The variables of a service's env files.
    Secret(Secret),
    /// A long-running service.
    Deployment(Deployment),
    /// A task.
    Job(Job),
    /// A service's address.
    Service(Service),
    /// The waits' identity.
    ServiceAccount(ServiceAccount),
    /// What the waits may read.
    Role(Role),
    /// The waits' identity bound to what they may read.
    RoleBinding(RoleBinding),
}

impl Manifest {
    /// The object as one YAML document (with its `apiVersion` and `kind`).
    pub fn to_yaml(&self) -> String {
        // Serialising these typed objects cannot fail: they hold only strings, numbers, lists
        // and maps with string keys.
        serde_norway::to_string(self).unwrap_or_else(|e| format!("# cannot serialise: {e}\n"))
    }
}

/// The manifests of the planned services, one file per service (and one for the RBAC), or every
/// service that cannot be exported (no image, no valid name).
pub fn export(plan: &Plan, notes: &mut Notes) -> Result<Vec<OutputFile>, Problems> {
    let mut problems = Problems::default();
    let names = Names::new(plan, &mut problems);
    for (id, service) in plan.services() {
        if service.export.image.is_none() {
            problems.add(
                id,
                format!("service `{}` has no image to run on Kubernetes", service.name),
                format!(
                    "add the image it runs from, such as:\n  [services.{}.export]\n  image = \"registry.example.com/{}:1.0\"",
                    service.name,
                    names.of(id)
                ),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    stack_notes(plan, notes);
    let mut files = Vec::new();
    let mut reads = waits::ApiReads::default();
    for (id, service) in plan.services() {
        let image = service.export.image.as_deref().unwrap_or_default();
        let (manifests, read) = workload::workload(plan, &names, id, image, notes);
        reads = reads.union(read);
        files.push(file(&format!("{}.yaml", names.of(id)), &manifests));
    }
    if reads.any() {
        let name = format!("{}.yaml", rbac::SERVICE_ACCOUNT);
        files.push(file(&name, &rbac::rbac(plan, reads)));
    }
    Ok(files)
}

/// Several manifests as one YAML stream (private when it holds a Secret).
fn file(name: &str, manifests: &[Manifest]) -> OutputFile {
    let docs: Vec<String> = manifests.iter().map(Manifest::to_yaml).collect();
    OutputFile {
        name: name.to_string(),
        text: docs.join("---\n"),
        private: manifests.iter().any(|m| matches!(m, Manifest::Secret(_))),
    }
}

/// What the stack's `[coordination]` settings become.
fn stack_notes(plan: &Plan, notes: &mut Notes) {
    let c = &plan.stack.coordination;
    notes.stack(format!(
        "max_parallel_starts {}: Kubernetes starts every pod whose waits are over at once",
        c.max_parallel_starts
    ));
    notes.stack(format!(
        "startup_retry_count {}: a service's pod is retried without limit (a task's Job stops after that many retries)",
        c.startup_retry_count
    ));
    notes.stack(
        "graceful degradation (required/optional services): each workload lives on its own; a failing one fails no other, and only its required dependents keep waiting",
    );
    notes.stack(
        "readiness: a Kubernetes readiness probe keeps running after the pod is ready (coord checks readiness only until ready)",
    );
}
