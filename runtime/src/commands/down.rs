//! `coord down`: asks the running coord (detached by `up -d` or in the foreground of another
//! terminal) to stop the stack in reverse dependency order, prints the transitions as they
//! happen, and returns once the run is over and the coord process is gone (every service's
//! process ends before coord does). When no coord runs the stack there is nothing to stop:
//! that is said, and the exit code is 0, so that `coord down` can always end a script.

use super::stream::{Follow, Next};
use crate::cli::Failure;
use crate::client::reply_words;
use crate::events::in_words;
use crate::paths::StackPaths;
use crate::protocol::{Reply, Request, StreamEvent};
use crate::registry::ProcessId;
use std::path::Path;
use std::time::Duration;

/// `coord down -f FILE`.
pub fn down(file: &Path) -> Result<i32, Failure> {
    let paths = StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))?;
    let Some(mut follow) = Follow::subscribe(&paths, &[], false)? else {
        return nothing_runs(file);
    };
    let coord = follow.coord_pid.and_then(ProcessId::of);
    match crate::driver::control_request(&paths, &Request::Shutdown)
        .map_err(super::stream::unreachable)?
    {
        Some(Reply::Accepted { message }) => crate::errln!("coord: {message}"),
        None => return nothing_runs(file),
        Some(other) => return Err(Failure::new(1, reply_words(&other))),
    }
    loop {
        match follow.next(None, None)? {
            Next::Event(_, event @ StreamEvent::Transition { .. }) => {
                crate::outln!("{}", in_words(&event));
            }
            Next::Event(_, StreamEvent::RunEnd { .. })
            | Next::Event(_, StreamEvent::Dropped { .. })
            | Next::Closed => break,
            Next::Event(..) | Next::Timeout | Next::Stopped => {}
        }
    }
    // The run is over; coord writes its last registry entry and exits.
    if let Some(coord) = coord {
        while coord.is_alive() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    crate::errln!("coord: the stack {} is down", file.display());
    Ok(0)
}

fn nothing_runs(file: &Path) -> Result<i32, Failure> {
    crate::errln!(
        "coord: no coord is running the stack {}; nothing to stop",
        file.display()
    );
    Ok(0)
}
