//! coord-core: the pure, I/O-free heart of coord.
//!
//! Data flows one way: stack file text -> [`stack::Stack`] (validated) -> [`Coordinator`] <- [`Input`]
//! events from a driver (the real runtime or the simulator); the coordinator answers with
//! [`Action`]s that the driver executes. Nothing here reads a clock, touches a file, a socket or a
//! process, or iterates a hashed collection: time comes in as [`Timestamp`] arguments and randomness
//! from a seed given at construction.
//!
//! The public surface is what the drivers (runtime, simulator, tests) use: the coordinator's
//! protocol re-exported here, the stack model and its loading (`stack`), the graph and the port
//! ledger they check stacks with, and two text helpers. Everything the coordinator decides with
//! (attempts, timers, the shutdown planner, per-service records, probe cadences, the kind table's
//! semantics) is private to the crate.

pub mod coordinator;
pub mod graph;
pub mod ports;
pub mod stack;
pub mod text;
pub mod time;

pub use coordinator::StartupSummary;
pub use coordinator::{
    Action, BackoffKind, BackoffNotice, Coordinator, ExitStatus, Generation, Input, OperatorAnswer,
    Options, ProbeOutcome, ProbePurpose, ProbeSeq, RunOutcome, ServiceState, Transition,
};
pub use stack::{ServiceId, Stack};
pub use time::Timestamp;
