//! Executing `Spawn`: the port reservation made real, then the process started through the
//! shim, with tasks that wait for its exit and forward its output.

use super::event::{Event, forward_lines};
use super::{Driver, Live};
use crate::ports::PortError;
use crate::probe::notify::NotifySocket;
use crate::process::{ProcessSpec, exit_status};
use coord_core::stack::{Probe, ProbeCheck};
use coord_core::{Generation, Input, ServiceId};
use std::path::PathBuf;

impl Driver {
    /// `Spawn`: make the port reservation real, then start the process through the shim.
    pub(super) fn spawn(
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
                    match self.locks.lock(p, (service, generation)) {
                        Ok(()) => match crate::ports::bind_listener(p) {
                            Ok(l) => Ok(Some(l)),
                            Err(source) => {
                                self.locks.release(p, (service, generation));
                                Err(PortError::InUse { port: p, source })
                            }
                        },
                        Err(e) => Err(e),
                    }
                } else {
                    self.locks.reserve(p, (service, generation)).map(|()| None)
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
                lifeline: Some(started.lifeline),
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
    pub(super) fn cwd_of(&self, service: ServiceId) -> PathBuf {
        let spec = &self.coordinator.stack().services[service];
        match &spec.working_dir {
            Some(dir) => self.paths.stack_dir.join(dir),
            None => self.paths.stack_dir.clone(),
        }
    }
}
