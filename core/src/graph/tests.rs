//! Tests of [`StackGraph`] on stacks built directly (no parser).

use super::StackGraph;
use super::test_stack::{stack_from_edges, stack_of};
use crate::stack::DependencyKind::{self, Optional, Required, Soft};
use crate::stack::ServiceId;
use crate::time::Timestamp;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// frontend -> backend -> auth -> database, backend -> cache (optional), listed out of order.
fn web_stack() -> StackGraph {
    StackGraph::new(&stack_of(&[
        ("frontend", &[("backend", Required)]),
        ("backend", &[("auth", Required), ("cache", Optional)]),
        ("auth", &[("database", Required)]),
        ("database", &[]),
        ("cache", &[]),
        ("docs", &[("frontend", Soft)]),
    ]))
}

const FRONTEND: ServiceId = ServiceId::from_index(0);
const BACKEND: ServiceId = ServiceId::from_index(1);
const AUTH: ServiceId = ServiceId::from_index(2);
const DATABASE: ServiceId = ServiceId::from_index(3);
const CACHE: ServiceId = ServiceId::from_index(4);
const DOCS: ServiceId = ServiceId::from_index(5);

/// Service `index` of a test stack.
fn sid(index: usize) -> ServiceId {
    ServiceId::from_index(index)
}

/// The services at these indexes.
fn sids(indexes: &[usize]) -> Vec<ServiceId> {
    indexes.iter().copied().map(sid).collect()
}

/// A random DAG on `n` services: each service depends on up to `max_deps` earlier-numbered ones
/// after a random relabelling, so file order and dependency order disagree.
fn random_dag(n: usize, max_deps: usize, seed: u64) -> Vec<(usize, usize, DependencyKind)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut label: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        label.swap(i, j);
    }
    let mut edges = Vec::new();
    for position in 1..n {
        for _ in 0..rng.random_range(0..=max_deps) {
            let below = rng.random_range(0..position);
            let kind = match rng.random_range(0..3) {
                0 => Required,
                1 => Optional,
                _ => Soft,
            };
            edges.push((label[position], label[below], kind));
        }
    }
    edges
}

/// The startup order by definition: repeatedly the lowest id whose dependencies are all placed.
fn naive_startup_order(n: usize, edges: &[(usize, usize, DependencyKind)]) -> Vec<usize> {
    let mut placed = vec![false; n];
    let mut order = Vec::new();
    while order.len() < n {
        let next = (0..n)
            .find(|&id| {
                !placed[id]
                    && edges
                        .iter()
                        .all(|&(dependent, dep, _)| dependent != id || placed[dep])
            })
            .expect("acyclic");
        placed[next] = true;
        order.push(next);
    }
    order
}

#[test]
fn startup_order_puts_dependencies_first_ties_by_file_order() {
    let graph = web_stack();
    assert_eq!(
        graph.startup_order(),
        &[DATABASE, AUTH, CACHE, BACKEND, FRONTEND, DOCS]
    );
    for (position, &id) in graph.startup_order().iter().enumerate() {
        assert_eq!(graph.rank(id), position);
    }
}

#[test]
fn ready_services_go_in_file_order_not_dfs_order() {
    // a depends on c; b is free. b comes before c (file order among the ready), then a.
    let graph = StackGraph::new(&stack_of(&[
        ("a", &[("c", Required)]),
        ("b", &[]),
        ("c", &[]),
    ]));
    assert_eq!(graph.startup_order(), sids(&[1, 2, 0]));
}

#[test]
fn independent_services_keep_file_order() {
    let graph = StackGraph::new(&stack_of(&[("z", &[]), ("y", &[]), ("x", &[])]));
    assert_eq!(graph.startup_order(), sids(&[0, 1, 2]));
    assert_eq!(graph.shutdown_order(), sids(&[2, 1, 0]));
    assert_eq!(graph.levels(), vec![sids(&[0, 1, 2])]);
}

#[test]
fn shutdown_order_is_reverse_startup_order() {
    let graph = web_stack();
    assert_eq!(
        graph.shutdown_order(),
        vec![DOCS, FRONTEND, BACKEND, CACHE, AUTH, DATABASE]
    );
}

#[test]
fn levels_follow_longest_dependency_chain() {
    let graph = web_stack();
    assert_eq!(
        graph.levels(),
        vec![
            vec![DATABASE, CACHE],
            vec![AUTH],
            vec![BACKEND],
            vec![FRONTEND],
            vec![DOCS]
        ]
    );
    assert_eq!(graph.level(BACKEND), 2);
    // A shortcut edge does not lower a level: x depends on a (level 0) and on c (level 2).
    let graph = StackGraph::new(&stack_of(&[
        ("a", &[]),
        ("b", &[("a", Required)]),
        ("c", &[("b", Soft)]),
        ("x", &[("a", Required), ("c", Optional)]),
    ]));
    assert_eq!(
        graph.levels(),
        vec![sids(&[0]), sids(&[1]), sids(&[2]), sids(&[3])]
    );
}

#[test]
fn empty_stack() {
    let graph = StackGraph::new(&stack_of(&[]));
    assert!(graph.is_empty());
    assert!(graph.startup_order().is_empty());
    assert!(graph.levels().is_empty());
    assert!(graph.select(&[]).is_empty());
    assert!(graph.critical_path(&[]).is_empty());
}

#[test]
fn dependencies_and_dependents_carry_kinds_in_file_order() {
    let graph = web_stack();
    assert_eq!(graph.len(), 6);
    assert_eq!(
        graph.dependencies(BACKEND),
        &[(AUTH, Required), (CACHE, Optional)]
    );
    assert_eq!(graph.dependencies(DATABASE), &[]);
    assert_eq!(graph.dependents(FRONTEND), &[(DOCS, Soft)]);
    assert_eq!(graph.dependents(CACHE), &[(BACKEND, Optional)]);
    assert_eq!(graph.dependents(DOCS), &[]);
    // Dependents are listed in the file order of the dependents.
    let graph = StackGraph::new(&stack_of(&[
        ("c", &[("base", Soft)]),
        ("base", &[]),
        ("a", &[("base", Required)]),
        ("b", &[("base", Optional)]),
    ]));
    assert_eq!(
        graph.dependents(sid(1)),
        &[(sid(0), Soft), (sid(2), Required), (sid(3), Optional)]
    );
}

#[test]
fn select_pulls_required_and_optional_but_not_soft() {
    let graph = web_stack();
    let chosen = |roots: &[ServiceId]| -> Vec<ServiceId> {
        let selected = graph.select(roots);
        assert_eq!(selected.len(), 6);
        ServiceId::all(6).filter(|&id| selected[id]).collect()
    };
    assert_eq!(
        chosen(&[FRONTEND]),
        vec![FRONTEND, BACKEND, AUTH, DATABASE, CACHE]
    );
    // docs only soft-depends on frontend: frontend is not pulled in.
    assert_eq!(chosen(&[DOCS]), vec![DOCS]);
    assert_eq!(chosen(&[AUTH]), vec![AUTH, DATABASE]);
    assert_eq!(chosen(&[AUTH, AUTH, CACHE]), vec![AUTH, DATABASE, CACHE]);
    assert_eq!(chosen(&[]), Vec::<ServiceId>::new());
    assert_eq!(
        chosen(&[DOCS, BACKEND, sid(99)]),
        vec![BACKEND, AUTH, DATABASE, CACHE, DOCS]
    );
}

#[test]
fn select_does_not_follow_soft_edges_behind_required_ones() {
    // a requires b, b soft-depends on c, c requires d: only a and b are pulled in.
    let graph = StackGraph::new(&stack_of(&[
        ("a", &[("b", Required)]),
        ("b", &[("c", Soft)]),
        ("c", &[("d", Required)]),
        ("d", &[]),
    ]));
    assert_eq!(graph.select(&sids(&[0])), vec![true, true, false, false]);
    assert_eq!(graph.select(&sids(&[0, 2])), vec![true, true, true, true]);
}

#[test]
fn the_required_set_is_closed_over_required_edges_only() {
    // a requires b, b requires c, b optionally needs d, a soft-depends on e, f unselected.
    let graph = StackGraph::new(&stack_of(&[
        ("c", &[]),
        ("d", &[]),
        ("b", &[("c", Required), ("d", Optional)]),
        ("e", &[]),
        ("a", &[("b", Required), ("e", Soft)]),
        ("f", &[("c", Required)]),
    ]));
    let selected = [true, true, true, true, true, false];
    let mut required = [false, false, false, false, true, false];
    graph.close_required(&selected, &mut required);
    assert_eq!(required, [true, false, true, false, true, false]);
    // An unselected required root pulls nothing in; an unselected dependency stays out.
    let mut required = [false, false, false, false, false, true];
    graph.close_required(&selected, &mut required);
    assert_eq!(required, [false, false, false, false, false, true]);
    let mut required = [false, false, true, false, false, false];
    graph.close_required(&[false, true, true, true, true, false], &mut required);
    assert_eq!(required, [false, false, true, false, false, false]);
}

fn at(ms: u64) -> Option<Timestamp> {
    Some(Timestamp(ms))
}

#[test]
fn critical_path_follows_latest_finishing_dependencies() {
    let graph = web_stack();
    let mut finished = vec![None; 6];
    finished[DATABASE] = at(300);
    finished[CACHE] = at(100);
    finished[AUTH] = at(500);
    finished[BACKEND] = at(900);
    finished[FRONTEND] = at(1200);
    assert_eq!(
        graph.critical_path(&finished),
        vec![DATABASE, AUTH, BACKEND, FRONTEND]
    );
    // The cache finishing late puts it on the path instead of auth.
    finished[CACHE] = at(700);
    assert_eq!(
        graph.critical_path(&finished),
        vec![CACHE, BACKEND, FRONTEND]
    );
    // docs (soft on frontend) finished last: the path ends there and follows the soft edge.
    finished[DOCS] = at(1300);
    assert_eq!(
        graph.critical_path(&finished),
        vec![CACHE, BACKEND, FRONTEND, DOCS]
    );
}

#[test]
fn critical_path_skips_unfinished_and_later_finishing_dependencies() {
    let graph = web_stack();
    let mut finished = vec![None; 6];
    finished[DATABASE] = at(300);
    finished[AUTH] = at(500);
    // cache never finished; backend's latest finished dependency is auth.
    finished[BACKEND] = at(900);
    assert_eq!(
        graph.critical_path(&finished),
        vec![DATABASE, AUTH, BACKEND]
    );
    // An optional dependency that finished after its dependent did not hold it up.
    finished[CACHE] = at(950);
    assert_eq!(graph.critical_path(&finished), vec![CACHE]);
    finished[CACHE] = at(800);
    assert_eq!(graph.critical_path(&finished), vec![CACHE, BACKEND]);
    // Nothing finished: no path. A short slice counts the rest as unfinished.
    assert!(graph.critical_path(&[None; 6]).is_empty());
    assert_eq!(graph.critical_path(&[at(5)]), vec![FRONTEND]);
}

#[test]
fn critical_path_ties_go_to_later_startup_rank() {
    // Everything finishes at 100. The path ends at c (ranked last, not x, first in the file) and
    // steps to b rather than a (b is ranked after a).
    let graph = StackGraph::new(&stack_of(&[
        ("x", &[]),
        ("a", &[]),
        ("b", &[("a", Required)]),
        ("c", &[("a", Required), ("b", Required)]),
    ]));
    assert_eq!(graph.startup_order(), sids(&[0, 1, 2, 3]));
    let finished = vec![at(100); 4];
    assert_eq!(graph.critical_path(&finished), sids(&[1, 2, 3]));
}

#[test]
fn cyclic_stack_does_not_panic() {
    // Not validated: a <-> b, c depends on a, d free.
    let stack = stack_from_edges(4, &[(0, 1, Required), (1, 0, Required), (2, 0, Soft)]);
    let graph = StackGraph::new(&stack);
    assert_eq!(graph.startup_order(), sids(&[3, 0, 1, 2]));
    assert_eq!(graph.shutdown_order(), sids(&[2, 1, 0, 3]));
    assert_eq!(graph.levels().concat().len(), 4);
}

#[test]
fn random_dags_match_the_definition() {
    for seed in 0..20 {
        let n = 60;
        let edges = random_dag(n, 4, seed);
        let graph = StackGraph::new(&stack_from_edges(n, &edges));
        assert_eq!(
            graph.startup_order(),
            sids(&naive_startup_order(n, &edges)),
            "seed {seed}"
        );
    }
}

#[test]
fn ten_thousand_service_dag_is_consistent() {
    let n = 10_000;
    let edges = random_dag(n, 5, 42);
    let graph = StackGraph::new(&stack_from_edges(n, &edges));
    let edges: Vec<(ServiceId, ServiceId, DependencyKind)> = edges
        .iter()
        .map(|&(dependent, dep, kind)| (sid(dependent), sid(dep), kind))
        .collect();

    // The order is a permutation and every edge points backwards in it.
    let mut seen = vec![false; n];
    for &id in graph.startup_order() {
        assert!(!seen[id]);
        seen[id] = true;
    }
    assert!(seen.iter().all(|&s| s));
    for &(dependent, dep, kind) in &edges {
        assert!(graph.rank(dep) < graph.rank(dependent));
        assert!(graph.level(dep) < graph.level(dependent));
        assert!(graph.dependencies(dependent).contains(&(dep, kind)));
        assert!(graph.dependents(dep).contains(&(dependent, kind)));
    }
    // Levels: each service sits exactly one above its highest dependency.
    for id in ServiceId::all(n) {
        let expected = graph
            .dependencies(id)
            .iter()
            .map(|&(dep, _)| graph.level(dep) + 1)
            .max()
            .unwrap_or(0);
        assert_eq!(graph.level(id), expected);
    }
    assert_eq!(graph.levels().concat().len(), n);
    let all: Vec<ServiceId> = ServiceId::all(n).collect();
    assert!(graph.select(&all).iter().all(|&s| s));

    // Selection is closed under required and optional edges and holds only what they reach.
    let selected = graph.select(&[graph.startup_order()[n - 1]]);
    for &(dependent, dep, kind) in &edges {
        if selected[dependent] && kind != Soft {
            assert!(selected[dep]);
        }
    }
    // A critical path with every service finishing at its level's time is as long as the
    // deepest level and is a chain of real edges.
    let finished: Vec<Option<Timestamp>> = ServiceId::all(n)
        .map(|id| at(graph.level(id) as u64 * 10))
        .collect();
    let path = graph.critical_path(&finished);
    assert_eq!(path.len(), graph.levels().len());
    for pair in path.windows(2) {
        assert!(
            graph
                .dependencies(pair[1])
                .iter()
                .any(|&(dep, _)| dep == pair[0])
        );
    }
}
