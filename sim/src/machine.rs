//! What the world drives: the real [`Coordinator`], or a deliberately broken wrapper around it
//! (tests prove the checker notices).

use coord_core::stack::{ServiceId, Stack};
use coord_core::{Action, Coordinator, Input, Timestamp};

/// The sans-IO protocol of the coordinator, as the world uses it.
pub trait Machine {
    /// Feeds one event.
    fn handle_input(&mut self, now: Timestamp, input: Input);
    /// Fires the timers due at `now`.
    fn handle_timeout(&mut self, now: Timestamp);
    /// The next command, if any.
    fn poll_command(&mut self) -> Option<Action>;
    /// When the next timer is due.
    fn poll_timeout(&self) -> Option<Timestamp>;
    /// Whether `Finished` was emitted.
    fn is_finished(&self) -> bool;
    /// Services whose status still reports a pid.
    fn services_with_pid(&self, now: Timestamp) -> Vec<ServiceId>;
    /// The stack it runs.
    fn stack(&self) -> &Stack;
}

impl Machine for Coordinator {
    fn handle_input(&mut self, now: Timestamp, input: Input) {
        Coordinator::handle_input(self, now, input)
    }
    fn handle_timeout(&mut self, now: Timestamp) {
        Coordinator::handle_timeout(self, now)
    }
    fn poll_command(&mut self) -> Option<Action> {
        Coordinator::poll_command(self)
    }
    fn poll_timeout(&self) -> Option<Timestamp> {
        Coordinator::poll_timeout(self)
    }
    fn is_finished(&self) -> bool {
        Coordinator::is_finished(self)
    }
    fn stack(&self) -> &Stack {
        Coordinator::stack(self)
    }
    fn services_with_pid(&self, now: Timestamp) -> Vec<ServiceId> {
        self.status(now)
            .services
            .iter()
            .zip(Coordinator::stack(self).service_ids())
            .map(|(s, id)| (id, s))
            .filter(|(_, s)| s.pid.is_some())
            .map(|(id, _)| id)
            .collect()
    }
}

/// A test-only switch: the real coordinator with one behaviour broken, so tests can show that the
/// checker catches the resulting runs.
#[derive(Debug)]
pub struct Sabotaged {
    inner: Coordinator,
    sabotage: Sabotage,
}

/// Which behaviour to break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sabotage {
    /// Swallow every `ReleasePort` (reservations leak).
    NoRelease,
    /// Swallow every SIGKILL (processes that ignore SIGTERM never die).
    NoKill,
    /// Swallow the `Exited` input of every process (the coordinator waits forever).
    DeafToExits,
}

impl Sabotaged {
    /// Wraps `inner`, breaking `sabotage`.
    pub fn new(inner: Coordinator, sabotage: Sabotage) -> Sabotaged {
        Sabotaged { inner, sabotage }
    }
}

impl Machine for Sabotaged {
    fn handle_input(&mut self, now: Timestamp, input: Input) {
        if self.sabotage == Sabotage::DeafToExits && matches!(input, Input::Exited { .. }) {
            return;
        }
        self.inner.handle_input(now, input)
    }
    fn handle_timeout(&mut self, now: Timestamp) {
        self.inner.handle_timeout(now)
    }
    fn poll_command(&mut self) -> Option<Action> {
        loop {
            let cmd = self.inner.poll_command()?;
            let swallow = matches!(
                (&cmd, self.sabotage),
                (Action::ReleasePort { .. }, Sabotage::NoRelease)
                    | (
                        Action::Signal {
                            signal: coord_core::stack::StopSignal::Kill,
                            ..
                        },
                        Sabotage::NoKill,
                    )
            );
            if !swallow {
                return Some(cmd);
            }
        }
    }
    fn poll_timeout(&self) -> Option<Timestamp> {
        self.inner.poll_timeout()
    }
    fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
    fn services_with_pid(&self, now: Timestamp) -> Vec<ServiceId> {
        Machine::services_with_pid(&self.inner, now)
    }
    fn stack(&self) -> &Stack {
        self.inner.stack()
    }
}
