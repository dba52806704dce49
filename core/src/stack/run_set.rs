//! Which services a run needs on their own: one rule, read by the coordinator (which then closes
//! the set over required edges) and by the load-time warning about optional services that the run
//! requires after all.

use super::Stack;

impl Stack {
    /// Per service: whether it is required for a run selecting `selected`, on its own, before
    /// closing over required edges:
    /// - with `graceful_degradation = false`, every selected service;
    /// - else, when `required_services` lists names, the selected ones among those;
    /// - otherwise every selected service not marked optional.
    pub fn required_roots(&self, selected: &[bool]) -> Vec<bool> {
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
        for (id, r) in required.iter_mut().enumerate() {
            *r &= selected.get(id).copied().unwrap_or(false);
        }
        required
    }
}

#[cfg(test)]
mod tests {
    use crate::stack::Stack;

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
}
