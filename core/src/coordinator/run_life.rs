//! The life of the run as a whole: its phase (idle, running, shutting down, finished), when it
//! began, the startup countdown, the first reason it failed, how a shutdown goes (first or second
//! interrupt) and, at the end, its outcome. The coordinator asks and tells this record; the rules
//! it keeps are that the phase only moves forward, the first failure is the one reported, startup
//! is over once, and a forced shutdown stays forced.

use super::RunOutcome;
use crate::time::Timestamp;

/// Where the run as a whole is. It only moves forward, in declaration order (`Idle` may jump to
/// `ShuttingDown` when a shutdown comes before the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Phase {
    /// Waiting for `Input::Start`.
    Idle,
    /// Starting and running services.
    Running,
    /// Stopping everything, dependents first.
    ShuttingDown,
    /// `Action::Finished` was emitted.
    Finished,
}

/// The run's own record (see the module docs).
#[derive(Debug)]
pub(super) struct RunLife {
    phase: Phase,
    started_at: Timestamp,
    /// Why the run failed: the first required service's failure.
    failure: Option<String>,
    /// Selected services whose startup is not over yet.
    startup_pending: usize,
    /// When startup was over and its summary emitted (the summary's clock for a failed startup).
    startup_over_at: Option<Timestamp>,
    /// Every selected service is a task: the run ends once they all have.
    tasks_only: bool,
    /// The run ended because every task ended ([`RunOutcome::Completed`]).
    completed: bool,
    /// An `Input::Interrupt` was seen: the next one forces the shutdown.
    interrupted: bool,
    /// A forced shutdown: every stop is SIGKILL.
    forced: bool,
}

impl RunLife {
    /// A run not started yet, its clock reading `now`.
    pub(super) fn new(now: Timestamp) -> Self {
        RunLife {
            phase: Phase::Idle,
            started_at: now,
            failure: None,
            startup_pending: 0,
            startup_over_at: None,
            tasks_only: false,
            completed: false,
            interrupted: false,
            forced: false,
        }
    }

    /// The phase.
    pub(super) fn phase(&self) -> Phase {
        self.phase
    }

    /// When the run began (`Input::Start`).
    pub(super) fn started_at(&self) -> Timestamp {
        self.started_at
    }

    /// Starts the run at `now` with `selected` services to wait for; false (and nothing changes)
    /// unless the run was idle.
    pub(super) fn begin(&mut self, now: Timestamp, selected: usize, tasks_only: bool) -> bool {
        if self.phase != Phase::Idle {
            return false;
        }
        self.phase = Phase::Running;
        self.started_at = now;
        self.startup_pending = selected;
        self.tasks_only = tasks_only;
        true
    }

    /// One selected service's startup is over (ready, completed or final).
    pub(super) fn startup_settled(&mut self) {
        self.startup_pending = self.startup_pending.saturating_sub(1);
    }

    /// Whether every selected service's startup is over while the run runs.
    pub(super) fn startup_all_settled(&self) -> bool {
        self.phase == Phase::Running && self.startup_pending == 0
    }

    /// Marks startup over at `now`; false if it already was.
    pub(super) fn end_startup(&mut self, now: Timestamp) -> bool {
        if self.startup_over_at.is_some() {
            return false;
        }
        self.startup_over_at = Some(now);
        true
    }

    /// When startup was over, once it is.
    pub(super) fn startup_over_at(&self) -> Option<Timestamp> {
        self.startup_over_at
    }

    /// Records why the run failed; the first reason stays.
    pub(super) fn fail(&mut self, reason: String) {
        if self.failure.is_none() {
            self.failure = Some(reason);
        }
    }

    /// Whether the run has failed.
    pub(super) fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Moves to `ShuttingDown`; false if the run was already shutting down or finished, or had
    /// not started (then there is nothing to stop).
    pub(super) fn enter_shutdown(&mut self) -> bool {
        let was = self.phase;
        self.phase = self.phase.max(Phase::ShuttingDown);
        was == Phase::Running
    }

    /// Counts an interrupt: true for the second or a later one (which forces the shutdown).
    pub(super) fn interrupt(&mut self) -> bool {
        std::mem::replace(&mut self.interrupted, true)
    }

    /// Every stop from now on is SIGKILL.
    pub(super) fn force(&mut self) {
        self.forced = true;
    }

    /// Whether the shutdown is forced.
    pub(super) fn is_forced(&self) -> bool {
        self.forced
    }

    /// A run of tasks only whose startup is over and that still runs: it may complete.
    pub(super) fn may_complete_tasks_only(&self) -> bool {
        self.tasks_only && self.startup_all_settled()
    }

    /// The run ends because every task ended.
    pub(super) fn complete(&mut self) {
        self.completed = true;
    }

    /// Ends the run: `Finished`, with its outcome. `decided` is an outcome decided elsewhere
    /// (`--exit-code-from`), which only a failure outranks.
    pub(super) fn finish(&mut self, decided: Option<RunOutcome>) -> RunOutcome {
        self.phase = Phase::Finished;
        match (&self.failure, decided) {
            (Some(reason), _) => RunOutcome::Failed(reason.clone()),
            (None, Some(outcome)) => outcome,
            (None, None) if self.completed => RunOutcome::Completed,
            (None, None) if self.startup_over_at.is_some() => RunOutcome::Stopped,
            (None, None) => RunOutcome::Interrupted,
        }
    }
}

impl RunOutcome {
    /// The outcome's name, as the event stream and the registry give it: `stopped`,
    /// `interrupted`, `failed`, `completed` or `task_ended`.
    pub fn name(&self) -> &'static str {
        match self {
            RunOutcome::Stopped => "stopped",
            RunOutcome::Interrupted => "interrupted",
            RunOutcome::Failed(_) => "failed",
            RunOutcome::Completed => "completed",
            RunOutcome::TaskEnded { .. } => "task_ended",
        }
    }

    /// The exit code a driver ends with: 0 when the stack was stopped after it came up or every
    /// task of a tasks-only run ended, 1 when the run failed, 130 (as for SIGINT) when it was
    /// stopped before startup was over, and with `--exit-code-from` the task's own code.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunOutcome::TaskEnded { code, .. } => *code,
            RunOutcome::Stopped | RunOutcome::Completed => 0,
            RunOutcome::Failed(_) => 1,
            RunOutcome::Interrupted => 130,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_has_its_name_and_exit_code() {
        let task = RunOutcome::TaskEnded {
            task: "tests".into(),
            code: 3,
        };
        let cases = [
            (RunOutcome::Stopped, "stopped", 0),
            (RunOutcome::Completed, "completed", 0),
            (RunOutcome::Failed("db failed".into()), "failed", 1),
            (RunOutcome::Interrupted, "interrupted", 130),
            (task, "task_ended", 3),
        ];
        for (outcome, name, code) in cases {
            assert_eq!((outcome.name(), outcome.exit_code()), (name, code));
        }
    }

    #[test]
    fn the_phase_only_moves_forward_and_the_first_failure_stays() {
        let mut run = RunLife::new(Timestamp(0));
        assert!(run.begin(Timestamp(5), 2, false));
        assert!(
            !run.begin(Timestamp(6), 9, false),
            "a second start changes nothing"
        );
        assert_eq!(run.started_at(), Timestamp(5));
        run.fail("db failed".into());
        run.fail("api failed".into());
        assert!(run.enter_shutdown());
        assert!(!run.enter_shutdown(), "already shutting down");
        assert_eq!(run.phase(), Phase::ShuttingDown);
        assert_eq!(run.finish(None), RunOutcome::Failed("db failed".into()));
        assert!(!run.enter_shutdown(), "a finished run does not go back");
        assert_eq!(run.phase(), Phase::Finished);
    }

    #[test]
    fn startup_is_over_once_and_decides_stopped_or_interrupted() {
        let mut run = RunLife::new(Timestamp(0));
        run.begin(Timestamp(0), 1, false);
        assert!(!run.startup_all_settled());
        run.startup_settled();
        assert!(run.startup_all_settled());
        assert!(run.end_startup(Timestamp(7)));
        assert!(!run.end_startup(Timestamp(8)));
        assert_eq!(run.startup_over_at(), Some(Timestamp(7)));
        run.enter_shutdown();
        assert_eq!(run.finish(None), RunOutcome::Stopped);

        let mut early = RunLife::new(Timestamp(0));
        early.begin(Timestamp(0), 1, false);
        assert!(!early.interrupt(), "the first interrupt");
        assert!(early.interrupt(), "the second forces");
        early.enter_shutdown();
        assert_eq!(early.finish(None), RunOutcome::Interrupted);
    }

    #[test]
    fn a_shutdown_before_the_start_is_no_shutdown_to_carry_out() {
        let mut run = RunLife::new(Timestamp(0));
        assert!(!run.enter_shutdown());
        assert_eq!(run.phase(), Phase::ShuttingDown);
        assert!(!run.begin(Timestamp(1), 3, false), "too late to start");
    }
}
