//! Executing the coordinator's commands.

use super::event::{Event, forward_lines};
use super::{Driver, Live};
use crate::ports::PortError;
use crate::probe;
use crate::probe::notify::NotifySocket;
use crate::process::{ProcessSpec, exit_status, platform_signal, signal_group};
use coord_core::stack::{Probe, ProbeCheck};
use coord_core::{Command, Generation, Input, ProbeOutcome, ProbePurpose, ServiceId};
use std::path::PathBuf;

impl Driver {
    /// Executes one command. Answers that are known at once go to `self.immediate`.
    pub(super) fn execute(&mut self, command: Command) {
        match command {
            Command::Spawn {
                service,
                generation,
                port,
                env,
            } => self.spawn(service, generation, port, env),
            Command::Probe {
                service,
                generation,
                purpose,
            } => self.probe(service, generation, purpose),
            Command::Signal {
                service,
                generation,
                signal,
            } => {
                if let Some(live) = self.live.get(&(service, generation)) {
                    let name = &self.coordinator.stack().services[service].name;
                    tracing::debug!(
                        "{name}: sending SIG{signal:?} to process group {}",
                        live.pid
                    );
                    if let Err(e) = signal_group(live.pid, platform_signal(signal)) {
                        tracing::warn!("{name}: cannot signal process group {}: {e}", live.pid);
                    }
                }
            }
            Command::ReleasePort { port, .. } => self.locks.release(port),
            Command::Transition(t) => {
                self.registry_dirty = true;
                let now_unix = crate::registry::unix_ms();
                match &t.to {
                    coord_core::ServiceState::Starting => {}
                    coord_core::ServiceState::Ready | coord_core::ServiceState::Completed => {
                        self.ready_unix_ms[t.service] = Some(now_unix);
                    }
                    _ => {}
                }
                let line = transition_line(&t);
                match &t.to {
                    coord_core::ServiceState::Failed(_) => tracing::warn!("{line}"),
                    _ => tracing::info!("{line}"),
                }
            }
            Command::StartupFinished(summary) => {
                self.registry_dirty = true;
                if summary.run_failed {
                    tracing::error!("startup failed: {summary}");
                } else {
                    tracing::info!("{summary}");
                }
            }
            Command::Finished(outcome) => self.outcome = Some(outcome),
        }
    }

    /// `Spawn`: make the port reservation real, then start the process through the shim.
    fn spawn(
        &mut self,
        service: ServiceId,
        generation: Generation,
        port: Option<u16>,
        env: Vec<(String, String)>,
    ) {
        let spec = self.coordinator.stack().services[service].clone();
        let mut listener = None;
        if let Some(p) = port {
            let reserved: Result<Option<std::net::TcpListener>, PortError> =
                if spec.socket_activation {
                    match self.locks.lock(p) {
                        Ok(()) => match crate::ports::bind_listener(p) {
                            Ok(l) => Ok(Some(l)),
                            Err(source) => {
                                self.locks.release(p);
                                Err(PortError::InUse { port: p, source })
                            }
                        },
                        Err(e) => Err(e),
                    }
                } else {
                    self.locks.reserve(p).map(|()| None)
                };
            match reserved {
                Ok(l) => listener = l,
                Err(e) => {
                    tracing::info!("{}: {e}", spec.name);
                    self.immediate.push_back(Input::PortTaken {
                        service,
                        generation,
                        port: p,
                    });
                    return;
                }
            }
        }
        let rt = &mut self.services[service];
        rt.generation = generation;
        rt.port = port;
        let mut full_env: Vec<(String, String)> = spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        full_env.extend(env);
        rt.env = full_env.clone();

        let wants_notify = [&spec.ready, &spec.live].iter().any(|p| {
            matches!(
                p,
                Some(Probe {
                    check: ProbeCheck::Notify,
                    ..
                })
            )
        });
        let mut notify = None;
        if wants_notify {
            let tag = format!("{}-{}-{generation}", std::process::id(), service);
            match NotifySocket::bind(&self.notify_dir, &tag) {
                Ok(socket) => {
                    full_env.push((
                        "NOTIFY_SOCKET".into(),
                        socket.path().to_string_lossy().into_owned(),
                    ));
                    notify = Some(socket);
                }
                Err(e) => {
                    self.immediate.push_back(Input::SpawnFailed {
                        service,
                        generation,
                        error: format!("cannot create the notify socket: {e}"),
                    });
                    return;
                }
            }
        }

        let cwd = self.cwd_of(service);
        let started = self.launcher.start(ProcessSpec {
            command: &spec.command,
            cwd: &cwd,
            env: full_env,
            listener,
        });
        let started = match started {
            Ok(s) => s,
            Err(e) => {
                self.immediate.push_back(Input::SpawnFailed {
                    service,
                    generation,
                    error: e.to_string(),
                });
                return;
            }
        };
        let pid = started.pid;
        if let Some(start) = crate::procfs::start_time(pid) {
            self.start_times.insert(pid, start);
        }
        self.started_unix_ms[service] = Some(crate::registry::unix_ms());
        let events = self.events.clone();
        let mut child = started.child;
        self.executor
            .spawn(async move {
                let status = match child.status().await {
                    Ok(s) => exit_status(s),
                    Err(_) => coord_core::ExitStatus::Code(-1),
                };
                let _ = events
                    .send(Event::Exited {
                        service,
                        generation,
                        status,
                    })
                    .await;
            })
            .detach();
        self.executor
            .spawn(forward_lines(
                started.stdout,
                service,
                generation,
                self.events.clone(),
            ))
            .detach();
        self.executor
            .spawn(forward_lines(
                started.stderr,
                service,
                generation,
                self.events.clone(),
            ))
            .detach();
        let notify_task = notify.map(|socket| {
            let events = self.events.clone();
            self.executor.spawn(async move {
                if socket.ready().await.is_ok() {
                    let _ = events
                        .send(Event::Notified {
                            service,
                            generation,
                        })
                        .await;
                    // Keep the socket (and its file) until the attempt ends.
                    futures_lite::future::pending::<()>().await;
                }
            })
        });
        self.live.insert(
            (service, generation),
            Live {
                pid,
                _lifeline: started.lifeline,
                _notify: notify_task,
            },
        );
        self.registry_dirty = true;
        self.immediate.push_back(Input::Spawned {
            service,
            generation,
            pid,
        });
    }

    /// The working directory of a service: the stack file's directory joined with `working_dir`.
    fn cwd_of(&self, service: ServiceId) -> PathBuf {
        let spec = &self.coordinator.stack().services[service];
        match &spec.working_dir {
            Some(dir) => self.paths.stack_dir.join(dir),
            None => self.paths.stack_dir.clone(),
        }
    }

    /// `Probe`: log and notify probes are answered at once; the others run as tasks.
    fn probe(&mut self, service: ServiceId, generation: Generation, purpose: ProbePurpose) {
        let spec = &self.coordinator.stack().services[service];
        let probe = match purpose {
            ProbePurpose::Readiness => spec.ready.clone(),
            ProbePurpose::Liveness => spec.live.clone(),
        };
        let rt = &self.services[service];
        let pgid = self.live.get(&(service, generation)).map(|l| l.pid);
        let answer = |outcome| Input::ProbeResult {
            service,
            generation,
            purpose,
            outcome,
        };
        let Some(probe) = probe else {
            // No probe configured (the parser fills in tcp for services with a port).
            self.immediate.push_back(answer(ProbeOutcome::Success));
            return;
        };
        let Some(pgid) = pgid else {
            self.immediate.push_back(answer(ProbeOutcome::Failure(
                "the process is not running".into(),
            )));
            return;
        };
        let port = rt.port;
        let no_port = || ProbeOutcome::Failure("the service has no port to probe".into());
        let timeout = probe.timeout;
        let events = self.events.clone();
        let task: std::pin::Pin<Box<dyn std::future::Future<Output = ProbeOutcome>>> =
            match probe.check {
                ProbeCheck::Log { pattern } => {
                    let seen = match purpose {
                        ProbePurpose::Readiness => rt.ready_log_seen,
                        ProbePurpose::Liveness => rt.live_log_seen,
                    };
                    let outcome = if seen == Some(generation) {
                        ProbeOutcome::Success
                    } else {
                        ProbeOutcome::Failure(format!("no output line matched /{pattern}/ yet"))
                    };
                    self.immediate.push_back(answer(outcome));
                    return;
                }
                ProbeCheck::Notify => {
                    let outcome = if rt.notified == Some(generation) {
                        ProbeOutcome::Success
                    } else {
                        ProbeOutcome::Failure("no READY=1 on $NOTIFY_SOCKET yet".into())
                    };
                    self.immediate.push_back(answer(outcome));
                    return;
                }
                ProbeCheck::Tcp => match port {
                    Some(port) => Box::pin(probe::tcp::probe(pgid, port)),
                    None => Box::pin(async move { no_port() }),
                },
                ProbeCheck::Http { path, .. } => {
                    let body = match purpose {
                        ProbePurpose::Readiness => rt.ready_body.clone(),
                        ProbePurpose::Liveness => rt.live_body.clone(),
                    };
                    match port {
                        Some(port) => Box::pin(async move {
                            probe::http::probe(pgid, port, &path, body.as_deref()).await
                        }),
                        None => Box::pin(async move { no_port() }),
                    }
                }
                ProbeCheck::Exec { command } => {
                    let launcher = self.launcher.clone();
                    let cwd = self.cwd_of(service);
                    let env = rt.env.clone();
                    // The exec probe enforces its own timeout (it must kill its process group).
                    let probe_task = async move {
                        probe::exec::probe(&launcher, &command, &cwd, env, timeout).await
                    };
                    self.executor
                        .spawn(report(events, service, generation, purpose, probe_task))
                        .detach();
                    return;
                }
            };
        let timed = probe::with_timeout(timeout, task);
        self.executor
            .spawn(report(events, service, generation, purpose, timed))
            .detach();
    }
}

/// Runs a probe and sends its outcome to the loop.
async fn report(
    events: async_channel::Sender<Event>,
    service: ServiceId,
    generation: Generation,
    purpose: ProbePurpose,
    probe: impl std::future::Future<Output = ProbeOutcome>,
) {
    let began = std::time::Instant::now();
    let outcome = probe.await;
    tracing::debug!(
        "probe of service #{service} gen {generation} ({purpose:?}) took {:?}: {outcome:?}",
        began.elapsed()
    );
    let _ = events
        .send(Event::Probed {
            service,
            generation,
            purpose,
            outcome,
        })
        .await;
}

/// `auth: starting -> ready (readiness probe passed)`; a final state's own reason is shown once.
pub fn transition_line(t: &coord_core::Transition) -> String {
    let own_reason = match &t.to {
        coord_core::ServiceState::Failed(r) | coord_core::ServiceState::Skipped(r) => Some(r),
        _ => None,
    };
    match own_reason {
        Some(r) if *r != t.reason && !t.reason.is_empty() => format!(
            "{}: {} -> {} ({r}; {})",
            t.name,
            t.from.name(),
            t.to.name(),
            t.reason
        ),
        _ => format!(
            "{}: {} -> {} ({})",
            t.name,
            t.from.name(),
            t.to.name(),
            own_reason.unwrap_or(&t.reason)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coord_core::{ServiceState, Timestamp, Transition};

    fn t(from: ServiceState, to: ServiceState, reason: &str) -> Transition {
        Transition {
            at: Timestamp::ZERO,
            service: 0,
            name: "api".into(),
            from,
            to,
            reason: reason.into(),
        }
    }

    #[test]
    fn transition_lines_show_each_reason_once() {
        assert_eq!(
            transition_line(&t(
                ServiceState::Starting,
                ServiceState::Ready,
                "probe passed"
            )),
            "api: starting -> ready (probe passed)"
        );
        let why = "exited with code 2 before ready";
        assert_eq!(
            transition_line(&t(
                ServiceState::Starting,
                ServiceState::Failed(why.into()),
                why
            )),
            format!("api: starting -> failed ({why})")
        );
        assert_eq!(
            transition_line(&t(
                ServiceState::Waiting,
                ServiceState::Skipped("dependency db failed".into()),
                "cascade"
            )),
            "api: waiting -> skipped (dependency db failed; cascade)"
        );
    }
}
