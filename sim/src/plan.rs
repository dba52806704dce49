//! Swarm fault plans: per seed, each fault kind is either off or on with its own probability.
//!
//! Probabilities are integers in per mille (no floats anywhere in a trace), drawn with
//! [`FaultPlan::chance`] from the world's seeded generator.

use coord_core::stack::{DependencyKind, PortSpec, ServiceId, Stack};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// One kind of fault the world can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// An outsider grabs the port between the reservation (spawn) and the process's bind.
    PortStolen,
    /// An outsider already holds a service's first candidate port when the run starts.
    PortHeldAtStart,
    /// The spawn itself fails (command not found).
    SpawnFailure,
    /// The process exits non-zero before it is ready.
    CrashBeforeReady,
    /// The process crashes some time after it became ready.
    CrashAfterReady,
    /// The process becomes ready only seconds later (after some readiness probes failed).
    LateReadiness,
    /// The process never becomes ready.
    NeverReady,
    /// A probe fails at random although the service is fine.
    FlakyProbe,
    /// Before the process is ready, a stale listener outside its process tree answers its probe.
    OutsiderAnswers,
    /// The process ignores SIGTERM (only SIGKILL ends it).
    IgnoresTerm,
    /// The process takes long to stop (up to twice its grace period).
    SlowStop,
    /// The operator restarts a service (`coord restart NAME`) during the fault phase.
    OperatorRestart,
    /// The operator stops a service (`coord stop NAME`) during the fault phase (a service with
    /// dependents is often stopped early, while they wait for it, and started again later).
    OperatorStop,
    /// A probe's answer is lost on the way: the coordinator never hears of it.
    ProbeLost,
    /// Before the process has bound its port, something answers the probe's connect and goes
    /// away: no listener can be attributed.
    UnattributableAnswer,
    /// Bursts of changes to the files a service watches (its `watch` table), at random moments
    /// of the fault phase; the changes of one burst are closer together than the debounce.
    FilesChanged,
    /// The operator starts a service (`coord start NAME`) during the fault phase: one with
    /// `autostart = false`, or any other (a stopped one starts again, a running one is refused).
    /// Drawn only for stacks that hold a service back ([`FaultPlan::draw_starts`]).
    OperatorStart,
}

impl FaultKind {
    /// Every kind, in plan order.
    pub const ALL: [FaultKind; 17] = [
        FaultKind::PortStolen,
        FaultKind::PortHeldAtStart,
        FaultKind::SpawnFailure,
        FaultKind::CrashBeforeReady,
        FaultKind::CrashAfterReady,
        FaultKind::LateReadiness,
        FaultKind::NeverReady,
        FaultKind::FlakyProbe,
        FaultKind::OutsiderAnswers,
        FaultKind::IgnoresTerm,
        FaultKind::SlowStop,
        FaultKind::OperatorRestart,
        FaultKind::OperatorStop,
        FaultKind::ProbeLost,
        FaultKind::UnattributableAnswer,
        FaultKind::FilesChanged,
        FaultKind::OperatorStart,
    ];

    /// Kinds drawn from a side stream of the seed ([`FaultPlan::draw_side`]), so that adding them
    /// shifted no draw of the kinds before them.
    fn drawn_aside(self) -> bool {
        matches!(
            self,
            FaultKind::ProbeLost
                | FaultKind::UnattributableAnswer
                | FaultKind::FilesChanged
                | FaultKind::OperatorStart
        )
    }

    /// The name printed in plans.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::PortStolen => "port_stolen_before_bind",
            FaultKind::PortHeldAtStart => "port_held_at_start",
            FaultKind::SpawnFailure => "spawn_failure",
            FaultKind::CrashBeforeReady => "crash_before_ready",
            FaultKind::CrashAfterReady => "crash_after_ready",
            FaultKind::LateReadiness => "late_readiness",
            FaultKind::NeverReady => "never_ready",
            FaultKind::FlakyProbe => "flaky_probe",
            FaultKind::OutsiderAnswers => "outsider_answers_probe",
            FaultKind::IgnoresTerm => "sigterm_ignored",
            FaultKind::SlowStop => "slow_stop",
            FaultKind::OperatorRestart => "operator_restart",
            FaultKind::OperatorStop => "operator_stop",
            FaultKind::ProbeLost => "probe_answer_lost",
            FaultKind::UnattributableAnswer => "unattributable_answer",
            FaultKind::FilesChanged => "files_changed",
            FaultKind::OperatorStart => "operator_start",
        }
    }

    fn index(self) -> usize {
        FaultKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or_default()
    }
}

/// Which faults a run injects, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultPlan {
    /// Per kind (indexed like [`FaultKind::ALL`]): probability in per mille, 0 = off.
    per_mille: [u16; FaultKind::ALL.len()],
    /// Virtual milliseconds of the fault phase; processes spawned later behave, probes stop lying.
    pub fault_window_ms: u64,
    /// A required dependency that never comes up, in either phase.
    pub doomed: Option<ServiceId>,
    /// The operator presses Ctrl-C a second time (`ForceShutdown`) this many milliseconds after
    /// the graceful shutdown began.
    pub force_after_ms: Option<u64>,
}

impl FaultPlan {
    /// No faults at all: the calm world.
    pub fn calm() -> FaultPlan {
        FaultPlan {
            per_mille: [0; FaultKind::ALL.len()],
            fault_window_ms: 0,
            doomed: None,
            force_after_ms: None,
        }
    }

    /// Swarm testing: each kind is off with probability 1/2, else on with its own probability
    /// between 2% and 40% (operator actions: 2% to 10%); the fault phase lasts 1 to 30 virtual seconds; one time in four a
    /// service that others require never comes up.
    pub fn swarm(rng: &mut ChaCha8Rng, stack: &Stack) -> FaultPlan {
        let mut plan = FaultPlan::calm();
        for kind in FaultKind::ALL {
            if kind.drawn_aside() {
                continue;
            }
            if rng.random_bool(0.5) {
                // Operator actions end many runs early (stopping a required service fails the
                // run): keep them rarer so the other faults still get whole runs to act in.
                let max = match kind {
                    FaultKind::OperatorRestart | FaultKind::OperatorStop => 100,
                    _ => 400,
                };
                plan.per_mille[kind.index()] = rng.random_range(20..=max);
            }
        }
        plan.fault_window_ms = rng.random_range(1_000..=30_000);
        // One pass over the edges (O(services + edges)), then the targets in id order.
        let mut required = vec![false; stack.services.len()];
        for s in &stack.services {
            for d in &s.depends_on {
                if d.kind == DependencyKind::Required
                    && let Some(r) = required.get_mut(d.service.index())
                {
                    *r = true;
                }
            }
        }
        let required_targets: Vec<ServiceId> = ServiceId::all(required.len())
            .filter(|&id| required[id])
            .collect();
        if !required_targets.is_empty() && rng.random_ratio(1, 4) {
            plan.doomed = Some(required_targets[rng.random_range(0..required_targets.len())]);
        }
        plan
    }

    /// Draws the second Ctrl-C (one run in eight) from its own stream derived from `seed`, so
    /// that it shifts no other draw of the run.
    pub fn draw_force(&mut self, seed: u64) {
        let mut side = ChaCha8Rng::seed_from_u64(seed ^ 0x0f0c_e5ee_d5ec_0dc7);
        self.force_after_ms = side
            .random_ratio(1, 8)
            .then(|| side.random_range(0..=15_000));
    }

    /// Draws the kinds kept aside (lost probe answers, unattributable answers: each off with
    /// probability 1/2, else 2% to 40%) from their own stream derived from `seed`, so that they
    /// shift no other draw of the plan.
    pub fn draw_side(&mut self, seed: u64) {
        let mut side = ChaCha8Rng::seed_from_u64(seed ^ 0x1a57_a45e_7a11_0ff5);
        let kinds = FaultKind::ALL
            .into_iter()
            .filter(|k| k.drawn_aside() && *k != FaultKind::OperatorStart);
        for kind in kinds {
            if side.random_bool(0.5) {
                self.per_mille[kind.index()] = side.random_range(20..=400);
            }
        }
    }

    /// Draws operator starts (off with probability 1/2, else 10% to 50%) from their own stream
    /// derived from `seed`, only for a stack with a service that has `autostart = false`: other
    /// stacks' plans stay as they were.
    pub fn draw_starts(&mut self, seed: u64, stack: &Stack) {
        if stack.services.iter().all(|s| s.autostart) {
            return;
        }
        let mut side = ChaCha8Rng::seed_from_u64(seed ^ 0x57a7_0de3_a4d0_0001);
        if side.random_bool(0.5) {
            self.per_mille[FaultKind::OperatorStart.index()] = side.random_range(100..=500);
        }
    }

    /// This plan with `kind` set to `per_mille` (0 turns it off).
    pub fn with(mut self, kind: FaultKind, per_mille: u16) -> FaultPlan {
        self.per_mille[kind.index()] = per_mille.min(1000);
        self
    }

    /// This plan with a fault phase of `ms` virtual milliseconds.
    pub fn window(mut self, ms: u64) -> FaultPlan {
        self.fault_window_ms = ms;
        self
    }

    /// The probability of `kind` in per mille (0 = off).
    pub fn per_mille(&self, kind: FaultKind) -> u16 {
        self.per_mille[kind.index()]
    }

    /// Draws whether `kind` strikes now. Always false when the kind is off (and then draws
    /// nothing, so switching one kind off does not shift the others' draws more than needed).
    pub fn chance(&self, kind: FaultKind, rng: &mut ChaCha8Rng) -> bool {
        let p = self.per_mille(kind);
        p > 0 && rng.random_range(0..1000u16) < p
    }

    /// The first candidate port of every service with a port (what an outsider would squat on).
    pub fn first_candidates(stack: &Stack) -> Vec<(ServiceId, u16)> {
        ServiceId::enumerate(&stack.services)
            .filter_map(|(id, s)| match &s.port {
                Some(PortSpec::Fixed(p)) => Some((id, *p)),
                Some(PortSpec::Allocated {
                    preferred, range, ..
                }) => Some((id, preferred.unwrap_or(range.start))),
                None => None,
            })
            .collect()
    }

    /// The plan as printed at the top of a trace, naming the doomed service from `stack`.
    pub fn describe<'a>(&'a self, stack: &'a Stack) -> impl fmt::Display + 'a {
        PlanDisplay { plan: self, stack }
    }
}

struct PlanDisplay<'a> {
    plan: &'a FaultPlan,
    stack: &'a Stack,
}

impl fmt::Display for PlanDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "fault plan (fault phase {} ms):",
            self.plan.fault_window_ms
        )?;
        let watches = self.stack.services.iter().any(|s| s.watch.is_some());
        for kind in FaultKind::ALL {
            // Only a stack that watches files can have them change (and older traces stay put).
            if kind == FaultKind::FilesChanged && !watches {
                continue;
            }
            let p = self.plan.per_mille(kind);
            if p == 0 {
                writeln!(f, "  {:<26} off", kind.name())?;
            } else {
                writeln!(f, "  {:<26} {:>3}.{}%", kind.name(), p / 10, p % 10)?;
            }
        }
        match self.plan.force_after_ms {
            Some(ms) => writeln!(f, "  {:<26} {ms} ms into the shutdown", "force_shutdown")?,
            None => writeln!(f, "  {:<26} off", "force_shutdown")?,
        }
        match self.plan.doomed {
            Some(id) => write!(
                f,
                "  {:<26} {}",
                "required_never_up",
                self.stack
                    .services
                    .get(id.index())
                    .map_or("?", |s| s.name.as_str())
            ),
            None => write!(f, "  {:<26} off", "required_never_up"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stacks::netra;

    #[test]
    fn swarm_differs_by_seed_and_repeats_per_seed() {
        let stack = netra();
        let plan = |seed| {
            let mut plan = FaultPlan::swarm(&mut ChaCha8Rng::seed_from_u64(seed), &stack);
            plan.draw_side(seed);
            plan
        };
        assert_eq!(plan(1), plan(1));
        assert_ne!(plan(1), plan(2));
        // Over many seeds every kind is sometimes off and sometimes on (operator starts only on
        // a stack that holds a service back: never on netra).
        for kind in FaultKind::ALL {
            let on = (0..200).filter(|s| plan(*s).per_mille(kind) > 0).count();
            if kind == FaultKind::OperatorStart {
                assert_eq!(on, 0);
                continue;
            }
            assert!(on > 20 && on < 180, "{kind:?} on in {on}/200 plans");
        }
        let mut held = netra();
        held.services[4].autostart = false;
        let starts = (0..200)
            .filter(|&seed| {
                let mut plan = plan(seed);
                plan.draw_starts(seed, &held);
                plan.per_mille(FaultKind::OperatorStart) > 0
            })
            .count();
        assert!(
            starts > 20 && starts < 180,
            "operator starts in {starts}/200"
        );
        assert!((0..200).any(|s| plan(s).doomed.is_some()));
    }

    #[test]
    fn the_doomed_service_is_one_that_others_require() {
        for seed in 0..300 {
            let stack = crate::stacks::random_small(seed);
            let plan = FaultPlan::swarm(&mut ChaCha8Rng::seed_from_u64(seed), &stack);
            if let Some(doomed) = plan.doomed {
                let required = stack.services.iter().any(|s| {
                    s.depends_on
                        .iter()
                        .any(|d| d.service == doomed && d.kind == DependencyKind::Required)
                });
                assert!(required, "seed {seed}: {doomed}");
            }
        }
    }

    #[test]
    fn calm_never_strikes() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let calm = FaultPlan::calm();
        assert!((0..1000).all(|_| FaultKind::ALL.iter().all(|k| !calm.chance(*k, &mut rng))));
        let always = FaultPlan::calm().with(FaultKind::FlakyProbe, 1000);
        assert!((0..100).all(|_| always.chance(FaultKind::FlakyProbe, &mut rng)));
    }

    #[test]
    fn plan_text_has_no_floats_and_names_the_doomed_service() {
        let mut plan = FaultPlan::calm()
            .with(FaultKind::SlowStop, 125)
            .window(4000);
        plan.doomed = Some(ServiceId::from_index(0));
        let text = plan.describe(&netra()).to_string();
        assert!(text.contains("slow_stop"), "{text}");
        assert!(text.contains(" 12.5%"), "{text}");
        assert!(
            text.contains("required_never_up          database"),
            "{text}"
        );
    }
}
