//! `coord wait [NAME...] [--timeout D]`: exits 0 once every named service (default: every
//! service in the run's selection, the status report's `selected`, so a service the run leaves
//! alone does not block) is `ready` or, for a task, `completed`; 1 as soon as one of them is
//! `failed`, `skipped` or `stopped` (none of them comes back on its own), when the run ends, or
//! when the timeout passes, printing what it last saw; 2 for a name the stack does not have.

use super::live_status;
use super::stream::{Follow, Next};
use crate::cli::Failure;
use crate::client::not_running;
use crate::paths::StackPaths;
use crate::protocol::StreamEvent;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// What `coord wait` waits for.
#[derive(Debug, Clone)]
pub struct WaitRequest {
    /// These services (empty: the run's selection).
    pub services: Vec<String>,
    /// Give up after this long (None: never).
    pub timeout: Option<Duration>,
}

/// The last seen state of each awaited service: (state, reason).
type Seen = BTreeMap<String, (String, Option<String>)>;

/// Where the wait stands.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every awaited service is ready or completed.
    Done,
    /// This one will not get there: its name, state and reason.
    Failed(String, String, Option<String>),
    /// Still waiting.
    Waiting,
}

/// The verdict for `seen`.
pub fn verdict(seen: &Seen) -> Verdict {
    for (name, (state, reason)) in seen {
        if matches!(state.as_str(), "failed" | "skipped" | "stopped") {
            return Verdict::Failed(name.clone(), state.clone(), reason.clone());
        }
    }
    if seen
        .values()
        .all(|(state, _)| matches!(state.as_str(), "ready" | "completed"))
    {
        Verdict::Done
    } else {
        Verdict::Waiting
    }
}

/// `db ready, api starting`: what was last seen.
pub fn describe(seen: &Seen) -> String {
    seen.iter()
        .map(|(name, (state, reason))| match reason {
            Some(why) => format!("{name} {state} ({why})"),
            None => format!("{name} {state}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `coord wait`.
pub fn wait(file: &Path, request: WaitRequest) -> Result<i32, Failure> {
    let deadline = request.timeout.map(|t| Instant::now() + t);
    let paths = StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))?;
    // Subscribed before the status is read: no change between the two is missed.
    let mut follow =
        Follow::subscribe(&paths, &request.services, false)?.ok_or_else(|| not_running(file))?;
    let status = live_status::fetch(&paths)?.ok_or_else(|| not_running(file))?;
    let mut seen: Seen = status
        .services
        .iter()
        .filter(|s| {
            if request.services.is_empty() {
                s.selected
            } else {
                request.services.contains(&s.name)
            }
        })
        .map(|s| {
            (
                s.name.clone(),
                (s.state.state.clone(), s.state.reason.clone()),
            )
        })
        .collect();
    loop {
        match verdict(&seen) {
            Verdict::Done => {
                crate::outln!("{}", describe(&seen));
                return Ok(0);
            }
            Verdict::Failed(name, state, reason) => {
                let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
                return Err(Failure::new(
                    1,
                    format!("{name} is {state}{why}\n  last seen: {}", describe(&seen)),
                ));
            }
            Verdict::Waiting => {}
        }
        match follow.next(deadline, None)? {
            Next::Event(
                _,
                StreamEvent::Transition {
                    service,
                    to,
                    reason,
                    ..
                },
            ) => {
                // A change from before the status report is already in it.
                if follow.last_run_ms < status.now_ms {
                    continue;
                }
                if let Some(entry) = seen.get_mut(&service) {
                    let why = matches!(to.as_str(), "failed" | "skipped").then_some(reason);
                    *entry = (to, why);
                }
            }
            Next::Event(_, StreamEvent::RunEnd { outcome, .. }) => {
                return Err(Failure::new(
                    1,
                    format!(
                        "the run ended ({outcome}) before they were up\n  last seen: {}",
                        describe(&seen)
                    ),
                ));
            }
            Next::Event(_, StreamEvent::Dropped { message }) => {
                return Err(Failure::new(1, message));
            }
            Next::Event(..) | Next::Stopped => {}
            Next::Timeout => {
                let waited = request.timeout.unwrap_or_default();
                return Err(Failure::new(
                    1,
                    format!(
                        "timed out after {}\n  last seen: {}",
                        humanise(waited),
                        describe(&seen)
                    ),
                ));
            }
            Next::Closed => {
                return Err(Failure::new(
                    1,
                    format!(
                        "the running coord went away\n  last seen: {}",
                        describe(&seen)
                    ),
                ));
            }
        }
    }
}

fn humanise(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.3} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(states: &[(&str, &str)]) -> Seen {
        states
            .iter()
            .map(|(n, s)| (n.to_string(), (s.to_string(), None)))
            .collect()
    }

    #[test]
    fn ready_and_completed_are_done() {
        assert_eq!(
            verdict(&seen(&[("db", "ready"), ("migrate", "completed")])),
            Verdict::Done
        );
        assert_eq!(
            verdict(&seen(&[("db", "ready"), ("api", "starting")])),
            Verdict::Waiting
        );
        assert_eq!(
            verdict(&seen(&[("db", "unhealthy"), ("api", "restarting")])),
            Verdict::Waiting
        );
    }

    #[test]
    fn a_state_that_does_not_come_back_fails_the_wait() {
        for state in ["failed", "skipped", "stopped"] {
            let s = seen(&[("db", "ready"), ("api", state)]);
            assert_eq!(
                verdict(&s),
                Verdict::Failed("api".into(), state.into(), None)
            );
        }
        let mut s = seen(&[("api", "failed")]);
        s.get_mut("api").unwrap().1 = Some("exited with code 1".into());
        assert_eq!(describe(&s), "api failed (exited with code 1)");
    }
}
