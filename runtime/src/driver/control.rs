//! The control socket `.coord/control.sock`: `coord status`, `coord stop NAME`,
//! `coord restart NAME`, `coord start NAME`, `coord events` and the commands of
//! [`crate::commands`] (`up -d`, `down`, `attach`, `logs --follow`, `wait`) talk to the running
//! coord through it, in the JSON
//! lines of [`crate::protocol`]. The socket is mode 0600 and every peer's uid is checked
//! ([`crate::peer`]).

use super::Driver;
use super::event::Event;
use super::subscribers::Subscription;
use crate::paths::StackPaths;
use crate::protocol::{self, ErrorKind, Reply, Request, StreamEvent};
use coord_core::{Input, OperatorAnswer, Timestamp};
use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// A request read from the control socket, with the way back to its client.
#[derive(Debug)]
pub struct ControlRequest {
    request: Request,
    reply: async_channel::Sender<Answer>,
}

/// The loop's answer to a request: the reply line, and for a subscription the event lines.
#[derive(Debug)]
struct Answer {
    reply: Reply,
    stream: Option<Subscription>,
}

impl Answer {
    fn only(reply: Reply) -> Answer {
        Answer {
            reply,
            stream: None,
        }
    }
}

/// Removes the socket file when the run ends.
#[derive(Debug)]
pub struct ControlGuard {
    path: PathBuf,
}

impl Drop for ControlGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens on the control socket (a stale file of a dead coord is replaced). Without a socket
/// (path too long, ...) coord runs on and only `stop`/`restart`/`events` are unavailable.
pub fn listen(
    executor: &std::rc::Rc<smol::LocalExecutor<'static>>,
    paths: &StackPaths,
    events: async_channel::Sender<Event>,
) -> Option<ControlGuard> {
    use std::os::unix::fs::PermissionsExt;
    let path = paths.control_socket();
    let _ = std::fs::remove_file(&path);
    let listener = match async_net::unix::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(
                "no control socket at {} ({e}): coord stop/restart/events will not reach this run",
                path.display()
            );
            return None;
        }
    };
    // The state directory is 0700 already; the socket itself is the user's alone too.
    if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!("cannot make {} private: {e}", path.display());
    }
    let own_uid = crate::peer::own_uid();
    let spawner = executor.clone();
    executor
        .spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                spawner
                    .spawn(serve(stream, events.clone(), own_uid))
                    .detach();
            }
        })
        .detach();
    Some(ControlGuard { path })
}

async fn write_line(stream: &mut async_net::unix::UnixStream, line: &str) -> bool {
    stream.write_all(line.as_bytes()).await.is_ok()
}

/// One connection: the peer check, one request, its reply, and for a subscription the events.
async fn serve(
    mut stream: async_net::unix::UnixStream,
    events: async_channel::Sender<Event>,
    own_uid: u32,
) {
    let allowed = crate::peer::peer_uid(&stream)
        .map_err(|e| format!("cannot tell who is connecting (SO_PEERCRED: {e})"))
        .and_then(|uid| crate::peer::check_peer_uid(uid, own_uid));
    if let Err(why) = allowed {
        let reply = Reply::error(ErrorKind::PermissionDenied, why);
        let _ = write_line(&mut stream, &protocol::to_line(&reply)).await;
        return;
    }
    let mut reader = futures_lite::io::BufReader::new(
        stream.clone().take(protocol::MAX_REQUEST_LINE as u64 + 1),
    );
    let mut line = String::new();
    let answer = match reader.read_line(&mut line).await {
        Err(e) => Answer::only(Reply::error(
            ErrorKind::BadRequest,
            format!("unreadable request: {e}"),
        )),
        Ok(_) if line.len() > protocol::MAX_REQUEST_LINE => Answer::only(Reply::error(
            ErrorKind::BadRequest,
            format!(
                "the request is longer than {} bytes",
                protocol::MAX_REQUEST_LINE
            ),
        )),
        Ok(_) => match protocol::parse_line::<Request>(&line) {
            Err(e) => Answer::only(Reply::error(e.kind, e.message)),
            Ok(request) => ask_loop(&events, request).await,
        },
    };
    if !write_line(&mut stream, &protocol::to_line(&answer.reply)).await {
        return;
    }
    let Some(subscription) = answer.stream else {
        return;
    };
    // Held until this task ends: the end of the run waits for that.
    let _done = subscription.done;
    while let Ok(line) = subscription.lines.recv().await {
        if !write_line(&mut stream, &line).await {
            return;
        }
    }
    if subscription.dropped.get() {
        let notice = Reply::Event {
            unix_ms: crate::registry::unix_ms(),
            run_ms: subscription.clock.now().as_millis(),
            event: StreamEvent::Dropped {
                message: format!(
                    "coord dropped this subscriber: it read too slowly ({} events were waiting)",
                    super::subscribers::SUBSCRIBER_QUEUE
                ),
            },
        };
        let _ = write_line(&mut stream, &protocol::to_line(&notice)).await;
    }
}

async fn ask_loop(events: &async_channel::Sender<Event>, request: Request) -> Answer {
    let shutting_down = || {
        Answer::only(Reply::error(
            ErrorKind::ShuttingDown,
            "coord is shutting down",
        ))
    };
    let (tx, rx) = async_channel::bounded(1);
    if events
        .send(Event::Control(ControlRequest { request, reply: tx }))
        .await
        .is_err()
    {
        return shutting_down();
    }
    rx.recv().await.unwrap_or_else(|_| shutting_down())
}

impl Driver {
    /// Answers a control request.
    pub(super) fn handle_control(&mut self, now: Timestamp, request: ControlRequest) {
        let unknown = |name: &str| {
            Reply::error(
                ErrorKind::UnknownService,
                format!("no service named `{name}` in this stack"),
            )
        };
        let answer = match request.request {
            Request::Status => Answer::only(Reply::Status {
                status: serde_json::to_value(self.coordinator.status(now))
                    .map(|v| self.with_process_ids(v))
                    .unwrap_or_default(),
            }),
            Request::Stop { service } => {
                Answer::only(self.operator(now, &service, |service| Input::StopService { service }))
            }
            Request::Restart { service } => Answer::only(
                self.operator(now, &service, |service| Input::RestartService { service }),
            ),
            Request::Start { service } => Answer::only(
                self.operator(now, &service, |service| Input::StartService { service }),
            ),
            Request::Shutdown => {
                self.coordinator.handle_input(now, Input::Shutdown);
                tracing::warn!("coord down: stopping the stack in reverse order");
                Answer::only(Reply::Accepted {
                    message: "stopping the stack in reverse order".into(),
                })
            }
            Request::Subscribe { services, logs } => {
                let ids: Result<Vec<_>, String> = services
                    .iter()
                    .map(|n| {
                        self.coordinator
                            .stack()
                            .service_id(n)
                            .ok_or_else(|| n.clone())
                    })
                    .collect();
                if logs {
                    // The log files hold every line before the subscription, the stream every
                    // line after it: `coord logs --follow` reads the files once subscribed.
                    self.output.flush_logs();
                }
                match ids {
                    Err(name) => Answer::only(unknown(&name)),
                    Ok(ids) => Answer {
                        reply: Reply::Subscribed { services },
                        stream: Some(self.subscribers.add(ids, logs, self.clock)),
                    },
                }
            }
        };
        let _ = request.reply.try_send(answer);
    }
}

impl Driver {
    /// An operator's `stop`, `restart` or `start` of the service `name` (the input `input`
    /// makes for its id), answered by the core.
    fn operator(
        &mut self,
        now: Timestamp,
        name: &str,
        input: fn(coord_core::ServiceId) -> Input,
    ) -> Reply {
        let Some(service) = self.coordinator.stack().service_id(name) else {
            return Reply::error(
                ErrorKind::UnknownService,
                format!("no service named `{name}` in this stack"),
            );
        };
        self.coordinator.handle_input(now, input(service));
        match self.coordinator.poll_answer() {
            Some(OperatorAnswer::Accepted(message)) => Reply::Accepted { message },
            Some(OperatorAnswer::Refused(message)) => Reply::Refused { message },
            None => Reply::Refused {
                message: "the coordinator gave no answer".into(),
            },
        }
    }
}

/// How long a control client waits for the running coord's answer.
pub const CONTROL_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// A connection to the running coord, after its first reply.
#[derive(Debug)]
pub struct Connection {
    /// The first reply.
    pub reply: Reply,
    /// The rest of the connection (the event lines of a subscription), read timeout still set
    /// to [`CONTROL_PATIENCE`].
    pub rest: std::io::BufReader<std::os::unix::net::UnixStream>,
}

fn timed_out(e: std::io::Error) -> std::io::Error {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "the running coord did not answer within {} s",
                CONTROL_PATIENCE.as_secs()
            ),
        ),
        _ => e,
    }
}

/// Sends `request` to the coord running the stack at `paths` and reads its reply; `Ok(None)`
/// when no coord listens there. Every read and write waits at most [`CONTROL_PATIENCE`].
pub fn connect(paths: &StackPaths, request: &Request) -> std::io::Result<Option<Connection>> {
    let mut stream = match std::os::unix::net::UnixStream::connect(paths.control_socket()) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    // A coord that does not answer (stopped with SIGSTOP, wedged) must not hang the client.
    stream.set_read_timeout(Some(CONTROL_PATIENCE))?;
    stream.set_write_timeout(Some(CONTROL_PATIENCE))?;
    stream
        .write_all(protocol::to_line(request).as_bytes())
        .map_err(timed_out)?;
    let mut reader = std::io::BufReader::new(stream);
    let mut answer = String::new();
    reader.read_line(&mut answer).map_err(timed_out)?;
    if answer.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the running coord closed the connection without an answer",
        ));
    }
    let reply = protocol::parse_line::<Reply>(&answer).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("cannot read the running coord's answer: {}", e.message),
        )
    })?;
    Ok(Some(Connection {
        reply,
        rest: reader,
    }))
}

/// Sends one request to the coord running the stack at `paths` and returns its reply;
/// `Ok(None)` when no coord listens there.
pub fn control_request(paths: &StackPaths, request: &Request) -> std::io::Result<Option<Reply>> {
    Ok(connect(paths, request)?.map(|c| c.reply))
}
