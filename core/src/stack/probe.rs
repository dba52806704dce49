//! `ready = { ... }` / `live = { ... }` -> [`Probe`]: exactly one check, valid regexes, sane
//! thresholds.

use super::diagnostics::Diagnostics;
use super::raw::RawProbe;
use super::tree::Spanned;
use super::values::{count, duration, no_nul};
use super::{Probe, ProbeCheck};
use std::time::Duration;

/// Readiness probes back off to this period unless the file says otherwise.
pub(crate) const READY_PERIOD: Duration = Duration::from_secs(1);
/// Liveness probes run at this period unless the file says otherwise.
pub(crate) const LIVE_PERIOD: Duration = Duration::from_secs(10);
/// Budget of one probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Consecutive successes needed.
const SUCCESS_THRESHOLD: u32 = 1;
/// Consecutive failures that count.
const FAILURE_THRESHOLD: u32 = 3;

/// The readiness probe filled in for a service with a port and no `ready`.
pub(crate) fn default_tcp_probe() -> Probe {
    Probe {
        check: ProbeCheck::Tcp,
        period: READY_PERIOD,
        timeout: PROBE_TIMEOUT,
        success_threshold: SUCCESS_THRESHOLD,
        failure_threshold: FAILURE_THRESHOLD,
    }
}

const CHECK_HELP: &str = "write exactly one of `tcp = true`, `http = \"/health\"`, `exec = \"command\"`, `log = \"regex\"` or `notify = true`";

/// Converts the probe table written under `key` (`ready` or `live`). `has_port`: whether the
/// service has a port, which `tcp` and `http` need.
pub(crate) fn probe(
    d: &mut Diagnostics,
    key: &str,
    raw: &Spanned<RawProbe>,
    has_port: bool,
    default_period: Duration,
) -> Probe {
    let p = raw.get_ref();
    let check = check(d, key, raw, has_port);
    if let (Some(body), None) = (&p.body, &p.http) {
        d.error_at(
            body,
            format!("`body` in `{key}` only applies to an `http` check"),
            format!("add `http = \"/health\"` to `{key}`, or remove `body`"),
        );
    }
    Probe {
        check: check.unwrap_or(ProbeCheck::Tcp),
        period: duration(d, "period", &p.period, default_period, true),
        timeout: duration(d, "timeout", &p.timeout, PROBE_TIMEOUT, true),
        success_threshold: count(
            d,
            "success_threshold",
            &p.success_threshold,
            SUCCESS_THRESHOLD,
            1,
        ),
        failure_threshold: count(
            d,
            "failure_threshold",
            &p.failure_threshold,
            FAILURE_THRESHOLD,
            1,
        ),
    }
}

/// The one check of a probe table.
fn check(
    d: &mut Diagnostics,
    key: &str,
    raw: &Spanned<RawProbe>,
    has_port: bool,
) -> Option<ProbeCheck> {
    let p = raw.get_ref();
    // Every check key written, in file order.
    let mut written: Vec<(&str, std::ops::Range<usize>)> = [
        ("tcp", p.tcp.as_ref().map(Spanned::span)),
        ("http", p.http.as_ref().map(Spanned::span)),
        ("exec", p.exec.as_ref().map(Spanned::span)),
        ("log", p.log.as_ref().map(Spanned::span)),
        ("notify", p.notify.as_ref().map(Spanned::span)),
    ]
    .into_iter()
    .filter_map(|(name, span)| span.map(|s| (name, s)))
    .collect();
    written.sort_by_key(|(_, span)| span.start);
    match written.as_slice() {
        [] => {
            d.error_at(raw, format!("`{key}` has no check"), CHECK_HELP);
            return None;
        }
        [_] => {}
        [_, (_, second), ..] => {
            let names: Vec<String> = written.iter().map(|(n, _)| format!("`{n}`")).collect();
            d.error(
                second.clone(),
                format!(
                    "`{key}` has several checks ({}); a probe does exactly one",
                    names.join(", ")
                ),
                format!("keep one of them; {CHECK_HELP}"),
            );
            return None;
        }
    }
    let needs_port = |d: &mut Diagnostics, name: &str, span| {
        if !has_port {
            d.error(
                span,
                format!("a `{name}` check in `{key}` needs the service to have a `port`"),
                "add `port = { range = \"development\" }` (or a fixed `port = 8080`), or use an `exec`, `log` or `notify` check",
            );
        }
    };
    if let Some(tcp) = &p.tcp {
        must_be_true(d, key, "tcp", tcp);
        needs_port(d, "tcp", tcp.span());
        Some(ProbeCheck::Tcp)
    } else if let Some(path) = &p.http {
        needs_port(d, "http", path.span());
        if !path.get_ref().starts_with('/') {
            d.error_at(
                path,
                format!("http path `{}` does not start with `/`", path.get_ref()),
                format!(
                    "write the path part of the URL, such as `http = \"/{}\"`",
                    path.get_ref().trim_start_matches('/')
                ),
            );
        }
        let body = p
            .body
            .as_ref()
            .inspect(|b| valid_regex(d, "body", b))
            .map(|b| b.get_ref().clone());
        Some(ProbeCheck::Http {
            path: path.get_ref().clone(),
            body,
        })
    } else if let Some(command) = &p.exec {
        no_nul(
            d,
            &format!("`exec` in `{key}`"),
            command.get_ref(),
            command.span(),
        );
        if command.get_ref().trim().is_empty() {
            d.error_at(command, format!("`exec` in `{key}` is empty"), "write the command that exits 0 when the service is up, such as `exec = \"pg_isready -p $PORT\"`");
        }
        Some(ProbeCheck::Exec {
            command: command.get_ref().clone(),
        })
    } else if let Some(pattern) = &p.log {
        valid_regex(d, "log", pattern);
        Some(ProbeCheck::Log {
            pattern: pattern.get_ref().clone(),
        })
    } else if let Some(notify) = &p.notify {
        must_be_true(d, key, "notify", notify);
        Some(ProbeCheck::Notify)
    } else {
        None
    }
}

fn must_be_true(d: &mut Diagnostics, key: &str, name: &str, value: &Spanned<bool>) {
    if !value.get_ref() {
        d.error_at(
            value,
            format!("`{name} = false` in `{key}` is not a check"),
            format!("write `{name} = true`, or another check; {CHECK_HELP}"),
        );
    }
}

fn valid_regex(d: &mut Diagnostics, key: &str, pattern: &Spanned<String>) {
    if let Err(e) = regex::Regex::new(pattern.get_ref()) {
        let detail = e.to_string();
        let last = detail.lines().last().unwrap_or("invalid").trim();
        let reason = last.strip_prefix("error: ").unwrap_or(last);
        d.error_at(
            pattern,
            format!("`{key}` is not a valid regex: {reason}"),
            "write a regular expression (Rust regex syntax); escape special characters such as `(`, `[` or `.` with a backslash, such as \"listening on port \\\\d+\"",
        );
    }
}
