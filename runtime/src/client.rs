//! The CLI's clients: `coord status`, `coord discover` and `coord stop/restart`, the commands that
//! look at (or talk to) a stack another coord is running.

use crate::cli::Failure;
use crate::driver::control_request;
use crate::paths::StackPaths;
use crate::protocol::{ErrorKind, Reply, Request};
use crate::registry::{self, Registry};
use std::path::Path;
use std::time::{Duration, Instant};

fn paths_of(file: &Path) -> Result<StackPaths, Failure> {
    StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))
}

fn read_registry(paths: &StackPaths) -> Result<Registry, Failure> {
    registry::read(paths).map_err(|e| {
        Failure::new(
            1,
            format!("cannot read {}: {e}", paths.registry().display()),
        )
    })
}

/// `coord status`: the live status from the running coord, else what the registry recorded.
pub fn status(file: &Path, json: bool) -> Result<i32, Failure> {
    let paths = paths_of(file)?;
    let live = match control_request(&paths, &Request::Status) {
        Ok(reply) => reply,
        Err(e) => {
            crate::errln!("coord: {e}; showing the last recorded states instead");
            None
        }
    };
    let live = match live {
        Some(Reply::Status { status }) => Some(status),
        Some(other) => {
            crate::errln!(
                "coord: the running coord did not give its status ({}); showing the last recorded states instead",
                reply_words(&other)
            );
            None
        }
        None => None,
    };
    if let Some(status) = live {
        if json {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&status).unwrap_or_default()
            );
            return Ok(0);
        }
        crate::outln!(
            "{:<20} {:<11} {:<13} {:>7} {:>7} {:>8}  READY AFTER",
            "SERVICE",
            "STATE",
            "READINESS",
            "PID",
            "SHIM",
            "PORT"
        );
        for s in status["services"].as_array().into_iter().flatten() {
            // Services outside the run are left out, except those held back for `coord start`.
            if s["selected"] != serde_json::Value::Bool(true)
                && s["state"]["state"] != "not_started"
            {
                continue;
            }
            let opt = |v: &serde_json::Value| {
                if v.is_null() {
                    "-".to_string()
                } else {
                    v.to_string()
                }
            };
            // A waiting service says what it waits for (the core's words) instead.
            let ready = match (s["ready_at_ms"].as_u64(), s["waiting_for"].as_str()) {
                (_, Some(why)) => why.to_string(),
                (Some(ms), None) => format!("{:.2} s", ms as f64 / 1000.0),
                (None, None) => "-".into(),
            };
            crate::outln!(
                "{:<20} {:<11} {:<13} {:>7} {:>7} {:>8}  {}",
                s["name"].as_str().unwrap_or("?"),
                s["state"]["state"].as_str().unwrap_or("?"),
                s["readiness"].as_str().unwrap_or("?"),
                opt(&s["pid"]),
                opt(&s["shim_pid"]),
                opt(&s["port"]),
                ready
            );
        }
        return Ok(0);
    }
    let registry = read_registry(&paths)?;
    if json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&registry).unwrap_or_default()
        );
        return Ok(0);
    }
    match registry.live_owner() {
        Some(owner) => crate::outln!("coord (pid {}) runs this stack", owner.pid),
        None => crate::outln!("no coord is running this stack; last recorded states:"),
    }
    crate::outln!(
        "{:<20} {:<11} {:>7} {:>7} {:>8}  URL",
        "SERVICE",
        "STATE",
        "PID",
        "SHIM",
        "PORT"
    );
    for (name, e) in &registry.services {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        crate::outln!(
            "{:<20} {:<11} {:>7} {:>7} {:>8}  {}",
            name,
            e.state,
            opt(e.service_pid.map(|p| p.to_string())),
            opt(e.pid.map(|p| p.to_string())),
            opt(e.port.map(|p| p.to_string())),
            opt(e.url.clone())
        );
    }
    Ok(0)
}

/// `coord discover NAME [--wait D]`: prints the service's URL once the registry shows it ready
/// under a live coord; retries with exponential backoff until the wait is over.
pub fn discover(file: &Path, name: &str, wait: Option<Duration>) -> Result<i32, Failure> {
    let paths = paths_of(file)?;
    let deadline = Instant::now() + wait.unwrap_or(Duration::ZERO);
    let mut delay = Duration::from_millis(10);
    loop {
        let registry = read_registry(&paths)?;
        let running = registry.live_owner().is_some();
        let entry = registry.services.get(name);
        let ready = entry.is_some_and(|e| e.state == "ready" || e.state == "completed");
        if running && ready {
            let e = entry.expect("checked above");
            match (&e.url, e.port) {
                (Some(url), _) => crate::outln!("{url}"),
                (None, Some(port)) => crate::outln!("127.0.0.1:{port}"),
                (None, None) => crate::outln!("{name} is ready (it has no port)"),
            }
            return Ok(0);
        }
        let now = Instant::now();
        if now >= deadline {
            let why = match (running, entry) {
                (false, _) => "no coord is running this stack".to_string(),
                (true, None) => format!("the stack has no running service named `{name}`"),
                (true, Some(e)) => format!("{name} is {}", e.state),
            };
            return Err(Failure::new(
                1,
                format!(
                    "{name} is not ready: {why}\n  help: start it with `coord run`, or wait longer with --wait 30s"
                ),
            ));
        }
        std::thread::sleep(delay.min(deadline - now));
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// `coord stop NAME` / `coord restart NAME` through the running coord's control socket.
pub fn control(file: &Path, verb: &str, name: &str) -> Result<i32, Failure> {
    let request = if verb == "stop" {
        Request::Stop {
            service: name.into(),
        }
    } else {
        Request::Restart {
            service: name.into(),
        }
    };
    operator_request(file, verb, name, &request)
}

/// Sends an operator's request about the service `name` (`verb`: its word, as typed) to the
/// running coord and prints the core's answer: exit 0 when accepted, 1 when refused or no coord
/// runs, 2 for a name the stack does not have.
pub fn operator_request(
    file: &Path,
    verb: &str,
    name: &str,
    request: &Request,
) -> Result<i32, Failure> {
    let paths = paths_of(file)?;
    match control_request(&paths, request) {
        Ok(Some(Reply::Accepted { message })) => {
            crate::outln!("{message}");
            Ok(0)
        }
        Ok(Some(Reply::Refused { message })) => Err(Failure::new(
            1,
            format!("{verb} {name}: nothing done: {message}"),
        )),
        // A name that is not in the stack is a usage error, as for `coord run NAME`: exit 2.
        Ok(Some(
            other @ Reply::Error {
                error: ErrorKind::UnknownService,
                ..
            },
        )) => Err(Failure::new(2, reply_words(&other))),
        Ok(Some(other)) => Err(Failure::new(1, reply_words(&other))),
        Ok(None) => Err(not_running(file)),
        Err(e) => Err(Failure::new(
            1,
            format!("cannot reach the running coord: {e}"),
        )),
    }
}

/// The failure of a client command when no coord runs the stack.
pub fn not_running(file: &Path) -> Failure {
    Failure::new(
        1,
        format!(
            "no coord is running the stack {}\n  help: start it with `coord run -f {}`",
            file.display(),
            file.display()
        ),
    )
}

/// A reply that is not the one expected, in words (an error's own message).
pub fn reply_words(reply: &Reply) -> String {
    match reply {
        Reply::Error { message, .. } => message.clone(),
        other => format!(
            "unexpected answer {}",
            crate::protocol::to_line(other).trim()
        ),
    }
}
