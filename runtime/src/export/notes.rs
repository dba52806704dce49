//! The export's report: what was translated approximately or dropped, per service, printed on
//! stderr after the files are written.

use super::Plan;
use std::collections::BTreeMap;

/// Notes per service (and for the stack as a whole, under the key `None`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes {
    by_service: BTreeMap<Option<String>, Vec<String>>,
}

impl Notes {
    /// Records that something of `service` does not map exactly.
    pub fn service(&mut self, service: &str, note: impl Into<String>) {
        self.by_service
            .entry(Some(service.to_string()))
            .or_default()
            .push(note.into());
    }

    /// Records something about the stack as a whole.
    pub fn stack(&mut self, note: impl Into<String>) {
        self.by_service.entry(None).or_default().push(note.into());
    }

    /// The notes of `service`, in the order they were made.
    pub fn of(&self, service: &str) -> &[String] {
        self.by_service
            .get(&Some(service.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The report: the stack's notes, then each service's in startup order.
    pub fn render(&self, target: &str, plan: &Plan) -> String {
        let mut out = String::new();
        if self.by_service.is_empty() {
            out.push_str(&format!(
                "coord export {target}: everything of the stack maps exactly\n"
            ));
            return out;
        }
        out.push_str(&format!(
            "coord export {target}: what does not map exactly\n"
        ));
        let mut section = |title: &str, notes: &[String]| {
            if notes.is_empty() {
                return;
            }
            out.push_str(&format!("  {title}:\n"));
            for note in notes {
                out.push_str(&format!("    - {note}\n"));
            }
        };
        section(
            "the stack",
            self.by_service.get(&None).map_or(&[], Vec::as_slice),
        );
        for (_, service) in plan.services() {
            section(&service.name, self.of(&service.name));
        }
        out
    }
}
