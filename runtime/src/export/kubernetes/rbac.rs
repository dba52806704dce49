//! The smallest RBAC that lets the waiting init containers read what they wait for: one
//! ServiceAccount, a Role that may only get, list and watch Jobs (and Deployments, when a
//! required dependency has no port), and the RoleBinding between them. Only pods that wait on
//! the API run as this account.

use super::super::Plan;
use super::Manifest;
use super::waits::ApiReads;
use super::workload::labels;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The service account (and Role, and RoleBinding) of the waits.
pub const SERVICE_ACCOUNT: &str = "coord-wait";

/// The three objects, for the reads the stack's waits need.
pub fn rbac(plan: &Plan, reads: ApiReads) -> Vec<Manifest> {
    let meta = || ObjectMeta {
        name: Some(SERVICE_ACCOUNT.to_string()),
        labels: Some(labels(plan, SERVICE_ACCOUNT)),
        ..ObjectMeta::default()
    };
    let read = |group: &str, resource: &str| PolicyRule {
        api_groups: Some(vec![group.to_string()]),
        resources: Some(vec![resource.to_string()]),
        verbs: ["get", "list", "watch"].map(String::from).to_vec(),
        ..PolicyRule::default()
    };
    let mut rules = Vec::new();
    if reads.jobs {
        rules.push(read("batch", "jobs"));
    }
    if reads.deployments {
        rules.push(read("apps", "deployments"));
    }
    vec![
        Manifest::ServiceAccount(ServiceAccount {
            metadata: meta(),
            ..ServiceAccount::default()
        }),
        Manifest::Role(Role {
            metadata: meta(),
            rules: Some(rules),
        }),
        Manifest::RoleBinding(RoleBinding {
            metadata: meta(),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".to_string(),
                kind: "Role".to_string(),
                name: SERVICE_ACCOUNT.to_string(),
            },
            subjects: Some(vec![Subject {
                kind: "ServiceAccount".to_string(),
                name: SERVICE_ACCOUNT.to_string(),
                ..Subject::default()
            }]),
        }),
    ]
}
