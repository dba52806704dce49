//! What `coord status` shows: one schema whether it comes live from the running coord or from
//! the registry a finished (or killed) coord left, with `live: true/false`.
//!
//! From the registry of a coord that is gone (its pid no longer names the process with the
//! recorded start time, e.g. after `kill -9`), a service recorded in a state that needs a running
//! coord (`ready`, `starting`, ...) is shown as `stale`, with the recorded state beside it, and its
//! recorded pids are checked: `running` tells whether its process still exists.

use crate::registry::{Entry, ProcessId, Registry};
use serde::Serialize;
use serde_json::Value;

/// The whole `coord status --json` document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusView {
    /// Whether this came from the running coord (false: from the registry).
    pub live: bool,
    /// What the reader must know when it is not live (`coord is not running; last seen ...`).
    pub note: Option<String>,
    /// The pid of the coord running the stack, if one runs.
    pub coord_pid: Option<u32>,
    /// The stack file.
    pub file: String,
    /// Milliseconds since the run started (live only).
    pub now_ms: Option<u64>,
    /// The startup summary, once startup is over (live only).
    pub startup: Option<Value>,
    /// One entry per service (stack file order when live, by name from the registry).
    pub services: Vec<ServiceView>,
}

/// One service in [`StatusView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceView {
    /// Its name.
    pub name: String,
    /// Its state (`ready`, `stopped`, ...; `stale` when a gone coord recorded it running).
    pub state: String,
    /// Why it is in that state (failures, skips).
    pub reason: Option<String>,
    /// For a `stale` service: the state the gone coord last recorded.
    pub recorded_state: Option<String>,
    /// The service's own pid.
    pub pid: Option<u32>,
    /// Its shim's pid (the process group coord signals).
    pub shim_pid: Option<u32>,
    /// Not live: whether its recorded process still exists (None when nothing is recorded or
    /// when live, where coord knows).
    pub running: Option<bool>,
    /// Its port.
    pub port: Option<u16>,
    /// Its URL.
    pub url: Option<String>,
    /// Live only: the rest of the core's status of the service (selected, required, readiness,
    /// waiting_for, generation, attempts, restarts, waited_ms, spawn_to_ready_ms, ready_at_ms).
    #[serde(flatten)]
    pub details: serde_json::Map<String, Value>,
}

/// States a registry entry can only be in while its coord runs.
fn needs_coord(state: &str) -> bool {
    !matches!(state, "stopped" | "failed" | "completed" | "skipped" | "")
}

impl StatusView {
    /// From the running coord's status report (the `status` reply of the control protocol).
    pub fn from_live(report: &Value, coord_pid: Option<u32>) -> StatusView {
        let services = report["services"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let mut details = s.as_object().cloned().unwrap_or_default();
                let mut take = |key: &str| details.remove(key).unwrap_or(Value::Null);
                let name = take("name").as_str().unwrap_or("?").to_owned();
                let state = take("state");
                let pid = take("pid").as_u64().map(|p| p as u32);
                let shim_pid = take("shim_pid").as_u64().map(|p| p as u32);
                let port = take("port").as_u64().map(|p| p as u16);
                let url = take("url").as_str().map(str::to_owned);
                ServiceView {
                    name,
                    state: state["state"].as_str().unwrap_or("?").to_owned(),
                    reason: state["reason"].as_str().map(str::to_owned),
                    recorded_state: None,
                    pid,
                    shim_pid,
                    running: None,
                    port,
                    url,
                    details,
                }
            })
            .collect();
        StatusView {
            live: true,
            note: None,
            coord_pid,
            file: report["file"].as_str().unwrap_or_default().to_owned(),
            now_ms: report["now_ms"].as_u64(),
            startup: Some(report["startup"].clone()).filter(|v| !v.is_null()),
            services,
        }
    }

    /// From the registry, at `now_unix_ms`, when no live answer came (`why`: the running coord's
    /// failure to answer, if it runs).
    pub fn from_registry(registry: &Registry, now_unix_ms: u64, why: Option<&str>) -> StatusView {
        let owner = registry.live_owner();
        let last_seen = registry
            .services
            .values()
            .map(|e| e.updated_unix_ms)
            .max()
            .filter(|&ms| ms > 0);
        let seen = last_seen
            .map(|ms| format!("last seen {}", ago(now_unix_ms.saturating_sub(ms))))
            .unwrap_or_else(|| "nothing recorded yet".into());
        let note = match (owner, registry.coord) {
            (Some(o), _) => format!(
                "coord (pid {}) runs this stack but did not answer ({}); these are the states \
                 it last recorded",
                o.pid,
                why.unwrap_or("no reply")
            ),
            (None, Some(dead)) => format!(
                "coord is not running; {seen} (pid {} is gone without cleaning up: states it \
                 recorded as running are stale)",
                dead.pid
            ),
            (None, None) => format!("coord is not running; {seen}"),
        };
        let coord_gone = owner.is_none();
        let services = registry
            .services
            .iter()
            .map(|(name, e)| service_from_entry(name, e, coord_gone))
            .collect();
        StatusView {
            live: false,
            note: Some(note),
            coord_pid: owner.map(|o| o.pid),
            file: registry.file.clone(),
            now_ms: None,
            startup: None,
            services,
        }
    }

    /// The text of `coord status`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(note) = &self.note {
            out.push_str(note);
            out.push('\n');
        }
        out.push_str(&format!(
            "{:<20} {:<11} {:<13} {:>7} {:>7} {:>8}  {}\n",
            "SERVICE",
            "STATE",
            if self.live { "READINESS" } else { "RECORDED" },
            "PID",
            "SHIM",
            "PORT",
            if self.live { "READY AFTER" } else { "URL" }
        ));
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        for s in &self.services {
            // Services outside the run are left out, except those held back for `coord start`.
            if self.live
                && s.details.get("selected") != Some(&Value::Bool(true))
                && s.state != "not_started"
            {
                continue;
            }
            let (third, last) = if self.live {
                // A waiting service says what it waits for (the core's words) instead.
                let ready = match (
                    s.details.get("ready_at_ms").and_then(Value::as_u64),
                    s.details.get("waiting_for").and_then(Value::as_str),
                ) {
                    (_, Some(why)) => why.to_string(),
                    (Some(ms), None) => format!("{:.2} s", ms as f64 / 1000.0),
                    (None, None) => "-".into(),
                };
                let readiness = s.details.get("readiness").and_then(Value::as_str);
                (readiness.unwrap_or("?").to_owned(), ready)
            } else {
                let recorded = s.recorded_state.clone().unwrap_or_else(|| "-".into());
                (recorded, opt(s.url.clone()))
            };
            // A recorded pid whose process is gone is shown as such, never as current.
            let pid = |p: Option<u32>| match (p, s.running) {
                (Some(p), Some(false)) => format!("({p})"),
                (p, _) => opt(p.map(|p| p.to_string())),
            };
            out.push_str(&format!(
                "{:<20} {:<11} {:<13} {:>7} {:>7} {:>8}  {}\n",
                s.name,
                s.state,
                third,
                pid(s.pid),
                pid(s.shim_pid),
                opt(s.port.map(|p| p.to_string())),
                last
            ));
        }
        if !self.live && self.services.iter().any(|s| s.running == Some(false)) {
            out.push_str("(pid): the recorded process is gone\n");
        }
        out
    }
}

fn service_from_entry(name: &str, e: &Entry, coord_gone: bool) -> ServiceView {
    let stale = coord_gone && needs_coord(&e.state);
    let shim_alive = match (e.pid, e.pid_start_time) {
        (Some(pid), Some(start_time)) => Some(ProcessId { pid, start_time }.is_alive()),
        (Some(pid), None) => Some(crate::procfs::start_time(pid).is_some()),
        (None, _) => None,
    };
    // The service is the shim's child: without its shim, a pid that exists may be anyone's.
    let service_alive = e
        .service_pid
        .map(|pid| shim_alive == Some(true) && crate::procfs::start_time(pid).is_some());
    let running = match (shim_alive, service_alive) {
        (None, None) => None,
        (a, b) => Some(a == Some(true) || b == Some(true)),
    };
    ServiceView {
        name: name.to_owned(),
        state: if stale {
            "stale".into()
        } else {
            e.state.clone()
        },
        reason: e.reason.clone(),
        recorded_state: stale.then(|| e.state.clone()),
        pid: e.service_pid,
        shim_pid: e.pid,
        running,
        port: e.port,
        url: e.url.clone(),
        details: serde_json::Map::new(),
    }
}

/// `12 s ago`, `5 min ago`, `3 h ago`, `2 days ago`.
pub fn ago(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..=119 => format!("{s} s ago"),
        120..=7_199 => format!("{} min ago", s / 60),
        7_200..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(state: &str, pid: Option<u32>) -> Entry {
        Entry {
            state: state.into(),
            pid,
            pgid: pid,
            pid_start_time: pid.map(|_| 1),
            service_pid: pid.map(|p| p + 1),
            port: Some(8000),
            updated_unix_ms: 1_000_000,
            ..Entry::default()
        }
    }

    #[test]
    fn a_gone_coords_running_states_are_stale_and_its_pids_gone() {
        let mut registry = Registry {
            // No process has start time 1 tick after boot and this pid.
            coord: Some(ProcessId {
                pid: u32::MAX - 7,
                start_time: 1,
            }),
            file: "coord.toml".into(),
            ..Registry::default()
        };
        registry
            .services
            .insert("api".into(), entry("ready", Some(u32::MAX - 5)));
        registry
            .services
            .insert("db".into(), entry("stopped", None));
        let view = StatusView::from_registry(&registry, 1_000_000 + 300_000, None);
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["live"], false);
        assert_eq!(
            json["note"],
            format!(
                "coord is not running; last seen 5 min ago (pid {} is gone without cleaning up: \
                 states it recorded as running are stale)",
                u32::MAX - 7
            )
        );
        assert_eq!(json["services"][0]["name"], "api");
        assert_eq!(json["services"][0]["state"], "stale");
        assert_eq!(json["services"][0]["recorded_state"], "ready");
        assert_eq!(json["services"][0]["running"], false);
        assert_eq!(json["services"][1]["state"], "stopped");
        assert_eq!(json["services"][1]["running"], Value::Null);
        let text = view.text();
        assert!(text.contains("(4294967290)"), "{text}");
        assert!(text.contains("the recorded process is gone"), "{text}");
    }

    #[test]
    fn live_and_registry_documents_have_the_same_keys() {
        let report = serde_json::json!({
            "file": "coord.toml",
            "now_ms": 1200,
            "startup": null,
            "services": [{
                "name": "api", "state": {"state": "ready"}, "pid": 12, "shim_pid": 11,
                "port": 8000, "url": "http://127.0.0.1:8000", "selected": true,
                "readiness": "ready", "ready_at_ms": 900, "waiting_for": null
            }]
        });
        let live = serde_json::to_value(StatusView::from_live(&report, Some(10))).unwrap();
        let mut registry = Registry::default();
        registry
            .services
            .insert("api".into(), entry("stopped", None));
        let recorded =
            serde_json::to_value(StatusView::from_registry(&registry, 2_000_000, None)).unwrap();
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        assert_eq!(keys(&live), keys(&recorded));
        assert_eq!(live["live"], true);
        assert_eq!(live["services"][0]["state"], "ready");
        assert_eq!(live["services"][0]["pid"], 12);
        for key in keys(&recorded["services"][0]) {
            assert!(
                live["services"][0].get(&key).is_some(),
                "{key} missing live"
            );
        }
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(ago(4_000), "4 s ago");
        assert_eq!(ago(300_000), "5 min ago");
        assert_eq!(ago(3 * 3_600_000), "3 h ago");
        assert_eq!(ago(3 * 86_400_000), "3 days ago");
    }
}
