//! The running coord's status report, read into types: only the fields the operating commands
//! (`up`, `wait`, `attach`) need; fields added to the report later are ignored.

use crate::cli::Failure;
use crate::client::reply_words;
use crate::paths::StackPaths;
use crate::protocol::{Reply, Request};
use serde::Deserialize;

/// The report of the running coord (`{"v":1,"request":"status"}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LiveStatus {
    /// Milliseconds since the run started, when the report was made.
    #[serde(default)]
    pub now_ms: u64,
    /// One entry per service, in stack file order.
    #[serde(default)]
    pub services: Vec<LiveService>,
    /// Present once startup is over: the core's own summary.
    #[serde(default)]
    pub startup: Option<coord_core::StartupSummary>,
}

/// One service of [`LiveStatus`].
#[derive(Debug, Clone, Deserialize)]
pub struct LiveService {
    /// Its name.
    pub name: String,
    /// Whether it is in the run's selection.
    #[serde(default)]
    pub selected: bool,
    /// Its state.
    pub state: LiveState,
}

/// A state as the report gives it: `{"state":"failed","reason":"..."}`.
#[derive(Debug, Clone, Deserialize)]
pub struct LiveState {
    /// The state's name (`ready`, `failed`, ...).
    pub state: String,
    /// The reason of a `failed` or `skipped` state.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The running coord's status; `Ok(None)` when no coord runs the stack.
pub fn fetch(paths: &StackPaths) -> Result<Option<LiveStatus>, Failure> {
    match crate::driver::control_request(paths, &Request::Status)
        .map_err(super::stream::unreachable)?
    {
        None => Ok(None),
        Some(Reply::Status { status }) => serde_json::from_value(status)
            .map(Some)
            .map_err(|e| Failure::new(1, format!("cannot read the running coord's status: {e}"))),
        Some(other) => Err(Failure::new(1, reply_words(&other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_report_reads_into_the_typed_view() {
        let value = serde_json::json!({
            "file": "coord.toml",
            "now_ms": 12,
            "services": [
                {"name": "db", "selected": true, "required": true,
                 "state": {"state": "ready"}, "pid": 7, "shim_pid": 6, "port": 5432},
                {"name": "api", "selected": true,
                 "state": {"state": "failed", "reason": "exited with code 1"}},
                {"name": "extra", "selected": false, "state": {"state": "pending"}}
            ],
            "startup": {"ready": 1, "selected": 2, "total_ms": 10, "critical_path": [],
                        "failures": [], "run_failed": true}
        });
        let status: LiveStatus = serde_json::from_value(value).unwrap();
        assert_eq!(status.services.len(), 3);
        assert_eq!(status.services[1].state.state, "failed");
        assert_eq!(
            status.services[1].state.reason.as_deref(),
            Some("exited with code 1")
        );
        assert!(!status.services[2].selected);
        let startup = status.startup.unwrap();
        assert!(startup.run_failed);
        assert_eq!(
            startup.to_string(),
            "startup failed after 0.01 s with 1/2 ready"
        );
    }
}
