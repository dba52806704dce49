//! `coord attach [NAME...]`: follows a running stack as `coord run` shows it: the services'
//! output lines on stdout behind their aligned `name |` prefix, state changes, the startup
//! summary and the run's end as coord's own messages on stderr. Ctrl-C or SIGTERM detaches:
//! `attach` ends (exit 0), the stack keeps running.

use super::live_status;
use super::stream::{Follow, Next, print_line, stop_on_signals};
use crate::cli::Failure;
use crate::client::not_running;
use crate::events::in_words;
use crate::output::Output;
use crate::paths::StackPaths;
use crate::protocol::StreamEvent;
use coord_core::ServiceId;
use std::path::Path;

/// `coord attach`.
pub fn attach(file: &Path, services: &[String]) -> Result<i32, Failure> {
    let paths = StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))?;
    let stop = stop_on_signals();
    let mut follow = Follow::subscribe(&paths, services, true)?.ok_or_else(|| not_running(file))?;
    let names: Vec<String> = live_status::fetch(&paths)?
        .ok_or_else(|| not_running(file))?
        .services
        .into_iter()
        .map(|s| s.name)
        .collect();
    let output = Output::new(names.clone());
    crate::errln!(
        "coord: attached to the stack {} (coord pid {}); Ctrl-C detaches, the stack keeps running",
        file.display(),
        follow
            .coord_pid
            .map_or_else(|| "?".into(), |p| p.to_string())
    );
    loop {
        match follow.next(None, Some(&stop))? {
            Next::Event(_, StreamEvent::Log { service, line }) => {
                let text = match names.iter().position(|n| *n == service) {
                    Some(id) => output.format(ServiceId::from_index(id), &line),
                    None => format!("{service} | {line}"),
                };
                if !print_line(&text) {
                    // Nobody reads the output any more: detach.
                    return Ok(0);
                }
            }
            Next::Event(_, event @ StreamEvent::Transition { .. }) => {
                let failed = matches!(&event, StreamEvent::Transition { to, .. } if to == "failed");
                if failed {
                    tracing::warn!("{}", in_words(&event));
                } else {
                    tracing::info!("{}", in_words(&event));
                }
            }
            Next::Event(_, StreamEvent::Startup { summary, failed }) => {
                if failed {
                    tracing::error!("startup failed: {summary}");
                } else {
                    tracing::info!("{summary}");
                }
            }
            Next::Event(_, event @ StreamEvent::RunEnd { .. }) => {
                tracing::info!("{}", in_words(&event));
                return Ok(0);
            }
            Next::Event(_, StreamEvent::Dropped { message }) => {
                return Err(Failure::new(1, message));
            }
            Next::Event(_, event) => tracing::debug!("{}", in_words(&event)),
            Next::Stopped => {
                crate::errln!(
                    "coord: detached; the stack keeps running (`coord down -f {}` stops it)",
                    file.display()
                );
                return Ok(0);
            }
            Next::Timeout => {}
            Next::Closed => {
                return Err(Failure::new(
                    1,
                    "the running coord closed the event stream before the run ended",
                ));
            }
        }
    }
}
