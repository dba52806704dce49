//! `watch = { paths, include, exclude, debounce, cascade }` -> [`Watch`], and `stop_command`.
//!
//! Both keys are parsed here, apart from the rest of the service table, so that a change of the
//! parsing plumbing only has to port this file.

use super::Watch;
use super::diagnostics::Diagnostics;
use super::tree::Spanned;
use super::values::{duration, no_nul};
use serde::Deserialize;
use std::time::Duration;

/// Default quiet time after the last change before a watched service restarts.
pub const WATCH_DEBOUNCE: Duration = Duration::from_millis(300);

/// `watch = { ... }` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWatch {
    pub paths: Option<Spanned<Vec<Spanned<String>>>>,
    pub include: Option<Vec<Spanned<String>>>,
    pub exclude: Option<Vec<Spanned<String>>>,
    pub debounce: Option<Spanned<String>>,
    pub cascade: Option<Spanned<bool>>,
}

/// Converts a `watch` table: at least one path, every glob valid, a non-zero debounce.
pub(crate) fn watch(d: &mut Diagnostics, raw: &Spanned<RawWatch>) -> Watch {
    let r = raw.get_ref();
    let paths: Vec<String> = match &r.paths {
        Some(paths) if !paths.get_ref().is_empty() => {
            for p in paths.get_ref() {
                if p.get_ref().trim().is_empty() {
                    d.error_at(
                        p,
                        "a `watch` path is empty",
                        "write a directory or file relative to the service's working directory, such as `paths = [\"src\"]`",
                    );
                }
                no_nul(d, "a `watch` path", p.get_ref(), p.span());
            }
            paths
                .get_ref()
                .iter()
                .map(|p| p.get_ref().clone())
                .collect()
        }
        Some(paths) => {
            d.error_at(
                paths,
                "`watch` has no `paths`",
                "list what to watch, relative to the service's working directory, such as `paths = [\"src\"]`",
            );
            Vec::new()
        }
        None => {
            d.error_at(
                raw,
                "`watch` has no `paths`",
                "add the directories or files to watch, relative to the service's working directory, such as `watch = { paths = [\"src\"] }`",
            );
            Vec::new()
        }
    };
    Watch {
        paths,
        include: globs(d, "include", r.include.as_deref()),
        exclude: globs(d, "exclude", r.exclude.as_deref()),
        debounce: duration(d, "debounce", &r.debounce, WATCH_DEBOUNCE, true),
        cascade: r.cascade.as_ref().is_some_and(|c| *c.get_ref()),
    }
}

/// The glob patterns of `include` or `exclude`, each checked.
fn globs(d: &mut Diagnostics, key: &str, raw: Option<&[Spanned<String>]>) -> Vec<String> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    for pattern in raw {
        if let Err(e) = globset::Glob::new(pattern.get_ref()) {
            d.error_at(
                pattern,
                format!(
                    "`{key}` pattern `{}` is not a glob: {}",
                    pattern.get_ref(),
                    e.kind()
                ),
                format!("write a glob such as `{key} = [\"*.py\", \"templates/**\"]`"),
            );
        }
    }
    raw.iter().map(|p| p.get_ref().clone()).collect()
}

/// Converts `stop_command`: a non-empty shell line, and no `stop_signal` beside it (the command
/// replaces the signal).
pub(crate) fn stop_command(
    d: &mut Diagnostics,
    raw: Option<&Spanned<String>>,
    signal: Option<&Spanned<String>>,
) -> Option<String> {
    let raw = raw?;
    if raw.get_ref().trim().is_empty() {
        d.error_at(
            raw,
            "`stop_command` is empty",
            "write the command that makes the service stop, such as `stop_command = \"kill -INT $MAINPID\"`, or remove the key to stop it with its stop signal",
        );
    }
    no_nul(d, "`stop_command`", raw.get_ref(), raw.span());
    if let Some(signal) = signal {
        d.error_at(
            signal,
            "`stop_signal` and `stop_command` are both set",
            "`stop_command` runs instead of the stop signal (SIGKILL still follows after `stop_grace`): remove one of them",
        );
    }
    Some(raw.get_ref().clone())
}
