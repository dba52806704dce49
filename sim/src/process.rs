//! Simulated processes: what each spawned process will do, decided from the fault plan at spawn.

use crate::plan::{FaultKind, FaultPlan};
use coord_core::stack::{ServiceId, ServiceKind, StopSignal};
use coord_core::{ExitStatus, Generation, Timestamp};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// How a process reacts to its (non-KILL) stop signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopBehaviour {
    /// Exits within 100 ms.
    Prompt,
    /// Ignores it; only SIGKILL ends it.
    Ignores,
    /// Exits after this many milliseconds.
    Slow(u64),
}

/// One simulated process (the leader of its own process group, with `children` in its tree).
#[derive(Debug, Clone)]
pub struct SimProcess {
    /// Virtual pid (not a real one).
    pub pid: u32,
    /// The service it runs.
    pub service: ServiceId,
    /// The spawn's generation.
    pub generation: Generation,
    /// The port it was given.
    pub port: Option<u16>,
    /// When `Spawned` reaches the coordinator.
    pub spawned_at: Timestamp,
    /// When it binds its port.
    pub bind_at: Option<Timestamp>,
    /// When it becomes ready (None: never).
    pub ready_at: Option<Timestamp>,
    /// A planned exit on its own: when and how.
    pub exit: Option<(Timestamp, ExitStatus, &'static str)>,
    /// Its reaction to the stop signal.
    pub stop: StopBehaviour,
    /// Whether a stale listener outside its tree answers its probes until it is ready.
    pub outsider_answers: bool,
    /// Children in its process group (they die with it).
    pub children: u32,
    /// Whether it bound its port.
    pub bound: bool,
    /// Whether it is running.
    pub alive: bool,
    /// Whether it failed to bind and keeps retrying.
    pub retrying: bool,
    /// Whether it was spawned in the fault phase.
    pub faulty: bool,
}

/// The platform number of a stop signal, as an `ExitStatus::Signal` reports it.
pub fn signal_number(signal: StopSignal) -> i32 {
    match signal {
        StopSignal::Hup => 1,
        StopSignal::Int => 2,
        StopSignal::Quit => 3,
        StopSignal::Kill => 9,
        StopSignal::Usr1 => 10,
        StopSignal::Usr2 => 12,
        StopSignal::Term => 15,
    }
}

/// Everything [`SimProcess::plan`] needs to know about the spawn.
#[derive(Debug, Clone, Copy)]
pub struct SpawnContext<'a> {
    /// The fault plan.
    pub plan: &'a FaultPlan,
    /// Whether faults apply to this process (spawned in the fault phase).
    pub faulty: bool,
    /// Whether the service is the plan's doomed dependency.
    pub doomed: bool,
    /// Service or task.
    pub kind: ServiceKind,
    /// The service's stop grace.
    pub grace: Duration,
}

impl SimProcess {
    /// Draws the life of a process spawned at `now` with `port`.
    pub fn plan(
        pid: u32,
        service: ServiceId,
        generation: Generation,
        port: Option<u16>,
        now: Timestamp,
        ctx: SpawnContext<'_>,
        rng: &mut ChaCha8Rng,
    ) -> SimProcess {
        let at = |base: Timestamp, ms: u64| Timestamp(base.as_millis() + ms);
        let plan = ctx.plan;
        let faulty = ctx.faulty;
        let strikes = |kind, rng: &mut ChaCha8Rng| faulty && plan.chance(kind, rng);
        let spawned_at = at(now, rng.random_range(1..=20));
        let bind_at = port.map(|_| at(spawned_at, rng.random_range(5..=200)));
        let warm = at(bind_at.unwrap_or(spawned_at), rng.random_range(0..=500));
        let mut ready_at = Some(warm);
        let mut exit = None;
        if ctx.kind == ServiceKind::Task {
            ready_at = None;
            let end = at(spawned_at, rng.random_range(10..=800));
            exit = Some(if strikes(FaultKind::CrashBeforeReady, rng) || ctx.doomed {
                (end, ExitStatus::Code(1), "task failed")
            } else {
                (end, ExitStatus::Code(0), "task done")
            });
        } else {
            if ctx.doomed || strikes(FaultKind::NeverReady, rng) {
                ready_at = None;
            } else if strikes(FaultKind::LateReadiness, rng) {
                ready_at = Some(at(warm, rng.random_range(1_000..=8_000)));
            }
            if strikes(FaultKind::CrashBeforeReady, rng) {
                let horizon = ready_at.unwrap_or(at(spawned_at, 5_000));
                let span = horizon.millis_since(spawned_at).max(2);
                exit = Some((
                    at(spawned_at, rng.random_range(1..span)),
                    ExitStatus::Code(1),
                    "crashed before ready",
                ));
            } else if let Some(ready) = ready_at
                && strikes(FaultKind::CrashAfterReady, rng)
            {
                let status = if rng.random_bool(0.5) {
                    ExitStatus::Code(1)
                } else {
                    ExitStatus::Signal(9)
                };
                exit = Some((
                    at(ready, rng.random_range(100..=20_000)),
                    status,
                    "crashed after ready",
                ));
            }
        }
        let grace = coord_core::time::duration_millis(ctx.grace).max(2);
        let stop = if strikes(FaultKind::IgnoresTerm, rng) {
            StopBehaviour::Ignores
        } else if strikes(FaultKind::SlowStop, rng) {
            StopBehaviour::Slow(rng.random_range(grace / 2..=grace * 2))
        } else {
            StopBehaviour::Prompt
        };
        let outsider_answers = port.is_some() && strikes(FaultKind::OutsiderAnswers, rng);
        SimProcess {
            pid,
            service,
            generation,
            port,
            spawned_at,
            bind_at,
            ready_at,
            exit,
            stop,
            outsider_answers,
            children: rng.random_range(0..=2),
            bound: false,
            alive: true,
            retrying: false,
            faulty,
        }
    }

    /// Whether it is ready at `now`.
    pub fn ready(&self, now: Timestamp) -> bool {
        self.alive && self.ready_at.is_some_and(|r| r <= now)
    }
}

/// Which process runs each (service, generation): an index into the world's process list.
///
/// Generations of a service are spawned in increasing order, so each service's list stays sorted
/// and a lookup is a binary search.
#[derive(Debug, Default, Clone)]
pub struct ByGeneration {
    /// Per service, its latest spawn (generation 0: none yet): almost every lookup is for it.
    latest: Vec<(Generation, usize)>,
    /// Per service, its earlier spawns, sorted by generation (most services never have any).
    earlier: Vec<Vec<(Generation, usize)>>,
}

impl ByGeneration {
    /// Records that `index` runs `generation` of `service`.
    pub fn insert(&mut self, service: ServiceId, generation: Generation, index: usize) {
        if service.index() >= self.latest.len() {
            self.latest.resize(service.index() + 1, (0, 0));
            self.earlier.resize_with(service.index() + 1, Vec::new);
        }
        let latest = self.latest[service];
        let entry = if generation >= latest.0 {
            self.latest[service] = (generation, index);
            match latest {
                (0, _) => return,
                (g, _) if g == generation => return,
                older => older,
            }
        } else {
            (generation, index)
        };
        let list = &mut self.earlier[service];
        match list.binary_search_by_key(&entry.0, |(g, _)| *g) {
            Ok(i) => list[i].1 = entry.1,
            Err(i) => list.insert(i, entry),
        }
    }

    /// The process running `generation` of `service`.
    pub fn get(&self, service: ServiceId, generation: Generation) -> Option<usize> {
        match self.latest.get(service.index()) {
            Some(&(g, index)) if g == generation && g > 0 => return Some(index),
            None => return None,
            Some(_) => {}
        }
        let list = &self.earlier[service];
        let i = list.binary_search_by_key(&generation, |(g, _)| *g).ok()?;
        Some(list[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::ByGeneration;
    use coord_core::stack::ServiceId;

    fn s(index: usize) -> ServiceId {
        ServiceId::from_index(index)
    }

    #[test]
    fn by_generation_finds_each_spawn() {
        let mut b = ByGeneration::default();
        b.insert(s(3), 1, 0);
        b.insert(s(3), 4, 2);
        b.insert(s(0), 2, 1);
        b.insert(s(3), 2, 5);
        assert_eq!(b.get(s(3), 1), Some(0));
        assert_eq!(b.get(s(3), 2), Some(5));
        assert_eq!(b.get(s(3), 4), Some(2));
        assert_eq!(b.get(s(0), 2), Some(1));
        assert_eq!(b.get(s(3), 3), None);
        assert_eq!(b.get(s(9), 1), None);
        assert_eq!(b.get(s(3), 0), None, "generation 0 is never spawned");
        b.insert(s(3), 4, 7);
        assert_eq!(b.get(s(3), 4), Some(7));
        b.insert(s(3), 5, 8);
        assert_eq!(
            (b.get(s(3), 4), b.get(s(3), 5), b.get(s(3), 1)),
            (Some(7), Some(8), Some(0))
        );
        b.insert(s(3), 2, 6);
        assert_eq!((b.get(s(3), 2), b.get(s(3), 5)), (Some(6), Some(8)));
    }
}
