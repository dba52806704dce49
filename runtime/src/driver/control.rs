//! The control socket `.coord/control.sock`: `coord status`, `coord stop NAME` and
//! `coord restart NAME` talk to the running coord through it. One request line
//! (`status`, `stop NAME`, `restart NAME`), one JSON reply line.

use super::Driver;
use super::event::Event;
use crate::paths::StackPaths;
use coord_core::{Input, OperatorAnswer, Timestamp};
use futures_lite::{AsyncBufReadExt, AsyncWriteExt};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// A request read from the control socket, with the way back to its client.
#[derive(Debug)]
pub struct ControlRequest {
    line: String,
    reply: async_channel::Sender<ControlReply>,
}

/// The answer to a control request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ControlReply {
    /// Whether the request was carried out.
    pub ok: bool,
    /// A message for the user (the error when not ok).
    #[serde(default)]
    pub message: String,
    /// For `status`: the coordinator's status report.
    #[serde(default)]
    pub status: Option<serde_json::Value>,
}

impl ControlReply {
    fn error(message: impl Into<String>) -> ControlReply {
        ControlReply {
            ok: false,
            message: message.into(),
            status: None,
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
/// (path too long, ...) coord runs on and only `stop`/`restart` are unavailable.
pub fn listen(
    executor: &std::rc::Rc<smol::LocalExecutor<'static>>,
    paths: &StackPaths,
    events: async_channel::Sender<Event>,
) -> Option<ControlGuard> {
    let path = paths.control_socket();
    let _ = std::fs::remove_file(&path);
    let listener = match async_net::unix::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(
                "no control socket at {} ({e}): coord stop/restart will not reach this run",
                path.display()
            );
            return None;
        }
    };
    let spawner = executor.clone();
    executor
        .spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                spawner.spawn(serve(stream, events.clone())).detach();
            }
        })
        .detach();
    Some(ControlGuard { path })
}

async fn serve(stream: async_net::unix::UnixStream, events: async_channel::Sender<Event>) {
    let mut reader = futures_lite::io::BufReader::new(stream.clone());
    let mut line = String::new();
    if reader.read_line(&mut line).await.is_err() {
        return;
    }
    let (tx, rx) = async_channel::bounded(1);
    let request = ControlRequest {
        line: line.trim().to_owned(),
        reply: tx,
    };
    let reply = if events.send(Event::Control(request)).await.is_ok() {
        rx.recv()
            .await
            .unwrap_or_else(|_| ControlReply::error("coord is shutting down"))
    } else {
        ControlReply::error("coord is shutting down")
    };
    let mut text = serde_json::to_string(&reply).unwrap_or_default();
    text.push('\n');
    let mut stream = stream;
    let _ = stream.write_all(text.as_bytes()).await;
}

impl Driver {
    /// Answers a control request.
    pub(super) fn handle_control(&mut self, now: Timestamp, request: ControlRequest) {
        let mut words = request.line.split_whitespace();
        let verb = words.next().unwrap_or("");
        let name = words.next();
        let reply = match (verb, name) {
            ("status", None) => ControlReply {
                ok: true,
                message: String::new(),
                status: serde_json::to_value(self.coordinator.status(now))
                    .ok()
                    .map(|v| self.with_process_ids(v)),
            },
            ("stop" | "restart", Some(name)) => match self.coordinator.stack().service_id(name) {
                Some(service) => {
                    let input = if verb == "stop" {
                        Input::StopService { service }
                    } else {
                        Input::RestartService { service }
                    };
                    self.coordinator.handle_input(now, input);
                    match self.coordinator.poll_answer() {
                        Some(OperatorAnswer::Accepted(message)) => ControlReply {
                            ok: true,
                            message,
                            status: None,
                        },
                        Some(OperatorAnswer::Refused(why)) => {
                            ControlReply::error(format!("{verb} {name}: nothing done: {why}"))
                        }
                        None => ControlReply::error(format!("{verb} {name}: no answer")),
                    }
                }
                None => ControlReply::error(format!("no service named `{name}` in this stack")),
            },
            _ => ControlReply::error(format!("unknown request `{}`", request.line)),
        };
        let _ = request.reply.try_send(reply);
    }
}

/// How long a control client waits for the running coord's answer.
pub const CONTROL_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends one request line to the coord running the stack at `paths`; `Ok(None)` when no coord
/// listens there.
pub fn control_request(paths: &StackPaths, line: &str) -> std::io::Result<Option<ControlReply>> {
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
    let timed_out = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "the running coord did not answer within {} s",
                CONTROL_PATIENCE.as_secs()
            ),
        ),
        _ => e,
    };
    stream
        .write_all(format!("{line}\n").as_bytes())
        .map_err(timed_out)?;
    let mut reader = std::io::BufReader::new(stream);
    let mut answer = String::new();
    reader.read_line(&mut answer).map_err(timed_out)?;
    serde_json::from_str(&answer)
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}
