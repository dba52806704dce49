//! Keeping `.coord/registry.json` in step with the run.

use super::{Driver, RunError};
use crate::paths::StackPaths;
use crate::registry::{self, Entry, ProcessId};
use coord_core::Stack;
use std::collections::BTreeMap;

/// Claims the registry for this run: refuses if a live coord runs the stack, kills what a
/// crashed run left behind (after checking it is ours), and returns the last ports.
pub(super) fn claim_registry(
    paths: &StackPaths,
    stack: &Stack,
) -> Result<BTreeMap<String, u16>, RunError> {
    let me = ProcessId::of(std::process::id());
    let claimed = registry::update(paths, |r| {
        if let Some(owner) = r.live_owner() {
            return Err(RunError::AlreadyRunning(owner.pid));
        }
        let cleanup = registry::clean_leftovers(r);
        r.coord = me;
        r.file = stack.file.clone();
        Ok((r.last_ports(), cleanup))
    })
    .map_err(|e| RunError::Setup(format!("cannot update {}: {e}", paths.registry().display())))?;
    let (ports, cleanup) = claimed?;
    for name in &cleanup.killed {
        tracing::warn!("{name}: killed the process group a previous coord left running");
    }
    for (name, why) in &cleanup.refused {
        tracing::warn!(
            "{name}: the registry names a process that is not proven coord's, left alone: {why}"
        );
    }
    Ok(ports)
}

impl Driver {
    /// Writes the registry if something changed since the last write.
    pub(super) fn sync_registry(&mut self) {
        if !self.registry_dirty {
            return;
        }
        self.registry_dirty = false;
        self.write_registry(false);
    }

    /// The last write: no coord, no pids; ports stay for the next run.
    pub(super) fn finish_registry(&mut self) {
        self.write_registry(true);
    }

    fn write_registry(&mut self, finished: bool) {
        let status = self.coordinator.status(self.clock.now());
        let stack = self.coordinator.stack();
        let now = registry::unix_ms();
        let me = self.me;
        let result = registry::update(&self.paths, |r| {
            r.coord = if finished { None } else { me };
            r.file = stack.file.clone();
            for (id, s) in status.services.iter().enumerate() {
                if !s.selected {
                    continue;
                }
                let entry = r
                    .services
                    .entry(s.name.clone())
                    .or_insert_with(Entry::default);
                entry.state = s.state.name().to_owned();
                entry.reason = match &s.state {
                    coord_core::ServiceState::Failed(why)
                    | coord_core::ServiceState::Skipped(why) => Some(why.clone()),
                    _ => None,
                };
                let pid = if finished { None } else { s.pid };
                entry.pid = pid;
                entry.pgid = pid;
                entry.pid_start_time = pid.and_then(|p| self.start_times.get(&p).copied());
                entry.shim_token = pid.and_then(|p| self.shim_token(p)).map(str::to_owned);
                entry.service_pid = pid.and_then(|p| self.service_pid_of(p));
                if let Some(port) = s.port {
                    entry.port = Some(port);
                    entry.url = Some(
                        stack.services[id]
                            .url
                            .replace("$HOST", "127.0.0.1")
                            .replace("$PORT", &port.to_string()),
                    );
                }
                if finished {
                    entry.state = match &s.state {
                        coord_core::ServiceState::Failed(_) => "failed".into(),
                        _ => "stopped".into(),
                    };
                }
                entry.started_unix_ms = self.started_unix_ms[id].or(entry.started_unix_ms);
                entry.ready_unix_ms = self.ready_unix_ms[id];
                entry.updated_unix_ms = now;
            }
        });
        if let Err(e) = result {
            tracing::warn!("cannot write {}: {e}", self.paths.registry().display());
        }
    }
}
