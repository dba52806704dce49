//! Watching the files of services with a `watch` table (the `notify` crate: inotify on Linux).
//!
//! This module only reports facts: every created, modified or removed path that matches a
//! service's `watch` table becomes an [`Event::FilesChanged`] for that service. The core decides
//! what they mean (debounce, restart, cascade). Paths are relative to the service's working
//! directory; `.git`, `target` and `node_modules` (anywhere below) and the stack's own state
//! directory (`.coord`) are never reported; `include` globs (if any) must match, `exclude` globs
//! must not. A glob is matched against the path relative to the watched path and against the
//! file name alone, with `*` crossing `/`.

use crate::driver::Event;
use coord_core::ServiceId;
use coord_core::stack::{Stack, Watch};
use globset::{Glob, GlobSet, GlobSetBuilder};
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Component, Path, PathBuf};

/// Directory names never watched, wherever they are.
pub const IGNORED_DIRS: [&str; 3] = [".git", "target", "node_modules"];

/// What one service watches.
#[derive(Debug)]
struct Filter {
    service: ServiceId,
    roots: Vec<PathBuf>,
    include: GlobSet,
    exclude: GlobSet,
}

/// The running watcher; dropping it stops watching.
pub struct Watching {
    _watcher: notify::RecommendedWatcher,
}

impl std::fmt::Debug for Watching {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watching")
    }
}

/// Starts watching every service's `watch` paths (`cwd_of` gives a service's working
/// directory); changes go to `events` (through a task on `executor`: the watcher reports on its
/// own thread). None when no service watches anything. A path that cannot be watched (it does
/// not exist...) is a warning, not an error.
pub fn start(
    stack: &Stack,
    cwd_of: impl Fn(ServiceId) -> PathBuf,
    state_dir: &Path,
    executor: &smol::LocalExecutor<'static>,
    events: async_channel::Sender<Event>,
) -> Option<Watching> {
    let filters: Vec<Filter> = stack
        .services
        .iter()
        .zip(stack.service_ids())
        .filter_map(|(s, id)| s.watch.as_ref().map(|w| filter(id, w, &cwd_of(id))))
        .collect();
    if filters.is_empty() {
        return None;
    }
    let names: Vec<String> = stack.services.iter().map(|s| s.name.clone()).collect();
    // Bounded like the loop's own queue: the watcher thread waits while the loop is behind.
    let (changes, changed) = async_channel::bounded::<(ServiceId, String)>(64);
    executor
        .spawn(async move {
            while let Ok((service, path)) = changed.recv().await {
                if events
                    .send(Event::FilesChanged { service, path })
                    .await
                    .is_err()
                {
                    break;
                }
            }
        })
        .detach();
    let state_dir = state_dir.to_path_buf();
    let roots: Vec<(ServiceId, PathBuf)> = filters
        .iter()
        .flat_map(|f| f.roots.iter().map(|r| (f.service, r.clone())))
        .collect();
    let handler = move |result: notify::Result<notify::Event>| {
        let Ok(event) = result else {
            return;
        };
        if !matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        ) {
            return;
        }
        for path in &event.paths {
            if path.starts_with(&state_dir) {
                continue;
            }
            for f in &filters {
                if let Some(relative) = f.matches(path) {
                    tracing::debug!("{}: {relative} changed", names[f.service]);
                    let _ = changes.send_blocking((f.service, relative));
                }
            }
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!("cannot watch files ({e}); `watch` restarts are off for this run");
            return None;
        }
    };
    let mut watched: Vec<PathBuf> = Vec::new();
    for (service, root) in roots {
        if watched.contains(&root) {
            continue;
        }
        match watcher.watch(&root, RecursiveMode::Recursive) {
            Ok(()) => watched.push(root),
            Err(e) => tracing::warn!(
                "{}: cannot watch {} ({e}); create it, or fix `watch.paths`",
                stack.services[service].name,
                root.display()
            ),
        }
    }
    Some(Watching { _watcher: watcher })
}

/// The filter of service `service`, whose working directory is `cwd`.
fn filter(service: ServiceId, watch: &Watch, cwd: &Path) -> Filter {
    Filter {
        service,
        roots: watch.paths.iter().map(|p| clean(&cwd.join(p))).collect(),
        include: glob_set(&watch.include),
        exclude: glob_set(&watch.exclude),
    }
}

/// `path` without `.` components (so that event paths, which never have them, share its prefix).
fn clean(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| *c != Component::CurDir)
        .collect()
}

/// The globs as one set (each was checked when the stack loaded; one that still fails is
/// skipped).
fn glob_set(patterns: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        if let Ok(glob) = Glob::new(p) {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

impl Filter {
    /// The path relative to the service's watched path, if the change concerns the service.
    fn matches(&self, path: &Path) -> Option<String> {
        let root = self.roots.iter().find(|r| path.starts_with(r))?;
        let relative = path.strip_prefix(root).ok()?;
        let ignored = relative.components().any(|c| match c {
            Component::Normal(name) => IGNORED_DIRS.iter().any(|d| name == *d),
            _ => false,
        });
        if ignored {
            return None;
        }
        let name = path.file_name().map(Path::new);
        let hit = |set: &GlobSet| set.is_match(relative) || name.is_some_and(|n| set.is_match(n));
        if !self.include.is_empty() && !hit(&self.include) {
            return None;
        }
        if hit(&self.exclude) {
            return None;
        }
        let shown = if relative.as_os_str().is_empty() {
            path
        } else {
            relative
        };
        Some(shown.to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn watch(paths: &[&str], include: &[&str], exclude: &[&str]) -> Watch {
        let s = |v: &[&str]| v.iter().map(|p| p.to_string()).collect();
        Watch {
            paths: s(paths),
            include: s(include),
            exclude: s(exclude),
            debounce: Duration::from_millis(300),
            cascade: false,
        }
    }

    #[test]
    fn globs_default_ignores_and_roots_decide_what_is_reported() {
        let f = filter(
            ServiceId::from_index(0),
            &watch(&["src", "./app.py"], &["*.py"], &["*_test.py"]),
            Path::new("/s/api"),
        );
        let m = |p: &str| f.matches(Path::new(p));
        assert_eq!(m("/s/api/src/main.py").as_deref(), Some("main.py"));
        assert_eq!(m("/s/api/src/pkg/util.py").as_deref(), Some("pkg/util.py"));
        assert_eq!(m("/s/api/app.py").as_deref(), Some("/s/api/app.py"));
        assert_eq!(m("/s/api/src/readme.md"), None, "not included");
        assert_eq!(m("/s/api/src/pkg/util_test.py"), None, "excluded");
        assert_eq!(
            m("/s/api/src/node_modules/x.py"),
            None,
            "ignored by default"
        );
        assert_eq!(m("/s/api/src/.git/x.py"), None, "ignored by default");
        assert_eq!(m("/s/api/src/target/x.py"), None, "ignored by default");
        assert_eq!(m("/s/api/other/x.py"), None, "outside the watched paths");
        let all = filter(
            ServiceId::from_index(1),
            &watch(&["."], &[], &[]),
            Path::new("/s"),
        );
        assert_eq!(
            all.matches(Path::new("/s/Makefile")).as_deref(),
            Some("Makefile")
        );
    }
}
