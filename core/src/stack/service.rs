//! One `[services.NAME]` table -> [`Service`], defaults filled in.

use super::coordination::CoordinationParts;
use super::dependencies::{Edge, dependencies};
use super::diagnostics::Diagnostics;
use super::env::{env, no_reserved};
use super::names::NameIndex;
use super::port::port_spec;
use super::probe::{LIVE_PERIOD, READY_PERIOD, default_tcp_probe, probe};
use super::ranges::Ranges;
use super::raw::{RawCommand, RawService};
use super::restart::{restart, stop_signal};
use super::tree::Spanned;
use super::values::env_prefix;
use super::values::{duration, no_nul};
use super::{CommandSpec, RestartPolicy, Service, ServiceId, ServiceKind};
use std::collections::BTreeSet;
use std::time::Duration;

/// Default URL template handed to dependents.
pub(crate) const DEFAULT_URL: &str = "http://$HOST:$PORT";
/// Default run time after which a service without a readiness probe counts as Ready.
const MIN_UPTIME: Duration = Duration::from_millis(500);
/// Default time between the stop signal and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// What every service table is checked against.
pub(crate) struct Context<'a> {
    /// `[coordination]`.
    pub coordination: &'a CoordinationParts,
    /// The port ranges, defaults included.
    pub ranges: &'a Ranges,
    /// Every service name, in id order, indexed.
    pub names: &'a NameIndex<'a>,
    /// The names in `required_services`.
    pub required: BTreeSet<&'a str>,
    /// The names in `optional_services`.
    pub optional: BTreeSet<&'a str>,
}

/// A converted service and its dependency edges with their places in the file.
pub(crate) struct Built {
    /// The service.
    pub service: Service,
    /// Its resolved dependencies.
    pub edges: Vec<Edge>,
}

/// The variables coord sets for a service, which its `env` may not set: `PORT` when it has a
/// port, `NOTIFY_SOCKET` for a `notify` readiness probe, and per dependency
/// `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL` and `<NAME>_AVAILABLE`. Each with the help text.
fn reserved_env(
    has_port: bool,
    edges: &[Edge],
    ready: Option<&super::Probe>,
) -> Vec<(String, String)> {
    let mut reserved = Vec::new();
    if has_port {
        reserved.push((
            "PORT".to_string(),
            "coord sets `PORT` to the port it reserved for the service: to choose that port, write `port = N` (or `preferred`) and remove `PORT` from `env`".to_string(),
        ));
    }
    if matches!(ready.map(|p| &p.check), Some(super::ProbeCheck::Notify)) {
        reserved.push((
            "NOTIFY_SOCKET".to_string(),
            "coord sets `NOTIFY_SOCKET` for the `notify` readiness probe: remove it from `env`"
                .to_string(),
        ));
    }
    for edge in edges {
        let name = &edge.dependency.name;
        let prefix = env_prefix(name);
        for suffix in ["_HOST", "_PORT", "_URL", "_AVAILABLE"] {
            reserved.push((
                format!("{prefix}{suffix}"),
                format!("coord sets `{prefix}{suffix}` from the dependency `{name}` when it starts the service: remove it from `env`, or drop the dependency"),
            ));
        }
    }
    reserved
}

/// Converts the table of service `id`.
pub(crate) fn service(
    d: &mut Diagnostics,
    ctx: &Context,
    id: ServiceId,
    name: &Spanned<String>,
    raw: &Spanned<RawService>,
) -> Built {
    let r = raw.get_ref();
    let name_text = name.get_ref().as_str();
    let coordination = &ctx.coordination.coordination;
    let kind = kind(d, r);
    let command = command(d, name, r);
    if let Some(dir) = &r.working_dir
        && dir.get_ref().trim().is_empty()
    {
        d.error_at(dir, "`working_dir` is empty", "write a directory relative to the stack file, such as `working_dir = \"backend\"`, or remove the key");
    }
    if let Some(dir) = &r.working_dir {
        no_nul(d, "`working_dir`", dir.get_ref(), dir.span());
    }
    if let Some(url) = &r.url {
        no_nul(d, "`url`", url.get_ref(), url.span());
    }
    let port = r.port.as_ref().and_then(|p| port_spec(d, p, ctx.ranges));
    let has_port = r.port.is_some();
    let socket_activation = r.socket_activation.as_ref().is_some_and(|s| *s.get_ref());
    if let Some(sa) = &r.socket_activation
        && *sa.get_ref()
        && !has_port
    {
        d.error_at(
            sa,
            "`socket_activation = true` needs a `port` to listen on",
            "add `port = { range = \"development\" }` (or a fixed `port = 8080`), or remove `socket_activation`",
        );
    }
    let edges = r.depends_on.as_ref().map_or_else(Vec::new, |deps| {
        dependencies(d, id, deps, ctx.names, coordination.dependency_timeout)
    });
    let ready = r
        .ready
        .as_ref()
        .map(|p| probe(d, "ready", p, has_port, READY_PERIOD));
    let live = r
        .live
        .as_ref()
        .map(|p| probe(d, "live", p, has_port, LIVE_PERIOD));
    let restart_spec = restart(d, r.restart.as_ref());
    if kind == ServiceKind::Task {
        check_task(d, r, restart_spec.policy);
    }
    // A long-running service with a port and no readiness probe is ready when its port accepts.
    let ready = match (ready, kind, has_port) {
        (None, ServiceKind::Service, true) => Some(default_tcp_probe()),
        (ready, _, _) => ready,
    };
    no_reserved(
        d,
        r.env.as_ref(),
        &reserved_env(has_port, &edges, ready.as_ref()),
    );
    let service = Service {
        name: name_text.to_string(),
        kind,
        command,
        working_dir: r.working_dir.as_ref().map(|w| w.get_ref().clone()),
        env: env(d, r.env.as_ref()),
        env_from_files: Default::default(),
        port,
        socket_activation,
        url: r
            .url
            .as_ref()
            .map_or_else(|| DEFAULT_URL.to_string(), |u| u.get_ref().clone()),
        depends_on: edges.iter().map(|e| e.dependency.clone()).collect(),
        ready,
        live,
        min_uptime: duration(d, "min_uptime", &r.min_uptime, MIN_UPTIME, false),
        readiness_timeout: duration(
            d,
            "readiness_timeout",
            &r.readiness_timeout,
            coordination.readiness_timeout,
            true,
        ),
        restart: restart_spec,
        stop_signal: stop_signal(d, r.stop_signal.as_ref()),
        stop_grace: duration(d, "stop_grace", &r.stop_grace, STOP_GRACE, false),
        stop_command: super::watch::stop_command(
            d,
            r.stop_command.as_ref(),
            r.stop_signal.as_ref(),
        ),
        watch: r.watch.as_ref().map(|w| super::watch::watch(d, w)),
        optional: optional(d, ctx, name, r),
        autostart: r.autostart.as_ref().is_none_or(|a| *a.get_ref()),
        export: super::export::export(d, r.export.as_ref()),
    };
    Built { service, edges }
}

fn kind(d: &mut Diagnostics, r: &RawService) -> ServiceKind {
    match r.kind.as_ref() {
        None => ServiceKind::Service,
        Some(k) => match k.get_ref().as_str() {
            "service" => ServiceKind::Service,
            "task" => ServiceKind::Task,
            other => {
                d.error_at(
                    k,
                    format!("unknown kind `{other}`"),
                    "write `kind = \"service\"` (runs until stopped; the default) or `kind = \"task\"` (runs once to exit 0)",
                );
                ServiceKind::Service
            }
        },
    }
}

fn command(d: &mut Diagnostics, name: &Spanned<String>, r: &RawService) -> CommandSpec {
    let example = "such as `command = \"python3 -m http.server $PORT\"` or `command = [\"./server\", \"--port\", \"$PORT\"]`";
    let Some(command) = &r.command else {
        d.error_at(
            name,
            format!("service `{}` has no `command`", name.get_ref()),
            format!("add the command that starts it, {example}"),
        );
        return CommandSpec::Shell(String::new());
    };
    match command.get_ref() {
        RawCommand::Shell(line) => {
            if line.trim().is_empty() {
                d.error_at(
                    command,
                    "`command` is empty",
                    format!("write the command that starts the service, {example}"),
                );
            }
            no_nul(d, "`command`", line, command.span());
            CommandSpec::Shell(line.clone())
        }
        RawCommand::Argv(argv) => {
            if argv
                .first()
                .is_none_or(|program| program.get_ref().trim().is_empty())
            {
                d.error_at(
                    command,
                    "`command` has no program to run",
                    format!("start the array with the program, {example}"),
                );
            }
            for arg in argv {
                no_nul(d, "an argument of `command`", arg.get_ref(), arg.span());
            }
            CommandSpec::Argv(argv.iter().map(|a| a.get_ref().clone()).collect())
        }
    }
}

/// A task runs once to completion: it has no readiness, liveness or restarts.
fn check_task(d: &mut Diagnostics, r: &RawService, policy: RestartPolicy) {
    if let Some(live) = &r.live {
        d.error_at(
            live,
            "a task cannot have a `live` probe",
            "a task runs once and is done when it exits 0, so there is nothing to keep alive: remove `live`, or make it `kind = \"service\"`",
        );
    }
    if let Some(ready) = &r.ready {
        d.error_at(
            ready,
            "a task cannot have a `ready` probe",
            "a task is done when it exits 0, and that is what its dependents wait for: remove `ready`, or make it `kind = \"service\"`",
        );
    }
    if policy != RestartPolicy::No {
        let at = r
            .restart
            .as_ref()
            .and_then(|t| t.get_ref().policy.as_ref().map(Spanned::span))
            .unwrap_or(0..0);
        d.error(
            at,
            "a task cannot be restarted",
            "a task runs once; a failed attempt is retried `startup_retry_count` times, but it is never restarted after it finished: write `policy = \"no\"` or remove `restart`",
        );
    }
}

/// Whether the run survives the service failing: its own `optional` key, else whether
/// `[coordination]` lists it in `optional_services`. Contradictions are errors.
fn optional(d: &mut Diagnostics, ctx: &Context, name: &Spanned<String>, r: &RawService) -> bool {
    let in_required = ctx.required.contains(name.get_ref().as_str());
    let in_optional = ctx.optional.contains(name.get_ref().as_str());
    match &r.optional {
        Some(flag) if *flag.get_ref() && in_required => {
            d.error_at(
                flag,
                format!(
                    "`{}` says `optional = true` but is listed in `required_services`",
                    name.get_ref()
                ),
                "remove it from `required_services`, or write `optional = false`",
            );
            true
        }
        Some(flag) if !*flag.get_ref() && in_optional => {
            d.error_at(
                flag,
                format!(
                    "`{}` says `optional = false` but is listed in `optional_services`",
                    name.get_ref()
                ),
                "remove it from `optional_services`, or write `optional = true`",
            );
            false
        }
        Some(flag) => *flag.get_ref(),
        None => in_optional,
    }
}
