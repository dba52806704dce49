//! The control protocol of `.coord/control.sock`: JSON lines, each carrying the protocol
//! version `v`.
//!
//! A client connects, writes one [`Request`] line and reads one [`Reply`] line:
//!
//! ```text
//! -> {"v":1,"request":"status"}
//! <- {"v":1,"reply":"status","status":{...}}
//! -> {"v":1,"request":"restart","service":"api"}
//! <- {"v":1,"reply":"accepted","message":"restarting api"}
//! ```
//!
//! After `{"v":1,"request":"subscribe","services":["api"],"logs":false}` the reply is
//! `{"v":1,"reply":"subscribed",...}` and the server then streams one
//! `{"v":1,"reply":"event",...}` line per [`StreamEvent`] until the run ends (a `run_end` event)
//! or the subscriber is dropped for reading too slowly (a `dropped` event, when it can still be
//! written). A request of another version or shape gets an [`Reply::Error`], never silence.

use serde::{Deserialize, Serialize};

/// The protocol version this coord speaks; a request carrying another is refused with
/// [`ErrorKind::UnsupportedVersion`].
pub const PROTOCOL_VERSION: u32 = 1;

/// The longest request line the server reads (bytes); longer ones are refused.
pub const MAX_REQUEST_LINE: usize = 64 * 1024;

/// A request of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// The coordinator's status report.
    Status,
    /// Stop one service (its dependents are left running).
    Stop {
        /// The service's name.
        service: String,
    },
    /// Restart one service.
    Restart {
        /// The service's name.
        service: String,
    },
    /// Stream the run's events on this connection.
    Subscribe {
        /// Only events of these services (events of the run as a whole always come); empty:
        /// every service.
        #[serde(default)]
        services: Vec<String>,
        /// Also stream the services' output lines.
        #[serde(default)]
        logs: bool,
    },
    /// Stop the whole stack in reverse dependency order and end the run (`coord down`).
    Shutdown,
    /// Start one service into the running stack (a stopped or never-started one, with what it
    /// pulls in).
    Start {
        /// The service's name.
        service: String,
    },
}

/// Why a request was not carried out, as a stable word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The line is not JSON, or not a known request shape.
    BadRequest,
    /// The request's `v` is missing or not [`PROTOCOL_VERSION`].
    UnsupportedVersion,
    /// The client runs as another user.
    PermissionDenied,
    /// No service of that name in this stack.
    UnknownService,
    /// coord is ending and takes no more requests.
    ShuttingDown,
}

/// An answer of the server (one line; a subscription is followed by event lines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// The answer to `status`: the core's status report with the processes' pids.
    Status {
        /// The core's status report with the pids (`coord status --json` reshapes it).
        status: serde_json::Value,
    },
    /// A `stop`/`restart`/`start` the core accepted: what it does, in words.
    Accepted {
        /// The core's words.
        message: String,
    },
    /// A `stop`/`restart`/`start` the core refused (nothing done), and why.
    Refused {
        /// The core's words.
        message: String,
    },
    /// The subscription is on; event lines follow.
    Subscribed {
        /// The services whose events come (empty: all).
        services: Vec<String>,
    },
    /// One event of a subscription.
    Event {
        /// Wall-clock time of the event, milliseconds since the Unix epoch.
        unix_ms: u64,
        /// Milliseconds since the run started (coord's monotonic clock).
        run_ms: u64,
        /// What happened.
        event: StreamEvent,
    },
    /// The request was not carried out.
    Error {
        /// Why, as a stable word.
        error: ErrorKind,
        /// Why, for a person.
        message: String,
    },
}

impl Reply {
    /// An error reply.
    pub fn error(error: ErrorKind, message: impl Into<String>) -> Reply {
        Reply::Error {
            error,
            message: message.into(),
        }
    }
}

/// What a subscriber is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StreamEvent {
    /// A service changed state (the core's transition record).
    Transition {
        /// The service.
        service: String,
        /// The state it left (`starting`, `ready`, `stopping`, `restarting`...).
        from: String,
        /// The state it entered.
        to: String,
        /// Why, in the core's words.
        reason: String,
    },
    /// A generation of the service is started with this port.
    Port {
        /// The service.
        service: String,
        /// The port assigned to it.
        port: u16,
    },
    /// A probe's verdict.
    Probe {
        /// The service.
        service: String,
        /// `readiness` or `liveness`.
        purpose: String,
        /// Whether it passed.
        passed: bool,
        /// What it found (`success` or the failure's words).
        detail: String,
    },
    /// A line the service wrote (only with `logs`).
    Log {
        /// The service.
        service: String,
        /// The line, without its newline.
        line: String,
    },
    /// Startup is over.
    Startup {
        /// The summary line (`3/3 ready in 1.20 s ...`).
        summary: String,
        /// Whether the run failed.
        failed: bool,
    },
    /// The run is over; the stream ends.
    RunEnd {
        /// `stopped`, `interrupted`, `failed` or `completed`.
        outcome: String,
        /// The reason of a failed run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// This subscriber read too slowly and was dropped; the stream ends.
    Dropped {
        /// Why, for a person.
        message: String,
    },
    /// A retry of a start attempt, or a restart, waits out its backoff first.
    Backoff {
        /// The service.
        service: String,
        /// `retry` (a failed start attempt) or `restart` (the restart policy, after ready).
        of_kind: String,
        /// The wait, in milliseconds.
        delay_ms: u64,
        /// The attempt (or restart) that follows.
        number: u32,
        /// How many are allowed.
        of: u32,
        /// In words: `api: restarting in 2.05 s (restart 2 of 5)`.
        message: String,
    },
}

impl StreamEvent {
    /// The service the event is about, if it is about one.
    pub fn service(&self) -> Option<&str> {
        match self {
            StreamEvent::Transition { service, .. }
            | StreamEvent::Port { service, .. }
            | StreamEvent::Probe { service, .. }
            | StreamEvent::Log { service, .. }
            | StreamEvent::Backoff { service, .. } => Some(service),
            StreamEvent::Startup { .. }
            | StreamEvent::RunEnd { .. }
            | StreamEvent::Dropped { .. } => None,
        }
    }
}

/// A line on the wire: the version, then the message's own fields.
#[derive(Serialize)]
struct Versioned<'a, T> {
    v: u32,
    #[serde(flatten)]
    message: &'a T,
}

/// `message` as one line of this protocol version, with its newline.
pub fn to_line<T: Serialize>(message: &T) -> String {
    let mut line = serde_json::to_string(&Versioned {
        v: PROTOCOL_VERSION,
        message,
    })
    .unwrap_or_else(|e| {
        // Our own types always serialise; should one not, say so on the wire rather than panic.
        let why = serde_json::Value::String(format!("cannot encode the message: {e}"));
        format!(
            r#"{{"v":{PROTOCOL_VERSION},"reply":"error","error":"bad_request","message":{why}}}"#
        )
    });
    line.push('\n');
    line
}

/// Why a line could not be read as a message of this protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The stable word for it.
    pub kind: ErrorKind,
    /// The details.
    pub message: String,
}

/// Reads one line as a message of [`PROTOCOL_VERSION`]: a missing or other `v` is
/// [`ErrorKind::UnsupportedVersion`], anything else unreadable [`ErrorKind::BadRequest`].
pub fn parse_line<T: serde::de::DeserializeOwned>(line: &str) -> Result<T, ParseError> {
    let bad = |kind, message: String| ParseError { kind, message };
    let mut value: serde_json::Value = serde_json::from_str(line.trim())
        .map_err(|e| bad(ErrorKind::BadRequest, format!("not a JSON line: {e}")))?;
    let object = value.as_object_mut().ok_or_else(|| {
        bad(
            ErrorKind::BadRequest,
            "expected a JSON object like {\"v\":1,\"request\":\"status\"}".into(),
        )
    })?;
    match object.remove("v") {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(PROTOCOL_VERSION)) => {}
        Some(other) => {
            return Err(bad(
                ErrorKind::UnsupportedVersion,
                format!(
                    "protocol version {other} is not supported; this coord speaks v{PROTOCOL_VERSION}"
                ),
            ));
        }
        None => {
            return Err(bad(
                ErrorKind::UnsupportedVersion,
                format!(
                    "the line has no protocol version `v`; this coord speaks v{PROTOCOL_VERSION}"
                ),
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| bad(ErrorKind::BadRequest, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_versioned_json_lines() {
        let line = to_line(&Request::Stop {
            service: "api".into(),
        });
        assert_eq!(line, "{\"v\":1,\"request\":\"stop\",\"service\":\"api\"}\n");
        assert_eq!(
            parse_line::<Request>(&line),
            Ok(Request::Stop {
                service: "api".into()
            })
        );
        assert_eq!(
            to_line(&Request::Status),
            "{\"v\":1,\"request\":\"status\"}\n"
        );
        assert_eq!(
            to_line(&Request::Shutdown),
            "{\"v\":1,\"request\":\"shutdown\"}\n"
        );
        assert_eq!(
            parse_line::<Request>(r#"{"v":1,"request":"subscribe"}"#),
            Ok(Request::Subscribe {
                services: vec![],
                logs: false
            })
        );
        assert_eq!(
            parse_line::<Request>(r#"{"request":"restart","v":1,"service":"db"}"#),
            Ok(Request::Restart {
                service: "db".into()
            })
        );
    }

    #[test]
    fn another_version_or_no_version_is_refused_as_such() {
        for line in [
            r#"{"v":2,"request":"status"}"#,
            r#"{"v":"1","request":"status"}"#,
            r#"{"request":"status"}"#,
        ] {
            let err = parse_line::<Request>(line).unwrap_err();
            assert_eq!(err.kind, ErrorKind::UnsupportedVersion, "{line}: {err:?}");
            assert!(err.message.contains("v1"), "{}", err.message);
        }
    }

    #[test]
    fn unknown_shapes_are_bad_requests() {
        for line in [
            "status",
            "",
            "[1,2]",
            r#"{"v":1,"request":"explode"}"#,
            r#"{"v":1,"request":"stop"}"#,
            r#"{"v":1,"request":"stop","service":"api","force":true}"#,
            r#"{"v":1,"request":"subscribe","services":"api"}"#,
        ] {
            let err = parse_line::<Request>(line).unwrap_err();
            assert_eq!(err.kind, ErrorKind::BadRequest, "{line}: {err:?}");
        }
    }

    #[test]
    fn replies_round_trip_with_their_stable_words() {
        let replies = [
            Reply::Accepted {
                message: "restarting api".into(),
            },
            Reply::Refused {
                message: "api is stopped".into(),
            },
            Reply::Status {
                status: serde_json::json!({"services": []}),
            },
            Reply::Subscribed {
                services: vec!["api".into()],
            },
            Reply::error(ErrorKind::UnsupportedVersion, "speak v1"),
            Reply::Event {
                unix_ms: 1_700_000_000_000,
                run_ms: 1200,
                event: StreamEvent::Transition {
                    service: "api".into(),
                    from: "ready".into(),
                    to: "stopping".into(),
                    reason: "restart requested".into(),
                },
            },
            Reply::Event {
                unix_ms: 1,
                run_ms: 2,
                event: StreamEvent::RunEnd {
                    outcome: "stopped".into(),
                    reason: None,
                },
            },
        ];
        for reply in replies {
            let line = to_line(&reply);
            assert!(line.starts_with("{\"v\":1,\"reply\":"), "{line}");
            assert_eq!(parse_line::<Reply>(&line), Ok(reply), "{line}");
        }
        assert_eq!(
            to_line(&Reply::error(ErrorKind::UnknownService, "no api")),
            "{\"v\":1,\"reply\":\"error\",\"error\":\"unknown_service\",\"message\":\"no api\"}\n"
        );
        assert_eq!(
            to_line(&Reply::Event {
                unix_ms: 5,
                run_ms: 3,
                event: StreamEvent::Port {
                    service: "db".into(),
                    port: 5432
                }
            }),
            "{\"v\":1,\"reply\":\"event\",\"unix_ms\":5,\"run_ms\":3,\"event\":{\"kind\":\"port\",\"service\":\"db\",\"port\":5432}}\n"
        );
    }

    #[test]
    fn events_name_their_service() {
        let log = StreamEvent::Log {
            service: "api".into(),
            line: "hi".into(),
        };
        assert_eq!(log.service(), Some("api"));
        let end = StreamEvent::RunEnd {
            outcome: "stopped".into(),
            reason: None,
        };
        assert_eq!(end.service(), None);
    }
}
