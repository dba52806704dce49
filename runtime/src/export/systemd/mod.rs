//! `coord export systemd`: user units that run the stack on one server without coord.
//!
//! Per service `STACK-NAME.service` (and `STACK-NAME.socket` with socket activation, and
//! `STACK-NAME.env` with the variables of its env files, mode 0600, never in a unit), and
//! `STACK.target` grouping the stack: `systemctl --user start STACK.target`. Dependencies:
//! required -> `Requires=` + `After=`, optional -> `Wants=` + `After=`, soft -> `After=`.
//! Readiness decides when a unit counts as started (see `readiness`), so `After=` keeps coord's
//! "never before ready".

mod env_file;
mod readiness;
mod unit;

use super::text::{human, rewrite_vars};
use super::{EnvSplit, Notes, OutputFile, Plan};
use coord_core::ServiceId;
use coord_core::stack::{
    CommandSpec, DependencyKind, RestartPolicy, Service, ServiceKind, StopSignal,
};
use readiness::{Readiness, readiness};
use std::path::Path;
use unit::{Unit, assignment, command_line, literal, span, word};

/// The units of the planned services. `stack_dir`: the absolute directory of the stack file,
/// which working directories are relative to.
pub fn export(plan: &Plan, stack_dir: &Path, notes: &mut Notes) -> Vec<OutputFile> {
    stack_notes(plan, notes);
    let mut files = Vec::new();
    for (id, service) in plan.services() {
        let secrets = env_file::secrets(plan, id, notes);
        files.push(OutputFile {
            name: format!("{}.service", unit_name(plan, id)),
            text: service_unit(plan, id, stack_dir, &secrets, notes).render(&header(plan, service)),
            private: false,
        });
        if let Some(file) = secrets {
            files.push(file);
        }
        if service.socket_activation
            && let Some(port) = plan.ports[id]
        {
            files.push(OutputFile {
                name: format!("{}.socket", unit_name(plan, id)),
                text: socket_unit(plan, service, port).render(&header(plan, service)),
                private: false,
            });
        }
    }
    files.push(OutputFile {
        name: format!("{}.target", plan.name),
        text: target_unit(plan).render(&format!(
            "The coord stack `{}`: systemctl --user start {}.target",
            plan.name, plan.name
        )),
        private: false,
    });
    files
}

/// `STACK-NAME`, the unit name of service `id` without its suffix.
pub fn unit_name(plan: &Plan, id: ServiceId) -> String {
    format!("{}-{}", plan.name, plan.service(id).name)
}

fn header(plan: &Plan, service: &Service) -> String {
    format!(
        "Exported by coord from the stack `{}`: `{}`",
        plan.name, service.name
    )
}

fn service_unit(
    plan: &Plan,
    id: ServiceId,
    stack_dir: &Path,
    secrets: &Option<OutputFile>,
    notes: &mut Notes,
) -> Unit {
    let service = plan.service(id);
    let mut unit = Unit::default();
    let kind = match service.kind {
        ServiceKind::Service => "service",
        ServiceKind::Task => "task",
    };
    unit.set(
        "Unit",
        "Description",
        format!("{} ({kind} of the coord stack {})", service.name, plan.name),
    );
    unit.set("Unit", "PartOf", format!("{}.target", plan.name));
    let deps = |kinds: &[DependencyKind]| -> Vec<String> {
        service
            .depends_on
            .iter()
            .filter(|d| plan.selected[d.service] && kinds.contains(&d.kind))
            .map(|d| format!("{}.service", unit_name(plan, d.service)))
            .collect()
    };
    let mut after = deps(&[
        DependencyKind::Required,
        DependencyKind::Optional,
        DependencyKind::Soft,
        DependencyKind::Started,
    ]);
    let mut requires = deps(&[DependencyKind::Required]);
    if service.socket_activation && plan.ports[id].is_some() {
        let socket = format!("{}.socket", unit_name(plan, id));
        requires.push(socket.clone());
        after.push(socket);
    }
    unit.set_list("Unit", "Requires", &requires);
    unit.set_list(
        "Unit",
        "Wants",
        &deps(&[DependencyKind::Optional, DependencyKind::Started]),
    );
    unit.set_list("Unit", "After", &after);
    for dep in &service.depends_on {
        if plan.selected[dep.service] && dep.kind != DependencyKind::Required {
            notes.service(
                &service.name,
                format!(
                    "`{}_AVAILABLE=1` is set at export; systemd starts this unit even if `{}` failed",
                    coord_core::stack::env_prefix(&dep.name),
                    dep.name
                ),
            );
        }
    }
    let restart = &service.restart;
    if service.kind == ServiceKind::Service && restart.policy != RestartPolicy::No {
        unit.set("Unit", "StartLimitIntervalSec", span(restart.window));
        unit.set(
            "Unit",
            "StartLimitBurst",
            (restart.max_restarts + 1).to_string(),
        );
    }

    let discovery = plan.discovery_env(id, |_| "127.0.0.1".to_string());
    match service.kind {
        ServiceKind::Task => {
            unit.set("Service", "Type", "oneshot");
            unit.set("Service", "RemainAfterExit", "yes");
            unit.set("Service", "ExecStart", exec_start(service, &discovery));
            notes.service(
                &service.name,
                format!(
                    "task: a failed run is not retried (startup_retry_count {})",
                    plan.stack.coordination.startup_retry_count
                ),
            );
        }
        ServiceKind::Service => {
            let ready = readiness(service, plan.ports[id], notes);
            let kind = if ready == Readiness::Notify {
                "notify"
            } else {
                "exec"
            };
            unit.set("Service", "Type", kind);
            if ready == Readiness::Notify {
                unit.set("Service", "NotifyAccess", "all");
            }
            unit.set("Service", "ExecStart", exec_start(service, &discovery));
            match ready {
                Readiness::Notify => {}
                Readiness::Poll {
                    interpreter,
                    script,
                } => unit.set(
                    "Service",
                    "ExecStartPost",
                    command_line(&[interpreter, "-c", &script]),
                ),
                Readiness::Uptime(secs) => {
                    unit.set(
                        "Service",
                        "ExecStartPost",
                        command_line(&["/bin/sleep", &secs]),
                    );
                }
            }
            if service.live.is_some() {
                notes.service(
                    &service.name,
                    "live: systemd has no liveness probe (WatchdogSec= would need the program to send WATCHDOG=1): dropped",
                );
            }
        }
    }
    unit.set(
        "Service",
        "TimeoutStartSec",
        span(service.readiness_timeout),
    );
    let mut env: Vec<(String, String)> = EnvSplit::of(service).own.into_iter().collect();
    env.extend(discovery);
    for (key, value) in &env {
        unit.set("Service", "Environment", assignment(key, value));
    }
    if let Some(file) = secrets {
        unit.set("Service", "EnvironmentFile", env_file::path(&file.name));
    }
    let dir = stack_dir.join(service.working_dir.as_deref().unwrap_or(""));
    let dir = dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    unit.set(
        "Service",
        "WorkingDirectory",
        if dir.is_empty() {
            "/".to_string()
        } else {
            dir.replace('%', "%%")
        },
    );
    unit.set("Service", "KillMode", "control-group");
    unit.set(
        "Service",
        "KillSignal",
        format!("SIG{}", signal(service.stop_signal)),
    );
    unit.set("Service", "TimeoutStopSec", span(service.stop_grace));
    if service.kind == ServiceKind::Service {
        let policy = match restart.policy {
            RestartPolicy::No => "no",
            RestartPolicy::OnFailure => "on-failure",
            RestartPolicy::Always => "always",
        };
        unit.set("Service", "Restart", policy);
        if restart.policy != RestartPolicy::No {
            unit.set("Service", "RestartSec", span(restart.backoff_initial));
            notes.service(
                &service.name,
                format!(
                    "restart: every restart waits RestartSec {} (coord doubles it up to {}; RestartSteps= needs systemd 254)",
                    human(restart.backoff_initial),
                    human(restart.backoff_max)
                ),
            );
        }
    }
    unit.set("Install", "WantedBy", format!("{}.target", plan.name));
    unit
}

/// The listener systemd holds and hands over as fd 3 (`LISTEN_FDS=1`), as coord does.
fn socket_unit(plan: &Plan, service: &Service, port: u16) -> Unit {
    let mut unit = Unit::default();
    unit.set(
        "Unit",
        "Description",
        format!("{} listener (coord stack {})", service.name, plan.name),
    );
    unit.set("Unit", "PartOf", format!("{}.target", plan.name));
    unit.set("Socket", "ListenStream", format!("127.0.0.1:{port}"));
    unit.set("Install", "WantedBy", format!("{}.target", plan.name));
    unit
}

/// The stack: required services (those whose failure fails a coord run) are `Requires=`,
/// optional ones `Wants=`; the target is reached once every one has started.
fn target_unit(plan: &Plan) -> Unit {
    let mut unit = Unit::default();
    unit.set("Unit", "Description", format!("coord stack {}", plan.name));
    let units = |optional: bool| -> Vec<String> {
        plan.services()
            .filter(|(_, s)| s.optional == optional)
            .map(|(id, _)| format!("{}.service", unit_name(plan, id)))
            .collect()
    };
    unit.set_list("Unit", "Requires", &units(false));
    unit.set_list("Unit", "Wants", &units(true));
    let all: Vec<String> = plan
        .services()
        .map(|(id, _)| format!("{}.service", unit_name(plan, id)))
        .collect();
    unit.set_list("Unit", "After", &all);
    unit.set("Install", "WantedBy", "default.target");
    unit
}

/// `ExecStart=`: a string through `/bin/sh -c` as under coord; an argv through
/// `/bin/sh -c 'exec "$@"'` so that a relative program is found from the working directory
/// or `PATH` as coord finds it, with the references coord expands as `${NAME}`.
fn exec_start(service: &Service, discovery: &[(String, String)]) -> String {
    match &service.command {
        CommandSpec::Shell(line) => command_line(&["/bin/sh", "-c", line]),
        CommandSpec::Argv(argv) => {
            let known: Vec<String> = discovery
                .iter()
                .map(|(k, _)| k.clone())
                .chain(service.env.keys().cloned())
                .collect();
            let mut words = vec![command_line(&["/bin/sh", "-c", "exec \"$@\"", "sh"])];
            for item in argv {
                let escaped = rewrite_vars(item, &known, |n| format!("${{{n}}}"), literal);
                words.push(word(item, escaped));
            }
            words.join(" ")
        }
    }
}

fn signal(signal: StopSignal) -> &'static str {
    match signal {
        StopSignal::Term => "TERM",
        StopSignal::Int => "INT",
        StopSignal::Quit => "QUIT",
        StopSignal::Hup => "HUP",
        StopSignal::Usr1 => "USR1",
        StopSignal::Usr2 => "USR2",
        StopSignal::Kill => "KILL",
    }
}

/// What the stack's `[coordination]` settings become.
fn stack_notes(plan: &Plan, notes: &mut Notes) {
    notes.stack(format!(
        "max_parallel_starts {}: systemd starts every unit whose dependencies are up at once",
        plan.stack.coordination.max_parallel_starts
    ));
    notes.stack(
        "dependency timeouts: a unit waits for its dependency's start job, bounded by that dependency's TimeoutStartSec (its readiness_timeout), not by the edge's timeout",
    );
    notes.stack(
        "ports are fixed at export (the core's choice today); a port taken on the server fails the unit instead of moving it",
    );
}
