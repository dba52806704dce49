//! Topological order (Kahn's algorithm, ties by file order) and levels.

use crate::stack::{DependencyKind, ServiceId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Kahn's algorithm with a min-heap of ready services: dependencies first, and among the ready
/// ones the lowest id (earliest in the file) first. O((V + E) log V).
///
/// Services left over because they sit on or behind a cycle are appended in id order, so the
/// result is always a permutation of `0..n`.
pub(super) fn topological(
    dependencies: &[Vec<(ServiceId, DependencyKind)>],
    dependents: &[Vec<(ServiceId, DependencyKind)>],
) -> Vec<ServiceId> {
    let n = dependencies.len();
    let mut waiting_on: Vec<usize> = dependencies.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<ServiceId>> = ServiceId::all(n)
        .filter(|&id| waiting_on[id] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while let Some(Reverse(id)) = ready.pop() {
        order.push(id);
        placed[id] = true;
        for &(dependent, _) in &dependents[id] {
            waiting_on[dependent] -= 1;
            if waiting_on[dependent] == 0 {
                ready.push(Reverse(dependent));
            }
        }
    }
    if order.len() < n {
        order.extend(ServiceId::all(n).filter(|&id| !placed[id]));
    }
    order
}

/// Per service, one more than the highest level among its dependencies (0 without any), computed
/// along `order` so each dependency is done before its dependents.
pub(super) fn levels(
    order: &[ServiceId],
    dependencies: &[Vec<(ServiceId, DependencyKind)>],
) -> Vec<usize> {
    let mut level = vec![0; dependencies.len()];
    for &id in order {
        level[id] = dependencies[id]
            .iter()
            .map(|&(dep, _)| level[dep] + 1)
            .max()
            .unwrap_or(0);
    }
    level
}
