//! The process-level blocks with timing fields: `readiness_probe` / `liveness_probe` (process-
//! compose's `health.Probe`), `availability` (its restart policy) and `shutdown`.

use super::{Data, Translator, key, string_entry};
use crate::stack::formats::yaml_tree::YNode;
use crate::stack::tree::{RawNode, Spanned};
use std::ops::Range;

type Entry = (Spanned<String>, RawNode);

/// Seconds as a coord duration.
fn seconds(n: i64) -> String {
    format!("{n}s")
}

impl Translator<'_> {
    /// A probe as coord's `ready`/`live` table. An `http_get` port becomes `port`.
    pub(super) fn probe(
        &mut self,
        node: &YNode,
        data: &Data,
        port: &mut Option<(Range<usize>, i64)>,
        which: &str,
    ) -> Option<RawNode> {
        let span = node.span.clone();
        let mut check: Option<Entry> = None;
        let mut timing: Vec<Entry> = Vec::new();
        for (k, v) in node.entries() {
            let ks = k.span();
            match k.get_ref().as_str() {
                "exec" => check = self.exec_check(v, data),
                "http_get" => {
                    // process-compose renders http_get's fields only when there is no exec.
                    let data = if node.get("exec").is_some() {
                        &None
                    } else {
                        data
                    };
                    check = self.http_check(v, data, port)
                }
                "initial_delay_seconds" => {
                    if self
                        .int(v, "`initial_delay_seconds`")
                        .is_some_and(|n| n > 0)
                    {
                        self.note(&ks, "`initial_delay_seconds` is dropped: coord probes from the start (a failing readiness probe before the service is up only delays readiness)", "nothing to do for readiness; for liveness coord probes only after the service is ready");
                    }
                }
                "period_seconds" => {
                    if let Some(n) = self.int(v, "`period_seconds`").filter(|n| *n >= 1) {
                        timing.push(string_entry(&v.span, "period", seconds(n)));
                    }
                }
                "timeout_seconds" => {
                    if let Some(n) = self.int(v, "`timeout_seconds`").filter(|n| *n >= 1) {
                        timing.push(string_entry(&v.span, "timeout", seconds(n)));
                    }
                }
                "success_threshold" | "failure_threshold" => {
                    if let Some(n) = self.int(v, "a threshold").filter(|n| *n >= 1) {
                        timing.push((
                            key(&v.span, k.get_ref()),
                            RawNode::integer(v.span.clone(), n),
                        ));
                    }
                }
                other if other.starts_with("x-") => {}
                other => self.note(
                    &ks,
                    format!("unknown probe key `{other}` is ignored"),
                    "process-compose's probes take exec or http_get and the timing fields",
                ),
            }
        }
        let Some(check) = check else {
            self.error(
                &span,
                format!("this probe has no `exec` or `http_get` (for coord's `{which}`)"),
                "add `exec: { command: ... }` or `http_get: { port: ..., path: ... }`",
            );
            return None;
        };
        let mut entries = vec![check];
        entries.extend(timing);
        Some(RawNode::table(span, entries))
    }

    fn exec_check(&mut self, node: &YNode, data: &Data) -> Option<Entry> {
        let command = node.get("command").or_else(|| {
            self.error(
                &node.span,
                "an `exec` probe without `command`",
                "add `command: ...`, which must exit 0 when the process is up",
            );
            None
        })?;
        let mut text = self.rendered(command, "the probe's `command`", data)?;
        if let Some(dir) = node.get("working_dir") {
            let dir = self.literal(dir, "the probe's `working_dir`")?;
            text = format!("cd '{}' && {text}", dir.replace('\'', "'\\''"));
        }
        if self.shell_is_not_sh() {
            self.note(
                &command.span,
                "the probe's command runs through `sh -c` in coord, not the file's shell",
                "write the probe's command for sh, or wrap it: `bash -c '...'`",
            );
        }
        Some(string_entry(&command.span, "exec", text))
    }

    fn shell_is_not_sh(&self) -> bool {
        // bash reads sh commands the same way in practice; other shells may not.
        !matches!(
            self.shell[0].as_str(),
            "sh" | "/bin/sh" | "bash" | "/bin/bash"
        )
    }

    fn http_check(
        &mut self,
        node: &YNode,
        data: &Data,
        port: &mut Option<(Range<usize>, i64)>,
    ) -> Option<Entry> {
        let mut path = "/".to_string();
        let mut number: Option<(Range<usize>, i64)> = None;
        for (k, v) in node.entries() {
            let ks = k.span();
            match k.get_ref().as_str() {
                "path" => path = self.rendered(v, "`path`", data)?,
                "port" | "num_port" => {
                    let text = self.rendered(v, "`port`", data)?;
                    match text.trim().parse::<i64>() {
                        Ok(n) => number = Some((v.span.clone(), n)),
                        Err(_) => self.error(&v.span, format!("the probe's port `{text}` is not a number"), "write the port number, such as `port: 8080`"),
                    }
                }
                "host" => {
                    let host = self.rendered(v, "`host`", data)?;
                    if !matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1" | "0.0.0.0" | "") {
                        self.note(&v.span, format!("the probe's host `{host}` is dropped: coord probes the service on 127.0.0.1 / ::1"), "probe a remote host with an exec probe (`curl -fsS http://HOST:PORT/PATH`)");
                    }
                }
                "scheme" => {
                    let scheme = self.rendered(v, "`scheme`", data)?;
                    if scheme != "http" {
                        self.note(&v.span, format!("scheme `{scheme}` is probed as plain http by coord"), "use an exec probe (`curl -fsSk https://...`) for https");
                    }
                }
                "status_code" => {
                    let code = self.int(v, "`status_code`");
                    if code.is_some_and(|c| c != 200) {
                        self.note(&v.span, "`status_code` is approximated: coord's http check accepts any status from 200 to 399", "use an exec probe with curl to require another status");
                    }
                }
                "headers" => self.note(&ks, "`headers` are dropped: coord's http probe sends none", "use an exec probe with curl -H to send them"),
                other if other.starts_with("x-") => {}
                other => self.note(&ks, format!("unknown http_get key `{other}` is ignored"), "process-compose's http_get takes host, port, path, scheme, status_code and headers"),
            }
        }
        let Some((port_span, n)) = number else {
            self.error(
                &node.span,
                "an `http_get` probe without `port`",
                "add the port the process listens on: `port: 8080`",
            );
            return None;
        };
        if let Some((_, existing)) = port
            && *existing != n
        {
            self.error(
                &port_span,
                format!("the probes use two ports ({existing} and {n})"),
                "coord probes a service on its one port: use an exec probe for the other",
            );
            return None;
        }
        *port = Some((port_span, n));
        Some(string_entry(&node.span, "http", path))
    }

    /// `availability` -> `restart`.
    pub(super) fn availability(
        &mut self,
        node: &YNode,
        is_task: bool,
        name: &str,
    ) -> Option<RawNode> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut restarts = false;
        for (k, v) in node.entries() {
            let ks = k.span();
            match k.get_ref().as_str() {
                "restart" => {
                    let policy = self.text(v, "`restart`")?;
                    let coord = match policy.as_str() {
                        "always" => "always",
                        "on_failure" => "on-failure",
                        "no" => "no",
                        "exit_on_failure" => {
                            self.note(&v.span, "`exit_on_failure` becomes coord's default: the service is required, so its failure stops the run", "nothing to do; mark it `optional = true` in coord.toml if the run may survive it");
                            "no"
                        }
                        other => {
                            self.error(&v.span, format!("unknown restart policy `{other}`"), "process-compose's policies are always, on_failure, exit_on_failure and no");
                            return None;
                        }
                    };
                    restarts = coord != "no";
                    entries.push(string_entry(&v.span, "policy", coord.into()));
                }
                "backoff_seconds" => {
                    if let Some(n) = self.int(v, "`backoff_seconds`").filter(|n| *n >= 1) {
                        // process-compose waits the same time before every restart.
                        entries.push(string_entry(&v.span, "backoff", seconds(n)));
                        entries.push(string_entry(&v.span, "backoff_max", seconds(n)));
                    }
                }
                "max_restarts" => {
                    if let Some(n) = self.int(v, "`max_restarts`").filter(|n| *n >= 1) {
                        self.note(&v.span, "`max_restarts` counts restarts within coord's restart window (60s), not over the whole run", "set `restart.window` in coord.toml to a longer window if needed");
                        entries.push((key(&v.span, "max_restarts"), RawNode::integer(v.span.clone(), n)));
                    }
                }
                "exit_on_end" | "exit_on_skipped" => {
                    if v.as_bool() == Some(true) {
                        self.note(&ks, format!("`{}` is dropped: coord keeps the stack running when one process ends", k.get_ref()), "stop the stack with `coord stop` (or Ctrl-C) when it is done");
                    }
                }
                other if other.starts_with("x-") => {}
                other => self.note(&ks, format!("unknown availability key `{other}` is ignored"), "process-compose's availability takes restart, backoff_seconds, max_restarts, exit_on_end"),
            }
        }
        if is_task {
            if restarts {
                self.note(&node.span, format!("the restart policy of `{name}` is dropped: it is a task (a dependent waits for it to complete)"), "a failed task is retried startup_retry_count times");
            }
            return None;
        }
        (!entries.is_empty()).then(|| RawNode::table(node.span.clone(), entries))
    }

    /// `shutdown` -> `stop_signal` or `stop_command` (process-compose runs the command instead of
    /// sending the signal, as coord does), `stop_grace`.
    pub(super) fn shutdown(&mut self, node: &YNode) -> Vec<Entry> {
        let mut out = Vec::new();
        for (k, v) in node.entries() {
            let ks = k.span();
            match k.get_ref().as_str() {
                "signal" => {
                    let Some(n) = self.int(v, "`signal`") else { continue };
                    match signal_name(n) {
                        Some(name) => out.push(string_entry(&v.span, "stop_signal", name.into())),
                        None => self.error(&v.span, format!("signal {n} is not one coord sends"), "use 1 (HUP), 2 (INT), 3 (QUIT), 9 (KILL), 10 (USR1), 12 (USR2) or 15 (TERM)"),
                    }
                }
                "timeout_seconds" => {
                    if let Some(n) = self.int(v, "`timeout_seconds`").filter(|n| *n >= 1) {
                        out.push(string_entry(&v.span, "stop_grace", seconds(n)));
                    }
                }
                "command" => {
                    if let Some(command) = self.literal(v, "`shutdown.command`") {
                        if self.shell_is_not_sh() {
                            self.note(&v.span, "`shutdown.command` runs through `sh -c` in coord, not the file's shell", "write it for sh, or wrap it: `bash -c '...'`");
                        }
                        out.push(string_entry(&v.span, "stop_command", command));
                    }
                }
                "parent_only" => {
                    if v.as_bool() == Some(true) {
                        self.note(&ks, "`parent_only` is dropped: coord signals the whole process group", "make the children exit with their parent");
                    }
                }
                "send_keys" => self.note(&ks, "`send_keys` is dropped: coord runs services without a terminal to type into", "stop the service with its signal or a `shutdown.command`"),
                other if other.starts_with("x-") => {}
                other => self.note(&ks, format!("unknown shutdown key `{other}` is ignored"), "process-compose's shutdown takes signal, timeout_seconds, command, parent_only"),
            }
        }
        if out.iter().any(|(k, _)| k.get_ref() == "stop_command")
            && let Some(at) = out.iter().position(|(k, _)| k.get_ref() == "stop_signal")
        {
            let (_, signal) = out.remove(at);
            self.note(&signal.span, "`shutdown.signal` is dropped: the service is stopped by its `shutdown.command`, as process-compose does", "send the signal from the command if it is needed (`kill -INT $MAINPID`)");
        }
        out
    }
}

/// The name coord uses for a Linux signal number, for the signals it can send.
fn signal_name(n: i64) -> Option<&'static str> {
    Some(match n {
        1 => "HUP",
        2 => "INT",
        3 => "QUIT",
        9 => "KILL",
        10 => "USR1",
        12 => "USR2",
        15 => "TERM",
        _ => return None,
    })
}
