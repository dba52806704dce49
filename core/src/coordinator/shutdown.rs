//! The shutdown planner: in which order processes stop and when the run is fully stopped.
//!
//! Rules decided here:
//! - **Dependents before dependencies**: during the shutdown a service is stopped only once none
//!   of its dependents has a process left ([`may_stop_for_shutdown`]); asking again while its stop
//!   is under way changes nothing.
//! - **Doomed services** (a required dependency failed while they ran) are stopped once none of
//!   their doomed or failing dependents has a process left; dependents that merely use them keep
//!   running and do not hold them back ([`may_stop_doomed`]). The doomed found during one event
//!   wait in [`ShutdownPlan`] until every change of that event has propagated, so a run failure
//!   found in the same event orders the stops itself.
//! - **What a stop sends** ([`StopHow`]): the service's stop command or stop signal, with the stop
//!   grace armed; a forced shutdown (a second interrupt) sends SIGKILL at once, without grace.
//! - **When the shutdown begins** ([`on_shutdown_begin`]): a stop already under way now ends in
//!   the shutdown (a failing one stays failing); a selected service without process is skipped if
//!   it never ran, stopped otherwise.
//! - **Fully stopped** once no process is alive or being spawned ([`ShutdownPlan::no_process_left`]).

use super::record::{ExitPlan, Record};
use super::state::ServiceState;
use crate::stack::{Service, ServiceId, StopSignal};

/// The processes alive or being spawned, and the doomed services waiting to be stopped.
#[derive(Debug, Default)]
pub(super) struct ShutdownPlan {
    /// Processes alive or being spawned.
    live: usize,
    /// Doomed services to stop (in order) once every change of the current event has propagated.
    doomed: Vec<ServiceId>,
}

impl ShutdownPlan {
    /// No process, nothing doomed.
    pub(super) fn new() -> ShutdownPlan {
        ShutdownPlan::default()
    }

    /// A spawn was requested: one more process exists (or is about to).
    pub(super) fn process_spawning(&mut self) {
        self.live += 1;
    }

    /// A process exited or was never spawned.
    pub(super) fn process_gone(&mut self) {
        self.live -= 1;
    }

    /// Whether no process is alive or being spawned: a shutdown is over.
    pub(super) fn no_process_left(&self) -> bool {
        self.live == 0
    }

    /// Notes doomed services to stop once the current event's changes have propagated.
    pub(super) fn doom_later(&mut self, services: impl IntoIterator<Item = ServiceId>) {
        self.doomed.extend(services);
    }

    /// The doomed services noted so far, taken; `None` when there are none.
    pub(super) fn take_doomed(&mut self) -> Option<Vec<ServiceId>> {
        (!self.doomed.is_empty()).then(|| std::mem::take(&mut self.doomed))
    }
}

/// During the shutdown: whether `service` must be stopped now. It must when it has a process,
/// its shutdown stop is not under way yet, and none of its `dependents` has a process left.
pub(super) fn may_stop_for_shutdown<'a>(
    service: &Record,
    mut dependents: impl Iterator<Item = &'a Record>,
) -> bool {
    let stopping = matches!(
        service.exit_plan,
        Some(ExitPlan::Shutdown | ExitPlan::Fail(_))
    ) && *service.state() == ServiceState::Stopping;
    service.has_process() && !stopping && !dependents.any(Record::has_process)
}

/// While the run runs: the reason to stop a doomed `service` with now, if it must be stopped
/// now. It must when it is doomed, has a process with no stop under way, and none of its
/// `dependents` that is doomed or failing has a process left.
pub(super) fn may_stop_doomed<'a>(
    service: &Record,
    mut dependents: impl Iterator<Item = &'a Record>,
) -> Option<String> {
    let reason = service.doom.as_ref()?;
    if !service.has_process() || service.exit_plan.is_some() {
        return None;
    }
    let blocked = dependents.any(|r| {
        r.has_process() && (r.doom.is_some() || matches!(r.exit_plan, Some(ExitPlan::Fail(_))))
    });
    (!blocked).then(|| reason.clone())
}

/// What stopping a process sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StopHow {
    /// Run the service's stop command.
    Command,
    /// Send this signal.
    Signal(StopSignal),
}

impl StopHow {
    /// How `spec`'s process is stopped: SIGKILL in a `forced` shutdown; else its stop command
    /// if it has one, its stop signal otherwise (a configured SIGKILL skips the stop command).
    pub(super) fn of(spec: &Service, forced: bool) -> StopHow {
        StopHow::decide(spec.stop_signal, spec.stop_command.is_some(), forced)
    }

    /// [`StopHow::of`] a service with this stop signal, and a stop command or not.
    fn decide(stop_signal: StopSignal, stop_command: bool, forced: bool) -> StopHow {
        let signal = if forced {
            StopSignal::Kill
        } else {
            stop_signal
        };
        if signal != StopSignal::Kill && stop_command {
            StopHow::Command
        } else {
            StopHow::Signal(signal)
        }
    }

    /// Whether the stop grace is armed (SIGKILL once it is over): for everything but SIGKILL.
    pub(super) fn arms_grace(self) -> bool {
        self != StopHow::Signal(StopSignal::Kill)
    }
}

/// The shutdown begins: a stop under way (not a failing one) now ends in the shutdown; a
/// selected service without process that is not in a final state leaves it, with the state and
/// reason returned: skipped if it never ran, stopped otherwise.
pub(super) fn on_shutdown_begin(service: &mut Record) -> Option<(ServiceState, &'static str)> {
    if service.has_process() {
        if service.exit_plan.is_some() && !matches!(service.exit_plan, Some(ExitPlan::Fail(_))) {
            service.exit_plan = Some(ExitPlan::Shutdown);
        }
        return None;
    }
    if !service.selected || service.state().is_final() {
        return None;
    }
    Some(if service.first_spawn_at.is_none() {
        let why = "run shut down before it started";
        (ServiceState::Skipped(why.into()), why)
    } else {
        (ServiceState::Stopped, "shut down")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn running() -> Record {
        let mut r = Record::new(0);
        r.selected = true;
        r.alive = true;
        r = r.in_state(ServiceState::Ready);
        r
    }

    fn gone() -> Record {
        let mut r = running();
        r.alive = false;
        r
    }

    #[test]
    fn dependents_stop_before_their_dependencies() {
        let db = running();
        assert!(!may_stop_for_shutdown(
            &db,
            [&gone(), &running()].into_iter()
        ));
        assert!(may_stop_for_shutdown(&db, [&gone(), &gone()].into_iter()));
        let mut spawning = gone();
        spawning.spawn_pending = true;
        assert!(
            !may_stop_for_shutdown(&db, [&spawning].into_iter()),
            "a dependent being spawned holds its dependency"
        );
        assert!(
            !may_stop_for_shutdown(&gone(), [].into_iter()),
            "no process"
        );
    }

    #[test]
    fn a_shutdown_stop_under_way_is_not_sent_twice() {
        let mut db = running();
        db.exit_plan = Some(ExitPlan::Shutdown);
        db = db.in_state(ServiceState::Stopping);
        assert!(!may_stop_for_shutdown(&db, [].into_iter()));
        // A stop for another reason (a user stop) is overtaken by the shutdown's.
        db.exit_plan = Some(ExitPlan::Stop);
        assert!(may_stop_for_shutdown(&db, [].into_iter()));
    }

    #[test]
    fn a_doomed_service_waits_only_for_doomed_or_failing_dependents() {
        let mut api = running();
        assert_eq!(may_stop_doomed(&api, [].into_iter()), None, "not doomed");
        api.doom = Some("dependency db failed".into());
        let user = running();
        assert_eq!(
            may_stop_doomed(&api, [&user].into_iter()).as_deref(),
            Some("dependency db failed"),
            "a dependent that merely uses it does not hold it back"
        );
        let mut doomed_web = running();
        doomed_web.doom = Some("dependency api failed".into());
        assert_eq!(may_stop_doomed(&api, [&doomed_web].into_iter()), None);
        let mut failing_web = running();
        failing_web.exit_plan = Some(ExitPlan::Fail("x".into()));
        assert_eq!(may_stop_doomed(&api, [&failing_web].into_iter()), None);
        api.exit_plan = Some(ExitPlan::Fail("dependency db failed".into()));
        assert_eq!(
            may_stop_doomed(&api, [].into_iter()),
            None,
            "stop under way"
        );
    }

    #[test]
    fn a_forced_stop_is_sigkill_without_grace() {
        let term = StopSignal::Term;
        assert_eq!(StopHow::decide(term, true, false), StopHow::Command);
        assert!(StopHow::Command.arms_grace());
        let forced = StopHow::decide(term, true, true);
        assert_eq!(forced, StopHow::Signal(StopSignal::Kill));
        assert!(!forced.arms_grace());
        assert_eq!(StopHow::decide(term, false, false), StopHow::Signal(term));
        assert!(StopHow::Signal(term).arms_grace());
        assert_eq!(
            StopHow::decide(StopSignal::Kill, true, false),
            StopHow::Signal(StopSignal::Kill),
            "a configured SIGKILL skips the stop command"
        );
    }

    #[test]
    fn the_shutdown_is_over_when_no_process_is_left() {
        let mut plan = ShutdownPlan::new();
        assert!(plan.no_process_left());
        plan.process_spawning();
        plan.process_spawning();
        plan.process_gone();
        assert!(!plan.no_process_left());
        plan.process_gone();
        assert!(plan.no_process_left());
        assert_eq!(plan.take_doomed(), None);
        let (s3, s1) = (ServiceId::from_index(3), ServiceId::from_index(1));
        plan.doom_later([s3, s1]);
        assert_eq!(plan.take_doomed(), Some(vec![s3, s1]));
        assert_eq!(plan.take_doomed(), None, "taken once");
    }

    #[test]
    fn beginning_the_shutdown_twice_changes_nothing_more() {
        let mut never_ran = gone();
        never_ran = never_ran.in_state(ServiceState::Waiting);
        let (to, _) = on_shutdown_begin(&mut never_ran).expect("leaves waiting");
        assert_eq!(to.name(), "skipped");
        never_ran = never_ran.in_state(to);
        assert_eq!(on_shutdown_begin(&mut never_ran), None, "idempotent");

        let mut ran = gone();
        ran = ran.in_state(ServiceState::Restarting);
        ran.first_spawn_at = Some(Timestamp(3));
        assert_eq!(
            on_shutdown_begin(&mut ran),
            Some((ServiceState::Stopped, "shut down"))
        );

        let mut stopping = running();
        stopping.exit_plan = Some(ExitPlan::Stop);
        assert_eq!(on_shutdown_begin(&mut stopping), None);
        assert_eq!(stopping.exit_plan, Some(ExitPlan::Shutdown));
        let mut failing = running();
        failing.exit_plan = Some(ExitPlan::Fail("x".into()));
        on_shutdown_begin(&mut failing);
        assert_eq!(failing.exit_plan, Some(ExitPlan::Fail("x".into())));
        let mut untouched = running();
        on_shutdown_begin(&mut untouched);
        assert_eq!(untouched.exit_plan, None, "the ordered stop comes later");
    }
}
