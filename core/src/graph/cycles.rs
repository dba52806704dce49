//! Dependency cycles: one ordered cycle per strongly connected component, for error messages that
//! name every service on a cycle in order.

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::VecDeque;

/// Every dependency cycle among `n` nodes with edges `(dependent, dependency)`: each cycle is a
/// list of node indices in order along the cycle (`a` depends on `b` depends on ... depends on `a`),
/// starting at its lowest index. Self-loops are cycles of one. Sorted by first node.
///
/// One cycle is reported per strongly connected component of more than one node, plus one per
/// self-loop (a node with a self-loop inside a larger component yields both). The cycle of a
/// component is a real cycle of edges through its lowest node, found by walking from it to the
/// lowest-index successor that can still get back to the start without reusing a node; so a
/// component that is one simple cycle is reported whole, and a denser one by a cycle covering as
/// many nodes as that greedy walk reaches. The walk's searches have a fixed budget of edge visits
/// per cycle; past it the cycle is closed by a shortest path home, so even a dense component of
/// tens of thousands of nodes costs little more than linear time. Components come from petgraph's `kosaraju_scc`, which is
/// iterative (its `tarjan_scc` recurses once per node on a path and overflows a thread's stack on
/// chains of a few thousand services). Edges naming a node `>= n` are ignored. Deterministic:
/// the result depends only on `n` and the set of edges.
pub fn find_cycles(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    find_cycles_with_budget(n, edges, SEARCH_BUDGET)
}

/// [`find_cycles`] with the greedy walk's search budget given (tests exercise the fallback).
fn find_cycles_with_budget(n: usize, edges: &[(usize, usize)], budget: usize) -> Vec<Vec<usize>> {
    let edges: Vec<(usize, usize)> = edges
        .iter()
        .copied()
        .filter(|&(a, b)| a < n && b < n)
        .collect();

    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(n, edges.len());
    for _ in 0..n {
        graph.add_node(());
    }
    for &(a, b) in &edges {
        graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
    }

    // Sorted, deduplicated successor lists, so walks prefer the lowest index.
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &edges {
        successors[a].push(b);
    }
    for list in &mut successors {
        list.sort_unstable();
        list.dedup();
    }

    let components = kosaraju_scc(&graph);
    let mut component_of = vec![usize::MAX; n];
    for (component_id, component) in components.iter().enumerate() {
        for node in component {
            component_of[node.index()] = component_id;
        }
    }
    let mut walker = Walker::new(&successors, &component_of, budget);
    let mut cycles = Vec::new();
    for component in components.iter().filter(|c| c.len() > 1) {
        if let Some(start) = component.iter().map(|node| node.index()).min() {
            cycles.push(walker.walk(start));
        }
    }
    for (node, list) in successors.iter().enumerate() {
        if list.binary_search(&node).is_ok() {
            cycles.push(vec![node]);
        }
    }
    cycles.sort();
    cycles
}

/// Edge visits the greedy reachability checks may spend per cycle before the walk falls back to
/// closing the cycle by the shortest way home. Keeps a huge, dense component linear-ish.
const SEARCH_BUDGET: usize = 1 << 21;

/// Finds one cycle per component; its scratch arrays are shared by every walk.
struct Walker<'a> {
    successors: &'a [Vec<usize>],
    component_of: &'a [usize],
    /// Nodes on the cycle being built.
    on_cycle: Vec<bool>,
    /// Per node, the search epoch that last reached it.
    seen: Vec<u32>,
    /// Per node, where the closing search came from.
    parent: Vec<usize>,
    epoch: u32,
    /// Budget of each walk.
    budget_per_walk: usize,
    /// What is left of it in the current walk.
    budget: usize,
}

impl<'a> Walker<'a> {
    fn new(successors: &'a [Vec<usize>], component_of: &'a [usize], budget: usize) -> Self {
        let n = successors.len();
        Walker {
            successors,
            component_of,
            on_cycle: vec![false; n],
            seen: vec![0; n],
            parent: vec![usize::MAX; n],
            epoch: 0,
            budget_per_walk: budget,
            budget,
        }
    }

    /// A cycle through `start` inside its strongly connected component, greedily taking the
    /// lowest-index successor from which `start` is still reachable through nodes not yet on the
    /// cycle; once the search budget is spent, the rest of the way back is a shortest path.
    ///
    /// Invariant: the current node reaches `start` without passing through a node on the cycle,
    /// which holds at `start` (it lies in a component of more than one node) and is kept by
    /// every step.
    fn walk(&mut self, start: usize) -> Vec<usize> {
        let component = self.component_of[start];
        self.budget = self.budget_per_walk;
        self.on_cycle[start] = true;
        let mut cycle = vec![start];
        let mut current = start;
        loop {
            let candidates: Vec<usize> = self.successors[current]
                .iter()
                .copied()
                .filter(|&next| self.component_of[next] == component && !self.on_cycle[next])
                .collect();
            let closes = self.successors[current].binary_search(&start).is_ok();
            let next = if candidates.len() == 1 && !closes {
                // The only way back to `start` goes through it: no need to search.
                Ok(Some(candidates[0]))
            } else {
                let mut found = Ok(None);
                for next in candidates {
                    match self.reaches(next, start) {
                        Some(true) => {
                            found = Ok(Some(next));
                            break;
                        }
                        Some(false) => {}
                        None => {
                            found = Err(());
                            break;
                        }
                    }
                }
                found
            };
            match next {
                Ok(Some(next)) => {
                    self.on_cycle[next] = true;
                    cycle.push(next);
                    current = next;
                }
                // By the invariant, `start` is then a direct successor: the cycle closes.
                Ok(None) => break,
                Err(()) => {
                    cycle.extend(self.path_home(current, start));
                    break;
                }
            }
        }
        for &node in &cycle {
            self.on_cycle[node] = false;
        }
        cycle
    }

    /// Starts a new search epoch (a fresh "seen" set without clearing the array).
    fn next_epoch(&mut self) -> u32 {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.seen.fill(0);
            self.epoch = 1;
        }
        self.epoch
    }

    /// Whether `target` is reachable from `from` inside the component without entering a node on
    /// the cycle (other than `target` itself); `None` once the search budget is spent.
    fn reaches(&mut self, from: usize, target: usize) -> Option<bool> {
        let component = self.component_of[from];
        let epoch = self.next_epoch();
        self.seen[from] = epoch;
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            for &next in &self.successors[node] {
                self.budget = self.budget.checked_sub(1)?;
                if next == target {
                    return Some(true);
                }
                if self.component_of[next] == component
                    && !self.on_cycle[next]
                    && self.seen[next] != epoch
                {
                    self.seen[next] = epoch;
                    queue.push_back(next);
                }
            }
        }
        Some(false)
    }

    /// The nodes of a shortest path from `from` to (not including) `target` through nodes not on
    /// the cycle, excluding `from` itself. One breadth-first search, no budget.
    fn path_home(&mut self, from: usize, target: usize) -> Vec<usize> {
        let component = self.component_of[from];
        let epoch = self.next_epoch();
        self.seen[from] = epoch;
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            for &next in &self.successors[node] {
                if next == target {
                    let mut path = Vec::new();
                    let mut at = node;
                    while at != from {
                        path.push(at);
                        at = self.parent[at];
                    }
                    path.reverse();
                    return path;
                }
                if self.component_of[next] == component
                    && !self.on_cycle[next]
                    && self.seen[next] != epoch
                {
                    self.seen[next] = epoch;
                    self.parent[next] = node;
                    queue.push_back(next);
                }
            }
        }
        // Unreachable by the invariant; an empty tail still leaves a cycle only if `from`
        // closes, which the invariant also guarantees.
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Whether `cycle` is a real cycle of `edges`: each node depends on the next, the last on
    /// the first, no node twice.
    fn is_real_cycle(cycle: &[usize], edges: &[(usize, usize)]) -> bool {
        let edges: BTreeSet<(usize, usize)> = edges.iter().copied().collect();
        let distinct: BTreeSet<usize> = cycle.iter().copied().collect();
        distinct.len() == cycle.len()
            && (0..cycle.len()).all(|i| edges.contains(&(cycle[i], cycle[(i + 1) % cycle.len()])))
    }

    #[test]
    fn acyclic_graph_has_no_cycles() {
        assert!(find_cycles(4, &[(0, 1), (1, 2), (0, 2), (3, 0)]).is_empty());
        assert!(find_cycles(0, &[]).is_empty());
        assert!(find_cycles(3, &[]).is_empty());
    }

    #[test]
    fn two_cycle() {
        assert_eq!(find_cycles(3, &[(2, 1), (1, 2)]), vec![vec![1, 2]]);
    }

    #[test]
    fn three_cycle_starts_at_lowest_and_follows_dependencies() {
        // 0 depends on 2, 2 depends on 1, 1 depends on 0.
        let edges = [(1, 0), (0, 2), (2, 1)];
        assert_eq!(find_cycles(3, &edges), vec![vec![0, 2, 1]]);
    }

    #[test]
    fn self_loop_is_a_cycle_of_one() {
        assert_eq!(find_cycles(3, &[(0, 1), (1, 1)]), vec![vec![1]]);
    }

    #[test]
    fn self_loop_inside_a_larger_cycle_is_reported_too() {
        assert_eq!(
            find_cycles(2, &[(0, 1), (1, 0), (1, 1)]),
            vec![vec![0, 1], vec![1]]
        );
    }

    #[test]
    fn two_disjoint_cycles_sorted_by_first_node() {
        // 4 -> 5 -> 4 and 1 -> 3 -> 2 -> 1, plus acyclic noise.
        let edges = [(4, 5), (5, 4), (1, 3), (3, 2), (2, 1), (0, 1), (6, 4)];
        assert_eq!(find_cycles(7, &edges), vec![vec![1, 3, 2], vec![4, 5]]);
    }

    #[test]
    fn result_does_not_depend_on_edge_order() {
        let edges = vec![
            (0, 1),
            (1, 2),
            (2, 0),
            (2, 3),
            (3, 2),
            (5, 6),
            (6, 5),
            (4, 4),
        ];
        let expected = find_cycles(7, &edges);
        let mut reversed = edges.clone();
        reversed.reverse();
        assert_eq!(find_cycles(7, &reversed), expected);
        let mut rotated = edges.clone();
        rotated.rotate_left(3);
        assert_eq!(find_cycles(7, &rotated), expected);
        // 3 only returns through 2, so the cycle through 0 cannot include it.
        assert_eq!(expected, vec![vec![0, 1, 2], vec![4], vec![5, 6]]);
    }

    #[test]
    fn dense_component_gives_a_real_cycle_through_lowest_node() {
        // 0 -> 1 -> 0 closes early, but 1 -> 2 -> 3 -> 0 covers more: the greedy walk takes it.
        let edges = [(0, 1), (1, 0), (1, 2), (2, 3), (3, 0), (2, 1)];
        let cycles = find_cycles(4, &edges);
        assert_eq!(cycles, vec![vec![0, 1, 2, 3]]);
        assert!(is_real_cycle(&cycles[0], &edges));
    }

    #[test]
    fn walk_avoids_a_dead_end_successor() {
        // From 1 the lowest successor 2 only leads back to 1 (visited): the walk must take 3.
        let edges = [(0, 1), (1, 2), (1, 3), (2, 1), (3, 0)];
        let cycles = find_cycles(4, &edges);
        assert_eq!(cycles, vec![vec![0, 1, 3]]);
        assert!(is_real_cycle(&cycles[0], &edges));
    }

    #[test]
    fn edges_out_of_range_are_ignored() {
        assert_eq!(
            find_cycles(2, &[(0, 1), (1, 0), (1, 7), (9, 9)]),
            vec![vec![0, 1]]
        );
    }

    #[test]
    fn long_ring_is_reported_whole() {
        let n = 5000;
        let edges: Vec<(usize, usize)> = (0..n).map(|i| ((i + 1) % n, i)).collect();
        let cycles = find_cycles(n, &edges);
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].len(), n);
        assert_eq!(cycles[0][..3], [0, n - 1, n - 2]);
        assert!(is_real_cycle(&cycles[0], &edges));
    }

    #[test]
    fn deep_acyclic_chain_does_not_overflow_the_stack() {
        // A recursive SCC search would need one stack frame per link here.
        let n = 20_000;
        let edges: Vec<(usize, usize)> = (1..n).map(|i| (i, i - 1)).collect();
        assert!(find_cycles(n, &edges).is_empty());
    }

    #[test]
    fn huge_dense_component_still_gives_a_real_cycle() {
        // Every node has three successors, so the greedy walk must search at almost every step;
        // the search budget runs out and the walk closes by a shortest path.
        let n = 20_000;
        let edges: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| {
                [
                    (i, (i + 1) % n),
                    (i, (i * 7 + 3) % n),
                    (i, (i * 13 + 5) % n),
                ]
            })
            .filter(|&(a, b)| a != b)
            .collect();
        let cycles = find_cycles(n, &edges);
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0][0], 0);
        assert!(cycles[0].len() > 2);
        assert!(is_real_cycle(&cycles[0], &edges));
    }

    #[test]
    fn many_small_cycles() {
        let n = 10_000;
        let edges: Vec<(usize, usize)> = (0..n / 2)
            .flat_map(|i| [(2 * i + 1, 2 * i), (2 * i, 2 * i + 1)])
            .collect();
        let cycles = find_cycles(n, &edges);
        assert_eq!(cycles.len(), n / 2);
        assert!(
            cycles
                .iter()
                .enumerate()
                .all(|(i, c)| *c == vec![2 * i, 2 * i + 1])
        );
    }

    #[test]
    fn spent_budget_closes_by_the_shortest_way_home() {
        // From 1 the greedy walk would take 2 -> 3 -> 4 -> 0; without budget it goes home the
        // shortest way, 5 -> 6 -> 0.
        let edges = [
            (0, 1),
            (1, 2),
            (1, 5),
            (2, 3),
            (3, 4),
            (4, 0),
            (5, 6),
            (6, 0),
        ];
        assert_eq!(find_cycles(7, &edges), vec![vec![0, 1, 2, 3, 4]]);
        assert_eq!(
            find_cycles_with_budget(7, &edges, 0),
            vec![vec![0, 1, 5, 6]]
        );
        // The search from 2 needs three edge visits: two are not enough, three are.
        assert_eq!(
            find_cycles_with_budget(7, &edges, 2),
            vec![vec![0, 1, 5, 6]]
        );
        assert_eq!(
            find_cycles_with_budget(7, &edges, 3),
            vec![vec![0, 1, 2, 3, 4]]
        );
        let edges = [(0, 1), (1, 2), (1, 3), (2, 1), (3, 0)];
        assert_eq!(find_cycles_with_budget(4, &edges, 0), vec![vec![0, 1, 3]]);
    }
}
