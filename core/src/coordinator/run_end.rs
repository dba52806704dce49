//! The run-ending options of CI runs: `--exit-code-from TASK` (the run ends when that service
//! ends, with its exit code) and `--abort-on-failure` (any service failing fails the run).

use super::protocol::ExitStatus;
use super::{Coordinator, Options, Phase, RunOutcome, ServiceState};
use crate::stack::{ServiceId, Stack};
use crate::time::Timestamp;

/// What ends the run besides an interrupt and a required failure.
#[derive(Debug, Clone, Default)]
pub(super) struct RunEnd {
    /// The service of `--exit-code-from`, if any (an unknown name is none: the driver checks).
    task: Option<ServiceId>,
    /// Its last exit, once it had one.
    last_exit: Option<ExitStatus>,
    /// The outcome once it ended.
    ended: Option<RunOutcome>,
    /// `--abort-on-failure`.
    abort_on_failure: bool,
}

impl RunEnd {
    /// From the coordinator's options.
    pub(super) fn new(stack: &Stack, options: &Options) -> RunEnd {
        RunEnd {
            task: options
                .exit_code_from
                .as_deref()
                .and_then(|n| stack.service_id(n)),
            last_exit: None,
            ended: None,
            abort_on_failure: options.abort_on_failure,
        }
    }

    /// The service of `--exit-code-from`.
    pub(super) fn task(&self) -> Option<ServiceId> {
        self.task
    }

    /// Whether `service` is the one of `--exit-code-from`.
    pub(super) fn is_task(&self, service: ServiceId) -> bool {
        self.task == Some(service)
    }

    /// Whether a failure of any service of the run fails it.
    pub(super) fn aborts_on_failure(&self) -> bool {
        self.abort_on_failure
    }

    /// The run's outcome when the task ended, if it did.
    pub(super) fn outcome(&self) -> Option<&RunOutcome> {
        self.ended.as_ref()
    }

    /// Notes an exit of `service`'s process.
    pub(super) fn note_exit(&mut self, service: ServiceId, status: ExitStatus) {
        if self.is_task(service) {
            self.last_exit = Some(status);
        }
    }
}

/// The exit code a process's end stands for, as a shell reports it.
fn exit_code(status: Option<ExitStatus>) -> i32 {
    match status {
        Some(ExitStatus::Code(code)) => code,
        Some(ExitStatus::Signal(signal)) => 128 + signal,
        None => 1,
    }
}

impl Coordinator {
    /// With `--exit-code-from`: once that service has ended (completed, failed, stopped or
    /// skipped), the stack stops in order and the run ends with the service's exit code.
    pub(super) fn end_with_task_if_over(&mut self, now: Timestamp) {
        let Some(task) = self.run_end.task() else {
            return;
        };
        let state = self.services[task].state();
        if self.run.phase() != Phase::Running
            || self.run_end.ended.is_some()
            || !state.is_final()
            || *state == ServiceState::NotStarted
        {
            return;
        }
        let code = match state {
            ServiceState::Completed => 0,
            _ => exit_code(self.run_end.last_exit).max(1),
        };
        self.run_end.ended = Some(RunOutcome::TaskEnded {
            task: self.stack.services[task].name.clone(),
            code,
        });
        self.begin_shutdown(now);
    }
}
