//! The end-to-end tests' shared harness.

pub mod bins;
pub mod coord;
pub mod events;
pub mod ports;
pub mod procs;
pub mod testdir;

use std::time::Duration;

/// How long a test waits for anything that should happen (a line, an exit, a process to go):
/// generous, so a loaded 2-core machine never fails a correct run. Nothing asserts a duration.
pub const PATIENCE: Duration = Duration::from_secs(60);
