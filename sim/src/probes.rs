//! What the world needs to know of each service's probes, gathered once into a compact table:
//! the world answers dozens of probes per service, and reading the large `Service` record for
//! each answer costs a cache miss on big stacks.

use coord_core::ProbePurpose;
use coord_core::stack::{Probe, ProbeCheck, ServiceId, Stack};

/// The shape of one probe of one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProbeShape {
    /// The service has this probe.
    pub exists: bool,
    /// It goes through the service's port (tcp, http, exec), so an outsider on the port answers it
    /// and an unbound process fails it.
    pub via_port: bool,
}

impl ProbeShape {
    fn of(spec: Option<&Probe>) -> ProbeShape {
        ProbeShape {
            exists: spec.is_some(),
            via_port: matches!(
                spec.map(|p| &p.check),
                Some(ProbeCheck::Tcp | ProbeCheck::Http { .. } | ProbeCheck::Exec { .. })
            ),
        }
    }
}

/// Per service: the shape of its readiness and of its liveness probe.
#[derive(Debug, Clone, Default)]
pub struct ProbeTable {
    shapes: Vec<[ProbeShape; 2]>,
}

impl ProbeTable {
    /// The table of `stack`.
    pub fn new(stack: &Stack) -> ProbeTable {
        let shapes = stack
            .services
            .iter()
            .map(|s| {
                [
                    ProbeShape::of(s.ready.as_ref()),
                    ProbeShape::of(s.live.as_ref()),
                ]
            })
            .collect();
        ProbeTable { shapes }
    }

    /// The shape of the `purpose` probe of `service` (no probe for an unknown service).
    pub fn get(&self, service: ServiceId, purpose: ProbePurpose) -> ProbeShape {
        let i = match purpose {
            ProbePurpose::Readiness => 0,
            ProbePurpose::Liveness => 1,
        };
        self.shapes
            .get(service.index())
            .map_or_else(ProbeShape::default, |s| s[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stacks;

    #[test]
    fn shapes_follow_the_specs() {
        let stack = stacks::netra();
        let table = ProbeTable::new(&stack);
        for (id, s) in ServiceId::enumerate(&stack.services) {
            let ready = table.get(id, ProbePurpose::Readiness);
            assert_eq!(ready, ProbeShape::of(s.ready.as_ref()));
            assert_eq!(ready.exists, s.ready.is_some());
            let live = table.get(id, ProbePurpose::Liveness);
            assert_eq!(live.exists, s.live.is_some());
        }
        let database = table.get(ServiceId::from_index(0), ProbePurpose::Readiness);
        assert!(
            database.exists && database.via_port,
            "a port's default tcp probe"
        );
        assert_eq!(
            table.get(ServiceId::from_index(99), ProbePurpose::Liveness),
            ProbeShape::default()
        );
    }
}
