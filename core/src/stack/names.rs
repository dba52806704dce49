//! Service names -> ids, in logarithmic time: resolving every `depends_on` of a large stack by a
//! linear search made checking a 40,000-service chain quadratic.

use super::ServiceId;
use std::collections::BTreeMap;

/// The service names of a stack file, in id (file) order, indexed by name.
pub(crate) struct NameIndex<'n> {
    names: &'n [String],
    ids: BTreeMap<&'n str, ServiceId>,
}

impl<'n> NameIndex<'n> {
    /// Indexes `names` (id order). TOML forbids two tables of one name, so names are unique;
    /// should one repeat anyway, the first keeps it.
    pub(crate) fn new(names: &'n [String]) -> Self {
        let mut ids = BTreeMap::new();
        for (id, name) in ServiceId::enumerate(names) {
            ids.entry(name.as_str()).or_insert(id);
        }
        NameIndex { names, ids }
    }

    /// The id of the service called `name`.
    pub(crate) fn id(&self, name: &str) -> Option<ServiceId> {
        self.ids.get(name).copied()
    }

    /// The name of service `id`.
    pub(crate) fn name(&self, id: ServiceId) -> &'n str {
        &self.names[id]
    }

    /// Every name, in id order, as `&str` (for suggestions).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'n str> + Clone {
        self.names.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_their_position() {
        let names: Vec<String> = ["db", "api", "web"].map(String::from).to_vec();
        let index = NameIndex::new(&names);
        assert_eq!(index.id("api"), Some(ServiceId::from_index(1)));
        assert_eq!(index.id("nope"), None);
        assert_eq!(index.name(ServiceId::from_index(2)), "web");
        assert_eq!(index.iter().collect::<Vec<_>>(), ["db", "api", "web"]);
    }
}
