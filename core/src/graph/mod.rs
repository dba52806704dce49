//! The dependency graph of a stack (petgraph): startup order, levels, shutdown order, selection,
//! cycles, critical path.

mod cycles;

pub use cycles::find_cycles;

use crate::stack::{DependencyKind, ServiceId, Stack};
use crate::time::Timestamp;

/// The dependency graph of a validated stack. Edges point from a dependency to its dependent.
#[derive(Debug, Clone)]
pub struct StackGraph {
    _private: (),
}

impl StackGraph {
    /// Builds the graph of a validated (acyclic) stack.
    pub fn new(stack: &Stack) -> StackGraph {
        let _ = stack;
        unimplemented!()
    }

    /// Topological startup order: dependencies before dependents, ties by file order.
    pub fn startup_order(&self) -> &[ServiceId] {
        unimplemented!()
    }

    /// Position of `id` in [`StackGraph::startup_order`].
    pub fn rank(&self, id: ServiceId) -> usize {
        let _ = id;
        unimplemented!()
    }

    /// Levels: level 0 has no dependencies; level k depends only on levels < k. File order within.
    pub fn levels(&self) -> Vec<Vec<ServiceId>> {
        unimplemented!()
    }

    /// Reverse of the startup order: dependents before their dependencies.
    pub fn shutdown_order(&self) -> Vec<ServiceId> {
        unimplemented!()
    }

    /// The services `id` depends on, with the edge kind, in the stack file's order.
    pub fn dependencies(&self, id: ServiceId) -> &[(ServiceId, DependencyKind)] {
        let _ = id;
        unimplemented!()
    }

    /// The services depending on `id`, with the edge kind, in file order.
    pub fn dependents(&self, id: ServiceId) -> &[(ServiceId, DependencyKind)] {
        let _ = id;
        unimplemented!()
    }

    /// The run set when the user selects `roots`: the roots plus, transitively, their required and
    /// optional dependencies (soft ones are not pulled in). Indexed by service id.
    pub fn select(&self, roots: &[ServiceId]) -> Vec<bool> {
        let _ = roots;
        unimplemented!()
    }

    /// The critical path of a finished startup: starting from the selected service that finished
    /// last, repeatedly the dependency (of any kind, among those with a finish time) that finished
    /// last; returned first to last. `finished[id]` is when `id` became Ready / Completed.
    pub fn critical_path(&self, finished: &[Option<Timestamp>]) -> Vec<ServiceId> {
        let _ = finished;
        unimplemented!()
    }
}
