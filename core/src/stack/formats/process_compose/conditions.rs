//! What a dependency condition needs from the process it names, checked as process-compose
//! checks it: `process_log_ready` needs a `ready_log_line` (process-compose refuses the file
//! otherwise), `process_healthy` needs a probe (process-compose refuses to start the dependent
//! otherwise).

use super::{Edge, Facts, Translator};
use crate::stack::formats::yaml_tree::YNode;

/// Which readiness signals a process has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Readiness {
    /// A `ready_log_line`.
    log_line: bool,
    /// A `readiness_probe` or a `liveness_probe`.
    probe: bool,
}

impl Readiness {
    /// The readiness signals of a process's body.
    pub(super) fn of(body: &YNode) -> Readiness {
        let set = |key: &str| body.get(key).is_some_and(|v| !v.is_null());
        Readiness {
            log_line: set("ready_log_line"),
            probe: set("readiness_probe") || set("liveness_probe"),
        }
    }
}

impl Translator<'_> {
    /// Checks that the process an edge of `dependent` names offers what its condition waits for.
    pub(super) fn check_condition(&mut self, e: &Edge, dependent: &str, facts: &Facts<'_>) {
        let dep = e.dependency.get_ref();
        let Some(offers) = facts.readiness.get(dep) else {
            return;
        };
        let at = e.condition.span();
        match e.condition.get_ref().as_str() {
            "process_log_ready" if !offers.log_line => self.error(
                &at,
                format!("`{dependent}` waits for `{dep}`'s log line, but `{dep}` has no `ready_log_line`"),
                format!("add `ready_log_line: TEXT` to `{dep}` (process-compose refuses this file too), or use another condition"),
            ),
            "process_healthy" if !offers.probe => self.note(
                &at,
                format!("`{dep}` has no readiness_probe or liveness_probe: process-compose refuses to start `{dependent}` then; coord waits for `{dep}`'s default readiness (running for min_uptime)"),
                format!("add a readiness_probe to `{dep}`, or use process_started"),
            ),
            _ => {}
        }
    }
}
