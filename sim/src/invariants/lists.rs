//! Per-service lists of services (dependencies, dependents) stored end to end in one vector:
//! one allocation for the whole stack instead of one per service, and neighbours close together.

use coord_core::stack::ServiceId;

/// See the module docs.
#[derive(Debug, Clone, Default)]
pub(super) struct Lists {
    /// Service `s`'s list is `items[starts[s]..starts[s + 1]]`.
    starts: Vec<usize>,
    items: Vec<ServiceId>,
}

impl Lists {
    /// The lists of services `0..n`, `list(s)` giving service `s`'s.
    pub(super) fn build<I: IntoIterator<Item = ServiceId>>(
        n: usize,
        mut list: impl FnMut(ServiceId) -> I,
    ) -> Lists {
        let mut lists = Lists {
            starts: Vec::with_capacity(n + 1),
            items: Vec::new(),
        };
        lists.starts.push(0);
        for s in ServiceId::all(n) {
            lists.items.extend(list(s));
            lists.starts.push(lists.items.len());
        }
        lists
    }

    /// Service `s`'s list (empty for an unknown service).
    pub(super) fn of(&self, s: ServiceId) -> &[ServiceId] {
        match (self.starts.get(s.index()), self.starts.get(s.index() + 1)) {
            (Some(&a), Some(&b)) => &self.items[a..b],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use coord_core::stack::ServiceId;

    fn s(index: usize) -> ServiceId {
        ServiceId::from_index(index)
    }

    #[test]
    fn each_service_gets_its_own_list() {
        let vecs = [vec![s(3), s(1)], vec![], vec![s(0)]];
        let lists = super::Lists::build(3, |id| vecs[id].clone());
        assert_eq!(lists.of(s(0)), [s(3), s(1)]);
        assert!(lists.of(s(1)).is_empty());
        assert_eq!(lists.of(s(2)), [s(0)]);
        assert!(lists.of(s(3)).is_empty());
    }
}
