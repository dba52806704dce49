//! The dependency graph of a stack: startup order, levels, shutdown order, selection, cycles,
//! critical path.
//!
//! Cycles are found with petgraph's strongly connected components ([`find_cycles`]). The startup
//! order is Kahn's algorithm with a min-heap of ready services, because the contract breaks ties
//! by file order, which petgraph's `toposort` (DFS-based) does not. Everything is O(V + E) or
//! O(V log V), so a 10,000-service stack is cheap.

mod cycles;
mod order;
#[cfg(test)]
pub(crate) mod test_stack;
#[cfg(test)]
mod tests;

pub(crate) use cycles::find_cycles;

use crate::stack::{DependencyKind, ServiceId, Stack};
use crate::time::Timestamp;

/// The dependency graph of a validated stack. Edges point from a dependency to its dependent.
///
/// Every query is precomputed by [`StackGraph::new`]: the slices and [`StackGraph::rank`] are
/// O(1), the rest linear in the size of the graph.
#[derive(Debug, Clone)]
pub struct StackGraph {
    /// Per service: what it depends on, in the order of its `depends_on` list.
    dependencies: Vec<Vec<(ServiceId, DependencyKind)>>,
    /// Per service: who depends on it, in file order of the dependents.
    dependents: Vec<Vec<(ServiceId, DependencyKind)>>,
    /// Topological order, ties by file order.
    startup_order: Vec<ServiceId>,
    /// Per service: its position in `startup_order`.
    rank: Vec<usize>,
    /// Per service: its level (longest chain of dependencies below it).
    level: Vec<usize>,
}

impl StackGraph {
    /// Builds the graph of a validated (acyclic) stack.
    ///
    /// Edges of every kind (required, optional, soft) count for ordering. Dependencies naming a
    /// service id outside the stack are ignored. Should the stack hold a cycle after all (it was
    /// not validated), the services the topological sort cannot place come last, in file order,
    /// rather than panicking.
    pub fn new(stack: &Stack) -> StackGraph {
        let n = stack.services.len();
        let mut dependencies: Vec<Vec<(ServiceId, DependencyKind)>> = Vec::with_capacity(n);
        let mut dependents: Vec<Vec<(ServiceId, DependencyKind)>> = vec![Vec::new(); n];
        for (id, service) in ServiceId::enumerate(&stack.services) {
            let edges: Vec<(ServiceId, DependencyKind)> = service
                .depends_on
                .iter()
                .filter(|dep| dep.service.index() < n)
                .map(|dep| (dep.service, dep.kind))
                .collect();
            for &(dep, kind) in &edges {
                dependents[dep].push((id, kind));
            }
            dependencies.push(edges);
        }
        let startup_order = order::topological(&dependencies, &dependents);
        let mut rank = vec![0; n];
        for (position, &id) in startup_order.iter().enumerate() {
            rank[id] = position;
        }
        let level = order::levels(&startup_order, &dependencies);
        StackGraph {
            dependencies,
            dependents,
            startup_order,
            rank,
            level,
        }
    }

    /// The number of services.
    pub fn len(&self) -> usize {
        self.dependencies.len()
    }

    /// Whether the stack has no services.
    pub fn is_empty(&self) -> bool {
        self.dependencies.is_empty()
    }

    /// Topological startup order: dependencies before dependents, ties by file order.
    ///
    /// Precisely: among the services whose dependencies have all been placed, the one earliest in
    /// the file comes next (so the order is the lexicographically smallest topological order).
    pub fn startup_order(&self) -> &[ServiceId] {
        &self.startup_order
    }

    /// Position of `id` in [`StackGraph::startup_order`].
    ///
    /// # Panics
    /// If `id` is not a service of the stack.
    pub fn rank(&self, id: ServiceId) -> usize {
        self.rank[id]
    }

    /// Levels: level 0 has no dependencies; level k depends only on levels < k. File order within.
    ///
    /// A service's level is one more than the highest level among its dependencies (of any
    /// kind), i.e. the length of the longest dependency chain below it.
    pub fn levels(&self) -> Vec<Vec<ServiceId>> {
        let depth = self.level.iter().max().map_or(0, |&max| max + 1);
        let mut levels = vec![Vec::new(); depth];
        for (id, &level) in ServiceId::enumerate(&self.level) {
            levels[level].push(id);
        }
        levels
    }

    /// The level of `id` (see [`StackGraph::levels`]).
    ///
    /// # Panics
    /// If `id` is not a service of the stack.
    pub fn level(&self, id: ServiceId) -> usize {
        self.level[id]
    }

    /// Reverse of the startup order: dependents before their dependencies.
    pub fn shutdown_order(&self) -> Vec<ServiceId> {
        self.startup_order.iter().rev().copied().collect()
    }

    /// The services `id` depends on, with the edge kind, in the stack file's order.
    ///
    /// # Panics
    /// If `id` is not a service of the stack.
    pub fn dependencies(&self, id: ServiceId) -> &[(ServiceId, DependencyKind)] {
        &self.dependencies[id]
    }

    /// The services depending on `id`, with the edge kind, in file order.
    ///
    /// # Panics
    /// If `id` is not a service of the stack.
    pub fn dependents(&self, id: ServiceId) -> &[(ServiceId, DependencyKind)] {
        &self.dependents[id]
    }

    /// The run set when the user selects `roots`: the roots plus, transitively, the dependencies
    /// whose kind is pulled in (`KindSemantics::pulled_in`: required and optional,
    /// not soft). Indexed by service id.
    ///
    /// A soft dependency is not followed even when reached through a pulled-in service; it is in
    /// the run only if something else pulls it in. Empty `roots` select nothing (a caller meaning
    /// "everything" passes every id). Ids outside the stack are ignored.
    pub fn select(&self, roots: &[ServiceId]) -> Vec<bool> {
        let n = self.len();
        let mut selected = vec![false; n];
        let mut stack: Vec<ServiceId> = Vec::new();
        for &root in roots {
            if root.index() < n && !selected[root] {
                selected[root] = true;
                stack.push(root);
            }
        }
        while let Some(id) = stack.pop() {
            for &(dep, kind) in &self.dependencies[id] {
                if kind.semantics().pulled_in && !selected[dep] {
                    selected[dep] = true;
                    stack.push(dep);
                }
            }
        }
        selected
    }

    /// The run's required set closed over required edges: every selected dependency that a
    /// required service needs with an edge whose failure propagates
    /// (`KindSemantics::failure_propagates`: `required`) becomes required too,
    /// transitively. `required`
    /// holds the roots (indexed by service id) and is extended in place; unselected services are
    /// never made required. One pass in reverse startup order (dependents before their
    /// dependencies), so O(V + E).
    pub fn close_required(&self, selected: &[bool], required: &mut [bool]) {
        for &id in self.startup_order.iter().rev() {
            if !(required[id] && selected[id]) {
                continue;
            }
            for &(dep, kind) in &self.dependencies[id] {
                if kind.semantics().failure_propagates && selected[dep] {
                    required[dep] = true;
                }
            }
        }
    }

    /// The critical path of a finished startup: starting from the selected service that finished
    /// last, repeatedly the dependency (of any kind, among those with a finish time) that finished
    /// last; returned first to last. `finished[id]` is when `id` became Ready / Completed.
    ///
    /// Details: a dependency that finished after its dependent did not hold it up and is not
    /// followed. Ties (equal finish times) go to the service later in the startup order, which is
    /// the one with the longer chain behind it. Services beyond the end of `finished` count as not
    /// finished. Nothing finished: an empty path.
    pub fn critical_path(&self, finished: &[Option<Timestamp>]) -> Vec<ServiceId> {
        let finish = |id: ServiceId| finished.get(id.index()).copied().flatten();
        // Latest finish, ties by later startup rank.
        let key = |id: ServiceId| finish(id).map(|t| (t, self.rank[id]));
        let Some(mut current) = ServiceId::all(self.len())
            .filter(|&id| finish(id).is_some())
            .max_by_key(|&id| key(id))
        else {
            return Vec::new();
        };
        let mut path = vec![current];
        loop {
            let limit = finish(current);
            let next = self.dependencies[current]
                .iter()
                .map(|&(dep, _)| dep)
                .filter(|&dep| finish(dep).is_some() && finish(dep) <= limit)
                .max_by_key(|&dep| key(dep));
            match next {
                Some(dep) => {
                    path.push(dep);
                    current = dep;
                }
                None => break,
            }
        }
        path.reverse();
        path
    }
}
