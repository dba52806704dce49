//! A small in-test driver that plays the world for scenario tests: processes that become ready,
//! crash, ignore SIGTERM; probes answered from each process's script; outsiders on ports. It
//! records every command with its virtual time so tests can assert on order and timing.

#![allow(dead_code)]

use coord_core::coordinator::ExitStatus;
use coord_core::stack::{ServiceId, StopSignal};
use coord_core::{
    Action, Coordinator, Input, Options, ProbeOutcome, ProbePurpose, RunOutcome, ServiceState,
    Stack, Timestamp,
};
use std::collections::{BTreeMap, BTreeSet};

/// How one service's processes behave, attempt by attempt.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Readiness probes pass from this many ms after the spawn (None: never).
    pub ready_after: Option<u64>,
    /// Per generation (1-based): ready_after override.
    pub ready_after_by_gen: BTreeMap<u32, Option<u64>>,
    /// The process exits on its own this many ms after the spawn, with this code.
    pub exit_after: Option<(u64, i32)>,
    /// Per generation: exit_after override.
    pub exit_after_by_gen: BTreeMap<u32, Option<(u64, i32)>>,
    /// SIGTERM is ignored (only SIGKILL ends it).
    pub ignore_term: bool,
    /// Spawning fails.
    pub spawn_fails: bool,
    /// Liveness probes fail from this many ms after the spawn.
    pub live_fails_after: Option<u64>,
}

/// A recorded spawn: (time, generation, port, env).
pub type SpawnRecord = (u64, u32, Option<u16>, Vec<(String, String)>);

/// A recorded command, with the virtual time it was emitted at.
#[derive(Debug, Clone)]
pub struct Logged {
    /// When.
    pub at: u64,
    /// What.
    pub command: Action,
}

/// Scheduled world events.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    Exit {
        service: ServiceId,
        generation: u32,
        code: i32,
    },
}

/// The scenario driver.
pub struct Harness {
    pub c: Coordinator,
    pub now: u64,
    pub log: Vec<Logged>,
    pub scripts: Vec<Script>,
    /// Ports held by outsiders: Spawn answers PortTaken.
    pub outsiders: BTreeSet<u16>,
    /// Live processes: service -> (generation, spawned_at).
    pub alive: BTreeMap<ServiceId, (u32, u64)>,
    agenda: BTreeSet<(u64, u64, Due)>,
    seq: u64,
    next_pid: u32,
    /// Answer probes automatically (false: tests answer them by hand).
    pub auto_probe: bool,
    /// Probes sent and not answered (when auto_probe is off).
    pub pending_probes: Vec<(ServiceId, u32, ProbePurpose, u64)>,
    /// Every probe sent: (time, service, generation, purpose).
    pub probes: Vec<(u64, ServiceId, u32, ProbePurpose)>,
}

impl Harness {
    /// A harness over the stack in `toml`, every service scripted "ready 50 ms after spawn".
    pub fn new(toml: &str) -> Self {
        Self::with_options(toml, Options::default())
    }

    /// Same, with coordinator options.
    pub fn with_options(toml: &str, options: Options) -> Self {
        let stack = Stack::parse("test.toml", toml).unwrap_or_else(|e| panic!("{e}"));
        Self::with_stack(stack, options)
    }

    /// A harness over a stack built (or adjusted) in code, e.g. with durations no stack file
    /// may contain.
    pub fn with_stack(stack: Stack, options: Options) -> Self {
        let n = stack.services.len();
        Harness {
            c: Coordinator::new(stack, options, Timestamp(0)),
            now: 0,
            log: Vec::new(),
            scripts: vec![
                Script {
                    ready_after: Some(50),
                    ..Script::default()
                };
                n
            ],
            outsiders: BTreeSet::new(),
            alive: BTreeMap::new(),
            agenda: BTreeSet::new(),
            seq: 0,
            next_pid: 1000,
            auto_probe: true,
            pending_probes: Vec::new(),
            probes: Vec::new(),
        }
    }

    /// The id of service `name`.
    pub fn id(&self, name: &str) -> ServiceId {
        self.c.stack().service_id(name).expect("service exists")
    }

    /// The script of service `name`, to change.
    pub fn script(&mut self, name: &str) -> &mut Script {
        let id = self.id(name);
        &mut self.scripts[id]
    }

    /// `Input::Start` with these services (empty: all), then run the world until `until` ms.
    pub fn start(&mut self, services: &[&str]) {
        let services = services.iter().map(|s| s.to_string()).collect();
        self.input(Input::Start { services });
    }

    /// Feeds an input and plays the world's immediate answers.
    pub fn input(&mut self, input: Input) {
        self.c.handle_input(Timestamp(self.now), input);
        self.drain();
    }

    /// Runs the world (timers and scheduled events) until virtual time `until`.
    pub fn run_until(&mut self, until: u64) {
        for _ in 0..1_000_000 {
            let timer = self.c.poll_timeout().map(|t| t.as_millis());
            let event = self.agenda.first().map(|(t, _, _)| *t);
            let next = match (timer, event) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if event == Some(next) {
                let (_, _, due) = self.agenda.pop_first().expect("event");
                self.fire(due);
            } else {
                self.c.handle_timeout(Timestamp(self.now));
                self.drain();
            }
        }
        self.now = self.now.max(until);
    }

    /// Runs until the coordinator finished or `limit` ms passed.
    pub fn run_to_end(&mut self, limit: u64) {
        self.run_until(limit);
    }

    fn fire(&mut self, due: Due) {
        match due {
            Due::Exit {
                service,
                generation,
                code,
            } => {
                if self.alive.get(&service).map(|a| a.0) == Some(generation) {
                    self.alive.remove(&service);
                    let status = if code >= 0 {
                        ExitStatus::Code(code)
                    } else {
                        ExitStatus::Signal(-code)
                    };
                    self.input(Input::Exited {
                        service,
                        generation,
                        status,
                    });
                }
            }
        }
    }

    fn schedule(&mut self, at: u64, due: Due) {
        self.seq += 1;
        self.agenda.insert((at, self.seq, due));
    }

    /// Drains the coordinator's commands and answers what answers at once.
    pub fn drain(&mut self) {
        let mut answers = Vec::new();
        while let Some(command) = self.c.poll_command() {
            self.log.push(Logged {
                at: self.now,
                command: command.clone(),
            });
            match command {
                Action::Spawn {
                    service,
                    generation,
                    port,
                    ..
                } => {
                    let script = &self.scripts[service];
                    if port.is_some_and(|p| self.outsiders.contains(&p)) {
                        answers.push(Input::PortTaken {
                            service,
                            generation,
                            port: port.expect("port"),
                        });
                    } else if script.spawn_fails {
                        answers.push(Input::SpawnFailed {
                            service,
                            generation,
                            error: "no such file".into(),
                        });
                    } else {
                        self.next_pid += 1;
                        self.alive.insert(service, (generation, self.now));
                        let exit = script
                            .exit_after_by_gen
                            .get(&generation)
                            .copied()
                            .unwrap_or(script.exit_after);
                        if let Some((after, code)) = exit {
                            self.schedule(
                                self.now + after,
                                Due::Exit {
                                    service,
                                    generation,
                                    code,
                                },
                            );
                        }
                        answers.push(Input::Spawned {
                            service,
                            generation,
                            pid: self.next_pid,
                        });
                    }
                }
                Action::Probe {
                    service,
                    generation,
                    purpose,
                    seq,
                } => {
                    self.probes.push((self.now, service, generation, purpose));
                    if self.auto_probe {
                        let outcome = self.probe_truth(service, generation, purpose);
                        answers.push(Input::ProbeResult {
                            service,
                            generation,
                            purpose,
                            seq,
                            outcome,
                        });
                    } else {
                        self.pending_probes
                            .push((service, generation, purpose, seq));
                    }
                }
                // A stop command stops the process like SIGTERM (a script that ignores SIGTERM
                // plays a stop command that does nothing).
                Action::StopCommand {
                    service,
                    generation,
                } => {
                    let ignores = self.scripts[service].ignore_term;
                    if !ignores && self.alive.get(&service).map(|a| a.0) == Some(generation) {
                        self.schedule(
                            self.now,
                            Due::Exit {
                                service,
                                generation,
                                code: 0,
                            },
                        );
                    }
                }
                Action::Signal {
                    service,
                    generation,
                    signal,
                } => {
                    let ignores = self.scripts[service].ignore_term && signal != StopSignal::Kill;
                    if !ignores && self.alive.get(&service).map(|a| a.0) == Some(generation) {
                        let code = if signal == StopSignal::Kill { -9 } else { -15 };
                        self.schedule(
                            self.now,
                            Due::Exit {
                                service,
                                generation,
                                code,
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        for answer in answers {
            self.input(answer);
        }
    }

    fn probe_truth(
        &self,
        service: ServiceId,
        generation: u32,
        purpose: ProbePurpose,
    ) -> ProbeOutcome {
        let Some(&(gen_alive, spawned)) = self.alive.get(&service) else {
            return ProbeOutcome::Failure("not running".into());
        };
        if gen_alive != generation {
            return ProbeOutcome::Failure("other generation".into());
        }
        let age = self.now - spawned;
        let script = &self.scripts[service];
        match purpose {
            ProbePurpose::Readiness => {
                let ready = script
                    .ready_after_by_gen
                    .get(&generation)
                    .copied()
                    .unwrap_or(script.ready_after);
                match ready {
                    Some(t) if age >= t => ProbeOutcome::Success,
                    _ => ProbeOutcome::Failure("connection refused".into()),
                }
            }
            ProbePurpose::Liveness => match script.live_fails_after {
                Some(t) if age >= t => ProbeOutcome::Failure("503".into()),
                _ => ProbeOutcome::Success,
            },
        }
    }

    /// Every transition of `name`, as (time, to-state name).
    pub fn transitions(&self, name: &str) -> Vec<(u64, String)> {
        let id = self.id(name);
        self.log
            .iter()
            .filter_map(|l| match &l.command {
                Action::Transition(t) if t.service == id => Some((l.at, t.to.name().to_string())),
                _ => None,
            })
            .collect()
    }

    /// When `name` first entered state `state`.
    pub fn first(&self, name: &str, state: &str) -> Option<u64> {
        self.transitions(name)
            .into_iter()
            .find(|(_, s)| s == state)
            .map(|(t, _)| t)
    }

    /// The spawns of `name`: (time, generation, port, env).
    pub fn spawns(&self, name: &str) -> Vec<SpawnRecord> {
        let id = self.id(name);
        self.log
            .iter()
            .filter_map(|l| match &l.command {
                Action::Spawn {
                    service,
                    generation,
                    port,
                    env,
                } if *service == id => Some((l.at, *generation, *port, env.clone())),
                _ => None,
            })
            .collect()
    }

    /// The signals sent to `name`: (time, signal).
    pub fn signals(&self, name: &str) -> Vec<(u64, StopSignal)> {
        let id = self.id(name);
        self.log
            .iter()
            .filter_map(|l| match &l.command {
                Action::Signal {
                    service, signal, ..
                } if *service == id => Some((l.at, *signal)),
                _ => None,
            })
            .collect()
    }

    /// When `name` was asked to run its stop command.
    pub fn stop_commands(&self, name: &str) -> Vec<u64> {
        let id = self.id(name);
        self.log
            .iter()
            .filter_map(|l| match &l.command {
                Action::StopCommand { service, .. } if *service == id => Some(l.at),
                _ => None,
            })
            .collect()
    }

    /// Every transition of `name` with its reason, as (time, to-state name, reason).
    pub fn reasons(&self, name: &str) -> Vec<(u64, String, String)> {
        let id = self.id(name);
        self.log
            .iter()
            .filter_map(|l| match &l.command {
                Action::Transition(t) if t.service == id => {
                    Some((l.at, t.to.name().to_string(), t.reason.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// The current state of `name`.
    pub fn state(&self, name: &str) -> ServiceState {
        self.c.state(self.id(name)).clone()
    }

    /// The `Finished` outcome, if emitted.
    pub fn outcome(&self) -> Option<RunOutcome> {
        self.log.iter().find_map(|l| match &l.command {
            Action::Finished(o) => Some(o.clone()),
            _ => None,
        })
    }

    /// Whether any command was emitted after `Finished`.
    pub fn anything_after_finished(&self) -> bool {
        let pos = self
            .log
            .iter()
            .position(|l| matches!(l.command, Action::Finished(_)));
        pos.is_some_and(|p| p + 1 < self.log.len())
    }

    /// The maximum number of services in Starting at once over the whole log.
    pub fn max_starting(&self) -> usize {
        let mut starting = BTreeSet::new();
        let mut max = 0;
        for l in &self.log {
            if let Action::Transition(t) = &l.command {
                if t.to == ServiceState::Starting {
                    starting.insert(t.service);
                } else {
                    starting.remove(&t.service);
                }
                max = max.max(starting.len());
            }
        }
        max
    }
}
