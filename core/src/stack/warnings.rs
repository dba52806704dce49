//! Warnings about a run: an optional service that a service required for the run requires
//! (over `required` edges, transitively) is in fact required, because its failure fails its
//! dependent and so the run.

use super::{ConfigWarning, Places, ServiceId, Stack};
use std::collections::VecDeque;

/// The warnings for a run of the services marked in `selected` (indexed by id, as
/// [`crate::graph::StackGraph::select`] returns it), in file order. One warning per optional
/// service that is required, at the first `required` edge found to it (breadth first from the
/// required services, in id order), naming both services.
pub fn optional_but_required(
    stack: &Stack,
    places: &Places,
    selected: &[bool],
) -> Vec<ConfigWarning> {
    if !stack.coordination.graceful_degradation {
        return Vec::new(); // every service is required anyway
    }
    let n = stack.services.len();
    let roots = stack.required_roots(selected);
    // `root[id]`: the service required for the run whose required edges reach `id`.
    let mut root: Vec<Option<ServiceId>> = vec![None; n];
    let mut queue: VecDeque<ServiceId> = VecDeque::new();
    for id in ServiceId::all(n).filter(|&id| roots[id]) {
        root[id] = Some(id);
        queue.push_back(id);
    }
    let mut warnings = Vec::new();
    while let Some(id) = queue.pop_front() {
        let from = root[id].unwrap_or(id);
        for (i, dep) in stack.services[id].depends_on.iter().enumerate() {
            if !dep.kind.semantics().failure_propagates || root[dep.service].is_some() {
                continue;
            }
            root[dep.service] = Some(from);
            queue.push_back(dep.service);
            let Some(&place) = places.dependencies.get(id.index()).and_then(|p| p.get(i)) else {
                continue;
            };
            let dependent = &stack.services[id].name;
            let via = if from == id {
                String::new()
            } else {
                format!(" (which `{}` requires)", stack.services[from].name)
            };
            warnings.push(ConfigWarning {
                file: places.file_of(place).to_string(),
                place,
                message: format!(
                    "`{}` is {}, but `{dependent}`{via} requires it, so it is required for this run: if it fails, `{dependent}` fails and so does the run",
                    dep.name,
                    if stack.services[dep.service].optional {
                        "marked optional"
                    } else {
                        "not in `required_services`"
                    }
                ),
                help: format!(
                    "if `{dependent}` can run without it, make that dependency optional (`{} = \"optional\"`, or `kind = \"optional\"` in its table); otherwise {}",
                    dep.name,
                    if stack.services[dep.service].optional {
                        format!("drop `optional` from `{}`", dep.name)
                    } else {
                        format!("add `{}` to `required_services`", dep.name)
                    }
                ),
            });
        }
    }
    warnings.sort_by_key(|w| w.place);
    warnings
}
