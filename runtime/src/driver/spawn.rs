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
                    // Name who holds it when it is a listener we can see (words only: what to
                    // do about it is the core's answer to PortTaken).
                    let holder = match &e {
                        PortError::InUse { port, .. } => crate::port_holder::describe(*port),
                        _ => None,
                    };
                    match holder {
                        Some(holder) => tracing::info!("{}: {e}, {holder}", spec.name),
                        None => tracing::info!("{}: {e}", spec.name),
                    }
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

        if let Some(stop) = &spec.stop_command {
            full_env.push((crate::supervise::STOP_COMMAND_VAR.into(), stop.clone()));
        }
        let token = crate::process::new_token();
        full_env.push((crate::supervise::TOKEN_VAR.into(), token.clone()));
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
                    error: spawn_error(&e),
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
                // The shim kills what is left of the service before it ends, unless it was
                // killed itself: then whatever of the service is still in its group dies now
                // (the service's main process also got its parent-death signal), before the
                // exit is reported and a new attempt may start on the same port.
                crate::process::shim_ended(pid);
                bury_group(pid).await;
                // What had left the group is now coord's (a subreaper): kill and reap it.
                smol::unblock(crate::process::reap_orphans).await;
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
        let service_pid = std::rc::Rc::new(std::cell::Cell::new(None));
        if let Ok(report) = started.lifeline.try_clone() {
            let cell = service_pid.clone();
            self.executor
                .spawn(async move {
                    if let Some(p) = crate::process::read_service_pid(report).await {
                        cell.set(Some(p));
                    }
                })
                .detach();
        }
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
                service_pid,
                token,
            },
        );
        self.registry_dirty = true;
        self.immediate.push_back(Input::Spawned {
            service,
            generation,
            pid,
        });
    }

    /// The shim pid and (once reported) the service's own pid of the service's current
    /// attempt, if it runs.
    pub(super) fn process_ids(&self, service: ServiceId) -> Option<(u32, Option<u32>)> {
        let generation = self.services[service].generation;
        let live = self.live.get(&(service, generation))?;
        Some((live.pid, live.service_pid.get()))
    }

    /// The status report with each running service's own pid as `pid` (null until its shim
    /// reported it) and its shim's pid as `shim_pid`.
    pub(super) fn with_process_ids(&self, mut status: serde_json::Value) -> serde_json::Value {
        let services = status
            .get_mut("services")
            .and_then(|s| s.as_array_mut())
            .into_iter()
            .flatten();
        for (id, s) in services.enumerate() {
            let Some(obj) = s.as_object_mut() else {
                continue;
            };
            let id = ServiceId::from_index(id);
            if obj.get("pid").is_none_or(|p| p.is_null()) || id.index() >= self.services.len() {
                continue;
            }
            if let Some((shim, own)) = self.process_ids(id) {
                obj.insert("pid".into(), own.into());
                obj.insert("shim_pid".into(), shim.into());
            }
        }
        status
    }

    /// The identity token of the shim `pid`, if coord runs it.
    pub(super) fn shim_token(&self, pid: u32) -> Option<&str> {
        self.live
            .values()
            .find(|l| l.pid == pid)
            .map(|l| l.token.as_str())
    }

    /// The service's own pid behind the shim `pid`, once reported.
    pub(super) fn service_pid_of(&self, pid: u32) -> Option<u32> {
        self.live
            .values()
            .find(|l| l.pid == pid)
            .and_then(|l| l.service_pid.get())
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

/// A spawn error for the user; running out of descriptors says what to do.
fn spawn_error(e: &std::io::Error) -> String {
    if e.raw_os_error() == Some(rustix::io::Errno::MFILE.raw_os_error()) {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .map_or("unlimited".to_string(), |l| l.to_string());
        format!(
            "{e}: coord ran out of file descriptors (limit {limit}, about {} per running service); \
             raise the hard limit (`ulimit -Hn`, or LimitNOFILE) or run fewer services",
            crate::process::FDS_PER_SERVICE
        )
    } else {
        e.to_string()
    }
}

/// SIGKILL to what is left of the group of a shim that ended, and waits (boundedly) until no
/// live member is left. Usually the shim has emptied its group already and this returns at
/// once; otherwise the members are looked up off the loop (zombies, which an init that does
/// not reap may keep forever, do not count).
async fn bury_group(pgid: u32) {
    let _ = crate::process::signal_group(pgid, rustix::process::Signal::KILL);
    if !crate::procfs::group_alive(pgid) {
        return;
    }
    for _ in 0..500 {
        let live = smol::unblock(move || {
            crate::procfs::group_members(pgid)
                .into_iter()
                .any(|p| !crate::procfs::is_zombie(p))
        })
        .await;
        if !live {
            return;
        }
        async_io::Timer::after(std::time::Duration::from_millis(10)).await;
    }
}
