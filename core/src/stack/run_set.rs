//! Which services a run starts from and which it needs on their own: one rule each, read by
//! the coordinator (which then pulls in dependencies and closes the required set over required
//! edges), by the runtime's load-time checks and by the warning about optional services that the
//! run requires after all.

use super::{ServiceId, Stack};

impl Stack {
    /// The services a run selects on their own, before pulling in what they depend on: the
    /// `named` ones, or with no names every service whose `autostart` is on (a service with
    /// `autostart = false` starts only when named, pulled in by a selected dependent, or started
    /// with `coord start`).
    pub fn run_roots(&self, named: &[ServiceId]) -> Vec<ServiceId> {
        if named.is_empty() {
            self.service_ids()
                .filter(|&id| self.services[id].autostart)
                .collect()
        } else {
            named.to_vec()
        }
    }

    /// Per service: whether it is required for a run selecting `selected`, on its own, before
    /// closing over required edges:
    /// - with `graceful_degradation = false`, every selected service;
    /// - else, when `required_services` lists names, the selected ones among those;
    /// - otherwise every selected service not marked optional;
    ///
    /// and in each case never a service with `autostart = false` (it is required only when a
    /// service required for the run requires it), unless it is among `named`.
    pub fn required_roots_naming(&self, selected: &[bool], named: &[ServiceId]) -> Vec<bool> {
        let coordination = &self.coordination;
        let mut required: Vec<bool> = if !coordination.graceful_degradation {
            vec![true; self.services.len()]
        } else if coordination.required_services.is_empty() {
            self.services.iter().map(|s| !s.optional).collect()
        } else {
            let mut listed = vec![false; self.services.len()];
            for name in &coordination.required_services {
                if let Some(id) = self.service_id(name) {
                    listed[id] = true;
                }
            }
            listed
        };
        let mut named_mask = vec![false; self.services.len()];
        for &id in named {
            if let Some(n) = named_mask.get_mut(id.index()) {
                *n = true;
            }
        }
        for (id, r) in required.iter_mut().enumerate() {
            *r &= selected.get(id).copied().unwrap_or(false)
                && (self.services[id].autostart || named_mask[id]);
        }
        required
    }

    /// [`Stack::required_roots_naming`] for a run that names no service.
    pub fn required_roots(&self, selected: &[bool]) -> Vec<bool> {
        self.required_roots_naming(selected, &[])
    }
}

#[cfg(test)]
mod tests {
    use crate::stack::{ServiceId, Stack};

    fn roots(toml: &str) -> Vec<bool> {
        let stack = Stack::parse("t.toml", toml).expect("valid");
        stack.required_roots(&vec![true; stack.services.len()])
    }

    #[test]
    fn optional_marks_and_required_services_decide_the_roots() {
        let base =
            "[services.a]\ncommand = \"a\"\n[services.b]\ncommand = \"b\"\noptional = true\n";
        assert_eq!(roots(base), vec![true, false]);
        let listed = format!("[coordination]\nrequired_services = [\"b\"]\n{base}")
            .replace("optional = true\n", "");
        assert_eq!(roots(&listed), vec![false, true]);
        let strict = format!("[coordination]\ngraceful_degradation = false\n{base}");
        assert_eq!(roots(&strict), vec![true, true]);
    }

    #[test]
    fn a_service_not_autostarted_is_no_root_unless_named() {
        let toml =
            "[services.a]\ncommand = \"a\"\n[services.w]\ncommand = \"w\"\nautostart = false\n";
        let stack = Stack::parse("t.toml", toml).expect("valid");
        assert!(!stack.services[1].autostart && stack.services[0].autostart);
        let id = ServiceId::from_index;
        assert_eq!(stack.run_roots(&[]), vec![id(0)]);
        assert_eq!(stack.run_roots(&[id(1)]), vec![id(1)]);
        assert_eq!(roots(toml), vec![true, false]);
        assert_eq!(
            stack.required_roots_naming(&[true, true], &[id(1)]),
            vec![true, true]
        );
    }
}
