//! The registry: `.coord/registry.json` beside the stack file. It records the running coord and
//! each service's state, pid, process group, port, url and times, so that `coord status` and
//! `coord discover` can answer, the next run can reuse ports, and a crashed run's leftovers can
//! be found and killed (after checking they are ours). Mode 0600, written atomically (temp file
//! + rename), with a lock file held around every read-modify-write.

use crate::paths::StackPaths;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A process identified across pid reuse: pid plus start time (clock ticks since boot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    /// The pid.
    pub pid: u32,
    /// Its start time, from `/proc/<pid>/stat`.
    pub start_time: u64,
}

impl ProcessId {
    /// The identity of `pid` now, if it is alive.
    pub fn of(pid: u32) -> Option<ProcessId> {
        Some(ProcessId {
            pid,
            start_time: crate::procfs::start_time(pid)?,
        })
    }

    /// Whether this very process is still alive (same pid, same start time, not a zombie).
    pub fn is_alive(&self) -> bool {
        crate::procfs::start_time(self.pid) == Some(self.start_time)
            && !crate::procfs::is_zombie(self.pid)
    }
}

/// One service's entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The state name (`ready`, `starting`, `stopped`, ...).
    pub state: String,
    /// Why it is in that state (failures, skips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Pid of its shim, which leads its process group (None when not running).
    #[serde(default)]
    pub pid: Option<u32>,
    /// Its process group id (equal to `pid`).
    #[serde(default)]
    pub pgid: Option<u32>,
    /// Start time of `pid`, to recognise it after a crash.
    #[serde(default)]
    pub pid_start_time: Option<u64>,
    /// The identity token in the shim's environment (`COORD_SHIM_TOKEN`): a leftover shim is
    /// only killed if it still carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shim_token: Option<String>,
    /// The service's own pid (its shim is `pid`), once the shim reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_pid: Option<u32>,
    /// The port it owns (kept after it stops, for reuse by the next run).
    #[serde(default)]
    pub port: Option<u16>,
    /// Its URL for dependents (`http://127.0.0.1:PORT` by default).
    #[serde(default)]
    pub url: Option<String>,
    /// Unix milliseconds of the last spawn.
    #[serde(default)]
    pub started_unix_ms: Option<u64>,
    /// Unix milliseconds when it became Ready or Completed.
    #[serde(default)]
    pub ready_unix_ms: Option<u64>,
    /// Unix milliseconds of the last change.
    #[serde(default)]
    pub updated_unix_ms: u64,
}

/// The whole registry file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// The coord process running this stack, if one is.
    #[serde(default)]
    pub coord: Option<ProcessId>,
    /// The stack file it runs.
    #[serde(default)]
    pub file: String,
    /// Entries by service name.
    #[serde(default)]
    pub services: BTreeMap<String, Entry>,
}

impl Registry {
    /// Whether a live coord runs this stack (other than the caller).
    pub fn live_owner(&self) -> Option<ProcessId> {
        self.coord
            .filter(|c| c.pid != std::process::id() && c.is_alive())
    }

    /// The last port of every service that had one (fed to `Options.last_ports`).
    pub fn last_ports(&self) -> BTreeMap<String, u16> {
        self.services
            .iter()
            .filter_map(|(name, e)| Some((name.clone(), e.port?)))
            .collect()
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Reads the registry (an absent file is an empty registry; an unreadable one is an error).
pub fn read(paths: &StackPaths) -> io::Result<Registry> {
    read_file(&paths.registry())
}

fn read_file(path: &Path) -> io::Result<Registry> {
    let read = crate::safe_fs::open_read(path).and_then(|mut f| {
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut f, &mut bytes).map(|_| bytes)
    });
    match read {
        Ok(bytes) if bytes.is_empty() => Ok(Registry::default()),
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a valid registry: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Registry::default()),
        Err(e) => Err(e),
    }
}

/// Runs `change` on the registry under its lock and writes the result atomically.
pub fn update<T>(paths: &StackPaths, change: impl FnOnce(&mut Registry) -> T) -> io::Result<T> {
    paths.ensure_dirs()?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(crate::safe_fs::nofollow_flags())
        .open(paths.registry_lock())?;
    lock.lock()?;
    let path = paths.registry();
    // A corrupt registry is replaced rather than blocking every later run, but not without a
    // word: it is kept beside as `registry.json.corrupt` for the user to look at.
    let mut registry = match read_file(&path) {
        Ok(registry) => registry,
        Err(e) => {
            let kept = path.with_extension("json.corrupt");
            let saved = fs::rename(&path, &kept).is_ok();
            tracing::warn!(
                "{e}; starting a new one{}",
                if saved {
                    format!(" (the old one is kept as {})", kept.display())
                } else {
                    String::new()
                }
            );
            Registry::default()
        }
    };
    let out = change(&mut registry);
    write_atomically(&path, &registry)?;
    drop(lock);
    Ok(out)
}

fn write_atomically(path: &Path, registry: &Registry) -> io::Result<()> {
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let mut file: File = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .custom_flags(crate::safe_fs::nofollow_flags())
        .open(&tmp)?;
    let mut text = serde_json::to_vec_pretty(registry).map_err(io::Error::other)?;
    text.push(b'\n');
    file.write_all(&text)?;
    drop(file);
    fs::rename(&tmp, path)
}

/// What [`clean_leftovers`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Services whose leftover shim (of a crashed run) was killed with its tree and group.
    pub killed: Vec<String>,
    /// Services whose recorded process was gone (entry cleared).
    pub cleared: Vec<String>,
    /// Services whose recorded process is alive but not proven coord's shim: left alone, with
    /// the reason (entry cleared).
    pub refused: Vec<(String, String)>,
}

/// What the registry says of one leftover entry, checked against the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leftover {
    /// No process recorded.
    Nothing,
    /// The recorded process is gone (or its pid now names another process).
    Gone,
    /// Proven coord's shim: its pid, which is also its process group.
    Ours(u32),
    /// Not proven ours: never signalled. Why.
    Unproven(String),
}

/// Checks one entry: the recorded pid must be alive with the recorded start time, lead its own
/// process group (the recorded `pgid` must be that very pid, never 1 or less), run coord's shim
/// command line, and carry the recorded identity token in its environment. Anything less is
/// [`Leftover::Unproven`]; nothing here sends a signal.
pub fn check_leftover(entry: &Entry) -> Leftover {
    let Some(pid) = entry.pid else {
        return Leftover::Nothing;
    };
    let pgid = entry.pgid.unwrap_or(pid);
    if pid <= 1 || pgid <= 1 {
        return Leftover::Unproven(format!(
            "the recorded pid {pid} / process group {pgid} can never be a coord shim"
        ));
    }
    if pgid != pid {
        return Leftover::Unproven(format!(
            "the recorded process group {pgid} is not the shim's own (pid {pid})"
        ));
    }
    let Some(start_time) = entry.pid_start_time else {
        return Leftover::Unproven(format!("no start time is recorded for pid {pid}"));
    };
    if !(ProcessId { pid, start_time }).is_alive() {
        return Leftover::Gone;
    }
    let what = || {
        crate::procfs::cmdline(pid)
            .map(|argv| argv.join(" "))
            .unwrap_or_else(|| "?".into())
    };
    if crate::procfs::pgid(pid) != Some(pid) {
        return Leftover::Unproven(format!(
            "pid {pid} (`{}`) does not lead its own process group",
            what()
        ));
    }
    let is_shim = crate::procfs::cmdline(pid).is_some_and(|argv| {
        argv.split_first()
            .is_some_and(|(_, rest)| crate::supervise::parse_args(rest).is_some())
    });
    if !is_shim {
        return Leftover::Unproven(format!("pid {pid} (`{}`) is not a coord shim", what()));
    }
    let Some(token) = &entry.shim_token else {
        return Leftover::Unproven(format!("no identity token is recorded for pid {pid}"));
    };
    if crate::procfs::env_var(pid, crate::supervise::TOKEN_VAR).as_deref() != Some(token.as_str()) {
        return Leftover::Unproven(format!(
            "pid {pid} does not carry the recorded identity token"
        ));
    }
    Leftover::Ours(pid)
}

/// Kills the shims a crashed run left behind, each with its service's tree and group, after
/// proving each is ours ([`check_leftover`]); leaves alone (and reports) what is not proven;
/// clears the pids of every entry. Ports are kept for reuse.
pub fn clean_leftovers(registry: &mut Registry) -> Cleanup {
    let mut report = Cleanup::default();
    for (name, entry) in registry.services.iter_mut() {
        match check_leftover(entry) {
            Leftover::Nothing => continue,
            Leftover::Gone => report.cleared.push(name.clone()),
            Leftover::Unproven(why) => report.refused.push((name.clone(), why)),
            Leftover::Ours(shim) => {
                crate::kill_tree::kill_until_empty(
                    || {
                        let mut members = crate::procfs::descendants(shim);
                        members.extend(crate::procfs::group_members(shim));
                        members.sort_unstable();
                        members.dedup();
                        members
                    },
                    || {},
                );
                report.killed.push(name.clone());
            }
        }
        entry.pid = None;
        entry.pgid = None;
        entry.pid_start_time = None;
        entry.shim_token = None;
        entry.service_pid = None;
        entry.state = "stopped".into();
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp_stack(tag: &str) -> StackPaths {
        let dir = std::env::temp_dir().join(format!("coord-registry-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        StackPaths::for_stack_file(&dir.join("coord.toml")).unwrap()
    }

    #[test]
    fn updates_round_trip_with_mode_0600() {
        let paths = temp_stack("roundtrip");
        assert_eq!(read(&paths).unwrap(), Registry::default());
        update(&paths, |r| {
            r.services.insert(
                "db".into(),
                Entry {
                    state: "ready".into(),
                    port: Some(5432),
                    ..Entry::default()
                },
            );
        })
        .unwrap();
        let r = read(&paths).unwrap();
        assert_eq!(r.services["db"].port, Some(5432));
        assert_eq!(r.last_ports(), BTreeMap::from([("db".to_string(), 5432)]));
        let mode = fs::metadata(paths.registry()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        fs::remove_dir_all(&paths.stack_dir).unwrap();
    }

    #[test]
    fn a_corrupt_registry_is_replaced_and_kept_aside() {
        let paths = temp_stack("corrupt");
        paths.ensure_dirs().unwrap();
        fs::write(paths.registry(), "{ not json").unwrap();
        assert!(read(&paths).is_err());
        update(&paths, |r| {
            r.services.insert("db".into(), Entry::default());
        })
        .unwrap();
        assert!(read(&paths).unwrap().services.contains_key("db"));
        let kept = paths.registry().with_extension("json.corrupt");
        assert_eq!(fs::read_to_string(kept).unwrap(), "{ not json");
        fs::remove_dir_all(&paths.stack_dir).unwrap();
    }

    #[test]
    fn a_dead_or_foreign_pid_is_cleared_not_killed() {
        let mut r = Registry::default();
        // Our own pid with a wrong start time: not the recorded process.
        r.services.insert(
            "a".into(),
            Entry {
                state: "ready".into(),
                pid: Some(std::process::id()),
                pgid: Some(std::process::id()),
                pid_start_time: Some(1),
                port: Some(8000),
                ..Entry::default()
            },
        );
        // Our own process with the right start time, but not a shim: not ours to kill.
        let me = ProcessId::of(std::process::id()).unwrap();
        r.services.insert(
            "b".into(),
            Entry {
                state: "ready".into(),
                pid: Some(me.pid),
                pid_start_time: Some(me.start_time),
                ..Entry::default()
            },
        );
        let report = clean_leftovers(&mut r);
        assert_eq!(report.killed, Vec::<String>::new());
        assert_eq!(report.cleared, vec!["a".to_string()]);
        assert_eq!(report.refused.len(), 1, "{report:?}");
        assert_eq!(report.refused[0].0, "b");
        assert_eq!(r.services["a"].pid, None);
        assert_eq!(r.services["b"].pid, None);
        assert_eq!(r.services["a"].port, Some(8000));
    }

    /// A live process with a `__supervise` argument, in its own group, as a forged entry would
    /// name it (kill and reap it when done).
    fn fake_shim() -> std::process::Child {
        use std::os::unix::process::CommandExt;
        std::process::Command::new("sh")
            .arg("-c")
            .arg("sleep 60")
            .arg("__supervise")
            .process_group(0)
            .spawn()
            .unwrap()
    }

    fn entry_for(pid: u32, pgid: u32) -> Entry {
        Entry {
            state: "ready".into(),
            pid: Some(pid),
            pgid: Some(pgid),
            pid_start_time: ProcessId::of(pid).map(|p| p.start_time),
            shim_token: Some("0123".into()),
            ..Entry::default()
        }
    }

    #[test]
    fn a_process_group_of_one_or_another_process_is_never_trusted() {
        let mut fake = fake_shim();
        let pid = fake.id();
        for pgid in [0, 1, std::process::id()] {
            match check_leftover(&entry_for(pid, pgid)) {
                Leftover::Unproven(why) => assert!(why.contains("process group"), "{why}"),
                other => panic!("pgid {pgid} was accepted: {other:?}"),
            }
        }
        match check_leftover(&entry_for(1, 1)) {
            Leftover::Unproven(why) => assert!(why.contains("never be a coord shim"), "{why}"),
            other => panic!("pid 1 was accepted: {other:?}"),
        }
        // The shell and its `sleep`: the whole group.
        let group = rustix::process::Pid::from_raw(pid as i32).unwrap();
        rustix::process::kill_process_group(group, rustix::process::Signal::KILL).unwrap();
        fake.wait().unwrap();
    }

    #[test]
    fn a_process_with_a_shim_argument_but_no_token_is_left_alone() {
        let mut fake = fake_shim();
        let pid = fake.id();
        // Its own group, its real start time, `__supervise` among its arguments: what the old
        // check accepted. It is not coord's shim command line and carries no token.
        let mut r = Registry::default();
        r.services.insert("api".into(), entry_for(pid, pid));
        let report = clean_leftovers(&mut r);
        assert!(report.killed.is_empty(), "{report:?}");
        assert_eq!(report.refused.len(), 1, "{report:?}");
        assert_eq!(r.services["api"].pid, None);
        assert!(ProcessId::of(pid).is_some_and(|p| p.is_alive()), "it lives");
        // The shell and its `sleep`: the whole group.
        let group = rustix::process::Pid::from_raw(pid as i32).unwrap();
        rustix::process::kill_process_group(group, rustix::process::Signal::KILL).unwrap();
        fake.wait().unwrap();
    }

    #[test]
    fn a_live_owner_is_recognised() {
        let mut r = Registry::default();
        assert_eq!(r.live_owner(), None);
        // pid 1 is alive; with its real start time it is a live owner.
        r.coord = ProcessId::of(1);
        assert_eq!(r.live_owner(), ProcessId::of(1));
        r.coord = Some(ProcessId {
            pid: 1,
            start_time: u64::MAX,
        });
        assert_eq!(r.live_owner(), None);
    }
}
