//! `depends_on` -> [`Dependency`] edges (names resolved to ids), and the rejection of cycles.

use super::diagnostics::{Diagnostics, suggest};
use super::names::NameIndex;
use super::raw::{RawDependency, RawDependsOn};
use super::tree::Spanned;
use super::values::duration;
use super::{Dependency, DependencyKind, ServiceId};
use std::collections::BTreeSet;
use std::ops::Range;
use std::time::Duration;

/// A resolved dependency and where the file names it (for cycle messages).
pub(crate) struct Edge {
    /// The dependency.
    pub dependency: Dependency,
    /// The span of the dependency's name in `depends_on`.
    pub span: Range<usize>,
}

/// Resolves the `depends_on` of service `me` against the service `names` (in id order).
pub(crate) fn dependencies(
    d: &mut Diagnostics,
    me: ServiceId,
    raw: &Spanned<RawDependsOn>,
    names: &NameIndex,
    default_timeout: Duration,
) -> Vec<Edge> {
    // (name, kind, timeout) as written, in file order.
    let written: Vec<(&Spanned<String>, DependencyKind, Duration)> = match raw.get_ref() {
        RawDependsOn::List(list) => list
            .iter()
            .map(|name| (name, DependencyKind::Required, default_timeout))
            .collect(),
        RawDependsOn::Table(table) => table
            .0
            .iter()
            .map(|(name, value)| {
                let (kind, timeout) = kind_and_timeout(d, value, default_timeout);
                (name, kind, timeout)
            })
            .collect(),
    };
    let mut edges: Vec<Edge> = Vec::new();
    let mut listed: BTreeSet<ServiceId> = BTreeSet::new();
    for (name, kind, timeout) in written {
        let Some(service) = names.id(name.get_ref()) else {
            d.error_at(
                name,
                format!(
                    "`{}` depends on unknown service `{}`",
                    names.name(me),
                    name.get_ref()
                ),
                suggest(name.get_ref(), "service", names.iter()),
            );
            continue;
        };
        if service == me {
            d.error_at(
                name,
                format!("service `{}` depends on itself", names.name(me)),
                "a service cannot wait for its own readiness: remove it from its `depends_on`",
            );
            continue;
        }
        if !listed.insert(service) {
            d.error_at(
                name,
                format!(
                    "`{}` lists dependency `{}` twice",
                    names.name(me),
                    name.get_ref()
                ),
                "list each dependency once",
            );
            continue;
        }
        edges.push(Edge {
            dependency: Dependency {
                service,
                name: name.get_ref().clone(),
                kind,
                timeout,
            },
            span: name.span(),
        });
    }
    edges
}

/// Kind and timeout of one `depends_on` table entry.
fn kind_and_timeout(
    d: &mut Diagnostics,
    value: &Spanned<RawDependency>,
    default_timeout: Duration,
) -> (DependencyKind, Duration) {
    let (kind, timeout) = match value.get_ref() {
        RawDependency::Kind(kind) => (Some(Spanned::new(value.span(), kind.clone())), None),
        RawDependency::Table(table) => (table.kind.clone(), table.timeout.as_ref()),
    };
    let kind = match kind {
        None => DependencyKind::Required,
        Some(kind) => match kind.get_ref().as_str() {
            "required" => DependencyKind::Required,
            "optional" => DependencyKind::Optional,
            "soft" => DependencyKind::Soft,
            "started" => DependencyKind::Started,
            other => {
                d.error_at(
                    &kind,
                    format!("unknown dependency kind `{other}`"),
                    "write \"required\", \"optional\", \"soft\" or \"started\"",
                );
                DependencyKind::Required
            }
        },
    };
    let timeout = duration(d, "timeout", &timeout.cloned(), default_timeout, false);
    (kind, timeout)
}

/// Reports every dependency cycle, naming its services in order, at the dependency that closes
/// it from its first service. `edges[id]`: the resolved dependencies of service `id`.
pub(crate) fn check_cycles(d: &mut Diagnostics, names: &[String], edges: &[&Vec<Edge>]) {
    let pairs: Vec<(usize, usize)> = edges
        .iter()
        .enumerate()
        .flat_map(|(me, es)| es.iter().map(move |e| (me, e.dependency.service.index())))
        .collect();
    for cycle in crate::graph::find_cycles(names.len(), &pairs) {
        let (Some(&first), Some(&second)) = (cycle.first(), cycle.get(1)) else {
            continue; // a self-dependency, already reported
        };
        // A long cycle names its first ten services, counts the rest, and closes on the first.
        let on_it: Vec<&str> = cycle.iter().map(|&id| names[id].as_str()).collect();
        let path = format!(
            "{} -> {}",
            crate::text::abbreviate(&on_it, " -> "),
            names[first]
        );
        let Some(edge) = edges[first]
            .iter()
            .find(|e| e.dependency.service.index() == second)
        else {
            continue;
        };
        d.error(
            edge.span.clone(),
            format!("dependency cycle: {path}"),
            "services on a cycle would wait for each other forever: remove one of these dependencies",
        );
    }
}
