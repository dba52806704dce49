//! The registry writer: keeps `.coord/registry.json` in step with the run.

use super::{Driver, RunError};
use crate::paths::StackPaths;
use crate::registry::{self, ProcessId};
use coord_core::Stack;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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

/// The shortest time between two registry writes: changes in between are coalesced.
pub(super) const REGISTRY_INTERVAL: Duration = Duration::from_millis(50);

/// What one service's entry becomes.
#[derive(Debug)]
struct Patch {
    name: String,
    state: String,
    reason: Option<String>,
    pid: Option<u32>,
    pid_start_time: Option<u64>,
    shim_token: Option<String>,
    service_pid: Option<u32>,
    port: Option<u16>,
    url: Option<String>,
    started_unix_ms: Option<u64>,
    ready_unix_ms: Option<u64>,
}

/// The registry as the loop saw it at one moment, written later by the writer thread.
#[derive(Debug)]
struct Snapshot {
    coord: Option<ProcessId>,
    file: String,
    updated_unix_ms: u64,
    services: Vec<Patch>,
}

impl Snapshot {
    fn apply(self, r: &mut registry::Registry) {
        r.coord = self.coord;
        r.file = self.file;
        for p in self.services {
            let entry = r.services.entry(p.name).or_default();
            entry.state = p.state;
            entry.reason = p.reason;
            entry.pid = p.pid;
            entry.pgid = p.pid;
            entry.pid_start_time = p.pid_start_time;
            entry.shim_token = p.shim_token;
            entry.service_pid = p.service_pid;
            if p.port.is_some() {
                entry.port = p.port;
                entry.url = p.url;
            }
            entry.started_unix_ms = p.started_unix_ms.or(entry.started_unix_ms);
            entry.ready_unix_ms = p.ready_unix_ms;
            entry.updated_unix_ms = self.updated_unix_ms;
        }
    }
}

#[derive(Debug, Default)]
struct Slot {
    /// The latest snapshot not yet written (a newer one replaces it), with its number.
    pending: Option<(u64, Snapshot)>,
    /// Number of the last snapshot posted.
    posted: u64,
    /// Number of the last snapshot written.
    written: u64,
    /// No more snapshots will come.
    closed: bool,
}

/// Writes registry snapshots on its own thread, so the event loop never waits for the file:
/// the loop posts at most one snapshot per [`REGISTRY_INTERVAL`] (and a last one at the end),
/// and a snapshot posted while the previous is still being written replaces it.
#[derive(Debug)]
pub(super) struct RegistryWriter {
    slot: Arc<(Mutex<Slot>, Condvar)>,
    thread: Option<std::thread::JoinHandle<u64>>,
    /// When the loop last posted a snapshot.
    last_post: Option<Instant>,
}

impl RegistryWriter {
    /// Starts the writer thread for the registry at `paths`.
    pub(super) fn start(paths: StackPaths) -> RegistryWriter {
        let slot = Arc::new((Mutex::new(Slot::default()), Condvar::new()));
        let shared = slot.clone();
        let thread = std::thread::Builder::new()
            .name("coord-registry".into())
            .spawn(move || write_snapshots(&paths, &shared))
            .ok();
        RegistryWriter {
            slot,
            thread,
            last_post: None,
        }
    }

    fn post(&mut self, snapshot: Snapshot) -> u64 {
        let (lock, ready) = &*self.slot;
        let mut number = 0;
        if let Ok(mut slot) = lock.lock() {
            slot.posted += 1;
            number = slot.posted;
            slot.pending = Some((number, snapshot));
            ready.notify_all();
        }
        self.last_post = Some(Instant::now());
        number
    }

    /// Posts `snapshot` and waits until it (or a newer one) is in the file.
    fn post_and_wait(&mut self, snapshot: Snapshot) {
        let number = self.post(snapshot);
        if self.thread.is_none() {
            return;
        }
        let (lock, ready) = &*self.slot;
        let Ok(mut slot) = lock.lock() else { return };
        while slot.written < number {
            slot = match ready.wait(slot) {
                Ok(s) => s,
                Err(_) => return,
            };
        }
    }

    /// Posts the last snapshot and waits until it is written; returns how many writes the
    /// thread made.
    fn close(&mut self, last: Snapshot) -> u64 {
        self.post(last);
        let (lock, ready) = &*self.slot;
        if let Ok(mut slot) = lock.lock() {
            slot.closed = true;
            ready.notify_all();
        }
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or(0)
    }
}

/// The writer thread: writes the pending snapshot, if any, until closed and drained.
fn write_snapshots(paths: &StackPaths, slot: &(Mutex<Slot>, Condvar)) -> u64 {
    let (lock, ready) = slot;
    let mut writes = 0;
    loop {
        let (number, snapshot) = {
            let Ok(mut guard) = lock.lock() else {
                return writes;
            };
            while guard.pending.is_none() && !guard.closed {
                guard = match ready.wait(guard) {
                    Ok(g) => g,
                    Err(_) => return writes,
                };
            }
            match guard.pending.take() {
                Some(s) => s,
                None => return writes,
            }
        };
        writes += 1;
        if let Err(e) = registry::update(paths, |r| snapshot.apply(r)) {
            tracing::warn!("cannot write {}: {e}", paths.registry().display());
        }
        if let Ok(mut guard) = lock.lock() {
            guard.written = number;
            ready.notify_all();
        }
    }
}

impl Driver {
    /// Posts a snapshot if something changed and the last one is old enough; otherwise returns
    /// when the next one is due (the loop wakes up then).
    pub(super) fn sync_registry(&mut self) -> Option<Instant> {
        if !self.registry_dirty {
            return None;
        }
        if let Some(last) = self.registry.last_post {
            let due = last + REGISTRY_INTERVAL;
            if Instant::now() < due {
                return Some(due);
            }
        }
        self.registry_dirty = false;
        let snapshot = self.snapshot(false);
        self.registry.post(snapshot);
        None
    }

    /// Writes the registry now and waits for it: at the end of startup, so that whoever reads
    /// the summary line finds every service's state and port in the file.
    pub(super) fn write_registry_now(&mut self) {
        self.registry_dirty = false;
        let snapshot = self.snapshot(false);
        self.registry.post_and_wait(snapshot);
    }

    /// The last write: no coord, no pids; ports stay for the next run. Waits for it.
    pub(super) fn finish_registry(&mut self) {
        let snapshot = self.snapshot(true);
        let writes = self.registry.close(snapshot);
        tracing::debug!(
            "registry: {writes} writes for {} services",
            self.coordinator.stack().services.len()
        );
    }

    fn snapshot(&self, finished: bool) -> Snapshot {
        let status = self.coordinator.status(self.clock.now());
        let stack = self.coordinator.stack();
        let mut services = Vec::with_capacity(status.services.len());
        for (id, s) in status.services.iter().enumerate() {
            if !s.selected {
                continue;
            }
            let pid = if finished { None } else { s.pid };
            let state = if finished {
                s.state.name_after_run()
            } else {
                s.state.name()
            }
            .to_owned();
            services.push(Patch {
                name: s.name.clone(),
                state,
                reason: match &s.state {
                    coord_core::ServiceState::Failed(why)
                    | coord_core::ServiceState::Skipped(why) => Some(why.clone()),
                    _ => None,
                },
                pid,
                pid_start_time: pid.and_then(|p| self.start_times.get(&p).copied()),
                shim_token: pid.and_then(|p| self.shim_token(p)).map(str::to_owned),
                service_pid: pid.and_then(|p| self.service_pid_of(p)),
                port: s.port,
                url: s.url.clone(),
                started_unix_ms: self.started_unix_ms[id],
                ready_unix_ms: self.ready_unix_ms[id],
            });
        }
        Snapshot {
            coord: if finished { None } else { self.me },
            file: stack.file.clone(),
            updated_unix_ms: registry::unix_ms(),
            services,
        }
    }
}
