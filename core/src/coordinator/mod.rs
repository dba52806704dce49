//! The sans-IO coordination state machine (DESIGN §3), in the shape of quinn-proto:
//!
//! ```text
//! let mut c = Coordinator::new(stack, Options::default(), now);
//! c.handle_input(now, Input::Start { services: vec![] });
//! while let Some(cmd) = c.poll_command() { /* execute */ }   // drain after every handle_*
//! if let Some(t) = c.poll_timeout() { /* call c.handle_timeout(t) when t has passed */ }
//! ```

mod io;
mod state;
pub mod status;

pub use io::{Command, ExitStatus, Generation, Input, ProbeOutcome, ProbePurpose};
pub use state::{ServiceState, Transition};

use crate::stack::Stack;
use crate::time::Timestamp;
use serde::Serialize;
use status::StatusReport;
use std::collections::BTreeMap;

/// Construction options of a [`Coordinator`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Seed of the backoff jitter.
    pub seed: u64,
    /// The port each service had last time (from the registry): preferred over everything else.
    pub last_ports: BTreeMap<String, u16>,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum RunOutcome {
    /// Stopped on request after the stack came up.
    Stopped,
    /// Stopped on request before startup was over.
    Interrupted,
    /// A required service failed; the reason names it.
    Failed(String),
}

/// The coordination state machine. See the module docs.
#[derive(Debug)]
pub struct Coordinator {
    stack: Stack,
}

impl Coordinator {
    /// A coordinator for `stack`, its clock starting at `now`.
    pub fn new(stack: Stack, options: Options, now: Timestamp) -> Self {
        let _ = (options, now);
        Coordinator { stack }
    }

    /// The stack this coordinator runs.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// Feeds one event.
    pub fn handle_input(&mut self, now: Timestamp, input: Input) {
        let _ = (now, input);
        unimplemented!()
    }

    /// Fires every timer due at or before `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        let _ = now;
        unimplemented!()
    }

    /// The next command for the driver; drain until `None` after every `handle_*`.
    pub fn poll_command(&mut self) -> Option<Command> {
        unimplemented!()
    }

    /// When `handle_timeout` must next be called, if any timer is armed.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        unimplemented!()
    }

    /// A serialisable snapshot of the run at `now`.
    pub fn status(&self, now: Timestamp) -> StatusReport {
        let _ = now;
        unimplemented!()
    }

    /// Whether the run is over (`Command::Finished` was emitted).
    pub fn is_finished(&self) -> bool {
        unimplemented!()
    }
}
