//! coord's seeded fault simulator: drives the very same coordinator against a virtual machine.
//!
//! A [`World`] holds virtual time, a `ChaCha8Rng` seeded from the run's seed, simulated processes
//! and ports, and an agenda of future events ordered by (time, sequence). Each step pops the
//! earliest event (or fires the coordinator's timer), feeds the coordinator, executes its commands
//! against the simulated machine, checks every invariant ([`invariants`]) and appends trace lines.
//! A run has a fault phase ([`FaultPlan`]), a calm phase in which every service must settle, and a
//! shutdown. The same seed always gives the same bytes.
//!
//! Pure like the core: no clock, no global RNG, no hashed collections, no threads, no I/O.

pub mod agenda;
pub mod invariants;
pub mod machine;
pub mod plan;
pub mod ports;
pub mod probes;
pub mod process;
pub mod report;
pub mod stacks;
pub mod sweep;
pub mod trace;
pub mod world;

pub use invariants::{Checker, Invariant, Observation, Violation};
pub use plan::{FaultKind, FaultPlan};
pub use world::{RunReport, World};
