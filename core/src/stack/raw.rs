//! The stack file as read from the format-neutral tree: serde structs that keep every value's
//! byte span, before any validation. Every table rejects unknown keys. Values whose meaning needs checking (durations,
//! names, numbers with limits) stay raw here so that all such problems can be reported at once.

use crate::stack::tree::{self, RawNode, ShapeError, Spanned};
use serde::Deserialize;

mod either;
mod env_file;

pub(crate) use either::{Keyed, RawCommand, RawDependency, RawDependsOn, RawPort};
pub(crate) use env_file::{RawEnvFile, RawEnvFiles};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStack {
    /// `[coordination]`.
    pub coordination: Option<RawCoordination>,
    /// `[ports]`.
    pub ports: Option<RawPorts>,
    /// `[services.NAME]` tables, in file order.
    pub services: Option<Spanned<Keyed<Spanned<RawService>>>>,
    /// `env_file = [...]` for every service.
    pub env_file: Option<Spanned<RawEnvFiles>>,
}

/// `[coordination]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCoordination {
    pub max_parallel_starts: Option<Spanned<i64>>,
    pub dependency_timeout: Option<Spanned<String>>,
    pub readiness_timeout: Option<Spanned<String>>,
    pub startup_retry_count: Option<Spanned<i64>>,
    pub graceful_degradation: Option<bool>,
    pub required_services: Option<Vec<Spanned<String>>>,
    pub optional_services: Option<Vec<Spanned<String>>>,
}

/// `[ports]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPorts {
    /// `[ports.ranges]`: name = "START-END", in file order.
    pub ranges: Option<Keyed<Spanned<String>>>,
}

/// `[services.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    pub kind: Option<Spanned<String>>,
    pub command: Option<Spanned<RawCommand>>,
    pub working_dir: Option<Spanned<String>>,
    pub env: Option<Keyed<Spanned<String>>>,
    pub env_file: Option<Spanned<RawEnvFiles>>,
    pub port: Option<Spanned<RawPort>>,
    pub socket_activation: Option<Spanned<bool>>,
    pub url: Option<Spanned<String>>,
    pub depends_on: Option<Spanned<RawDependsOn>>,
    pub ready: Option<Spanned<RawProbe>>,
    pub live: Option<Spanned<RawProbe>>,
    pub min_uptime: Option<Spanned<String>>,
    pub readiness_timeout: Option<Spanned<String>>,
    pub restart: Option<Spanned<RawRestart>>,
    pub stop_signal: Option<Spanned<String>>,
    pub stop_grace: Option<Spanned<String>>,
    pub stop_command: Option<Spanned<String>>,
    pub watch: Option<Spanned<super::watch::RawWatch>>,
    pub optional: Option<Spanned<bool>>,
    pub autostart: Option<Spanned<bool>>,
    /// `[services.NAME.export]` (see `super::export`).
    pub export: Option<Spanned<super::export::RawExport>>,
}

/// `ready = { ... }` / `live = { ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProbe {
    pub tcp: Option<Spanned<bool>>,
    pub http: Option<Spanned<String>>,
    pub body: Option<Spanned<String>>,
    pub exec: Option<Spanned<String>>,
    pub log: Option<Spanned<String>>,
    pub notify: Option<Spanned<bool>>,
    pub period: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub success_threshold: Option<Spanned<i64>>,
    pub failure_threshold: Option<Spanned<i64>>,
}

/// `restart = { ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRestart {
    pub policy: Option<Spanned<String>>,
    pub max_restarts: Option<Spanned<i64>>,
    pub window: Option<Spanned<String>>,
    pub backoff: Option<Spanned<String>>,
    pub backoff_max: Option<Spanned<String>>,
    pub backoff_reset: Option<Spanned<String>>,
}

/// `port = { preferred = 5432, range = "development" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPortTable {
    pub preferred: Option<Spanned<i64>>,
    pub range: Option<Spanned<String>>,
}

/// `redis = { kind = "optional", timeout = "10s" }` in `depends_on`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDependencyTable {
    pub kind: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

/// Reads the tree into the raw structure; a shape error (unknown key, wrong type) stops at the
/// first problem.
pub(crate) fn from_tree(root: &RawNode) -> Result<RawStack, ShapeError> {
    tree::from_tree(root)
}
