//! What both exports read: the selected services in startup order, the port each listens on and
//! the discovery variables each gets, all decided by the core (graph selection, port ledger,
//! discovery rule) exactly as for `coord run`.

use coord_core::graph::StackGraph;
use coord_core::ports::PortLedger;
use coord_core::stack::discovery::dependency_env;
use coord_core::stack::{PortSpec, Service, ServiceKind};
use coord_core::{ServiceId, Stack, Timestamp};
use std::path::Path;

/// Why a stack cannot be planned for export.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A service named on the command line is not in the stack.
    #[error("no service named `{name}` in {file}\n  help: the services are: {known}")]
    UnknownService {
        /// The name given.
        name: String,
        /// The stack file.
        file: String,
        /// The services of the stack, comma-separated.
        known: String,
    },
    /// The ports of the selected services cannot all be told apart.
    #[error(
        "no free port for `{service}` in its range once the other services have theirs\n  help: widen its range in `[ports.ranges]` or give it a `preferred` port"
    )]
    NoPort {
        /// The service.
        service: String,
    },
}

/// The selected services of a stack, their ports and names, ready to translate.
#[derive(Debug)]
pub struct Plan<'s> {
    /// The validated stack.
    pub stack: &'s Stack,
    /// The stack's name: the stack file's name without extension, made safe for unit and
    /// label names (`fixtures/demo.toml` -> `demo`).
    pub name: String,
    /// `selected[id]`: whether service `id` is exported.
    pub selected: Vec<bool>,
    /// The selected services in startup order.
    pub order: Vec<ServiceId>,
    /// `ports[id]`: the port service `id` listens on (selected services with a port).
    pub ports: Vec<Option<u16>>,
}

impl<'s> Plan<'s> {
    /// Plans the export of `services` (empty: all) and what they need, as `coord run` would
    /// select them. Ports come from the core's ledger in startup order, so two services of one
    /// machine never share one: a fixed port is its own, then the preferred port, then the range.
    pub fn new(stack: &'s Stack, file: &Path, services: &[String]) -> Result<Plan<'s>, PlanError> {
        let graph = StackGraph::new(stack);
        let mut roots = Vec::new();
        for name in services {
            let id = stack
                .service_id(name)
                .ok_or_else(|| PlanError::UnknownService {
                    name: name.clone(),
                    file: file.display().to_string(),
                    known: stack
                        .services
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            roots.push(id);
        }
        if services.is_empty() {
            roots = stack.service_ids().collect();
        }
        let selected = graph.select(&roots);
        let order: Vec<ServiceId> = graph
            .startup_order()
            .iter()
            .copied()
            .filter(|&id| selected[id])
            .collect();
        let mut ledger = PortLedger::new();
        for &id in &order {
            if let Some(PortSpec::Fixed(p)) = stack.services[id].port {
                ledger.protect(p);
            }
        }
        let mut ports = vec![None; stack.services.len()];
        for &id in &order {
            if let Some(spec) = &stack.services[id].port {
                let port = ledger
                    .reserve(id, spec, None, Timestamp::ZERO)
                    .map_err(|_| PlanError::NoPort {
                        service: stack.services[id].name.clone(),
                    })?;
                ledger.confirm(id);
                ports[id] = Some(port);
            }
        }
        Ok(Plan {
            stack,
            name: stack_name(file),
            selected,
            order,
            ports,
        })
    }

    /// The service with id `id`.
    pub fn service(&self, id: ServiceId) -> &'s Service {
        &self.stack.services[id]
    }

    /// The selected services in startup order, with their ids.
    pub fn services(&self) -> impl Iterator<Item = (ServiceId, &'s Service)> + '_ {
        self.order.iter().map(|&id| (id, &self.stack.services[id]))
    }

    /// Whether `id` is a task.
    pub fn is_task(&self, id: ServiceId) -> bool {
        self.stack.services[id].kind == ServiceKind::Task
    }

    /// What service `id` gets in its environment from coord, as under `coord run` once its
    /// dependencies are up: `PORT` (when it has one) and, per dependency, the core's discovery
    /// variables. A selected dependency counts as available and is reached at `host(dep)` on
    /// its planned port; one outside the export (a soft dependency not selected) is not.
    /// Sorted by name.
    pub fn discovery_env(
        &self,
        id: ServiceId,
        host: impl Fn(ServiceId) -> String,
    ) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if let Some(port) = self.ports[id] {
            env.push(("PORT".to_string(), port.to_string()));
        }
        for dep in &self.stack.services[id].depends_on {
            let available = self.selected[dep.service];
            let host = host(dep.service);
            let address = self.ports[dep.service]
                .filter(|_| available)
                .map(|p| (host.as_str(), p));
            env.extend(dependency_env(
                &self.stack.services[dep.service],
                available,
                address,
            ));
        }
        env.sort();
        env
    }
}

/// The stack file's name without extension, as letters, digits and `-` only (`coord` if
/// nothing is left): usable in unit names and Kubernetes label values.
fn stack_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('-');
    let short: String = trimmed.chars().take(40).collect();
    let short = short.trim_matches('-');
    if short.is_empty() {
        "coord".to_string()
    } else {
        short.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_are_safe_labels() {
        assert_eq!(stack_name(Path::new("fixtures/demo.toml")), "demo");
        assert_eq!(stack_name(Path::new("My_Stack.v2.toml")), "my-stack-v2");
        assert_eq!(stack_name(Path::new("__.toml")), "coord");
    }

    #[test]
    fn ports_are_distinct_and_fixed_ports_kept() {
        let text = "[services.a]\ncommand = \"x\"\nport = { range = \"development\" }\n[services.b]\ncommand = \"x\"\nport = { range = \"development\" }\n[services.c]\ncommand = \"x\"\nport = 8000\n";
        let stack = Stack::parse("s.toml", text).unwrap();
        let plan = Plan::new(&stack, Path::new("s.toml"), &[]).unwrap();
        assert_eq!(plan.ports, [Some(8001), Some(8002), Some(8000)]);
    }
}
