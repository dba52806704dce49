//! The CLI's clients: `coord status`, `coord discover` and `coord stop/restart`, the commands that
//! look at (or talk to) a stack another coord is running.

use crate::cli::Failure;
use crate::driver::control_request;
use crate::paths::StackPaths;
use crate::protocol::{ErrorKind, Reply, Request};
use crate::registry::{self, Registry};
use crate::status_view::StatusView;
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

/// `coord status`: the live status from the running coord, else what the registry recorded
/// (see [`crate::status_view`]: one schema either way, `live: true/false`).
pub fn status(file: &Path, json: bool) -> Result<i32, Failure> {
    let paths = paths_of(file)?;
    let (live, why) = match control_request(&paths, &Request::Status) {
        Ok(Some(Reply::Status { status })) => (Some(status), None),
        Ok(Some(other)) => (
            None,
            Some(format!("did not give its status ({})", reply_words(&other))),
        ),
        Ok(None) => (None, None),
        Err(e) => (None, Some(e.to_string())),
    };
    if let Some(why) = &why {
        crate::errln!("coord: {why}; showing the last recorded states instead");
    }
    let registry = read_registry(&paths)?;
    let view = match live {
        Some(report) => StatusView::from_live(&report, registry.live_owner().map(|o| o.pid)),
        None => StatusView::from_registry(&registry, registry::unix_ms(), why.as_deref()),
    };
    if json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&view).unwrap_or_default()
        );
    } else {
        crate::out!("{}", view.text());
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
