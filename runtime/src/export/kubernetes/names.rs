//! Kubernetes names of the stack's services: DNS labels (`auth_db` -> `auth-db`), checked
//! before anything is built so that every problem is reported at once.

use super::super::Plan;
use super::problems::Problems;
use coord_core::ServiceId;

/// The longest service name that still leaves room for the `wait-` and `-env` affixes within a
/// 63-character DNS label.
const MAX_LEN: usize = 58;

/// The Kubernetes name of every service (valid for selected services only).
#[derive(Debug, Clone)]
pub struct Names(Vec<String>);

impl Names {
    /// Lower-cases each selected service's name and turns `_` into `-`; a name that is then
    /// not a DNS label, or collides with another, is a problem.
    pub fn new(plan: &Plan, problems: &mut Problems) -> Names {
        let names: Vec<String> = plan
            .stack
            .services
            .iter()
            .map(|s| s.name.to_ascii_lowercase().replace('_', "-"))
            .collect();
        for (id, service) in plan.services() {
            let name = &names[id];
            if !is_dns_label(name) || name.len() > MAX_LEN {
                problems.add(
                    id,
                    format!(
                        "service `{}` has no valid Kubernetes name (`{name}` is not a DNS label of at most {MAX_LEN} characters)",
                        service.name
                    ),
                    "rename the service so that it starts with a letter, ends with a letter or digit, and is at most 58 characters long",
                );
            }
            if let Some((other, _)) = plan.services().find(|&(o, _)| o < id && names[o] == *name) {
                problems.add(
                    id,
                    format!(
                        "services `{}` and `{}` would have the same Kubernetes name `{name}`",
                        plan.service(other).name,
                        service.name
                    ),
                    "rename one of them: Kubernetes names are lower-case and write `_` as `-`",
                );
            }
        }
        Names(names)
    }

    /// The name of service `id`.
    pub fn of(&self, id: ServiceId) -> &str {
        &self.0[id]
    }
}

/// `[a-z]([-a-z0-9]*[a-z0-9])?` (RFC 1035 label, what a Service name must be).
fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_no_dns_label_is_a_problem_at_its_place() {
        let text = "[services.2db]\ncommand = \"x\"\nexport = { image = \"i\" }\n\n[services.Api_v2]\ncommand = \"y\"\nexport = { image = \"i\" }\n";
        let parsed = coord_core::Stack::parse_with_places("s.toml", text).unwrap();
        let plan = Plan::new(&parsed.stack, std::path::Path::new("s.toml"), &[]).unwrap();
        let mut notes = crate::export::Notes::default();
        let problems = crate::export::kubernetes::export(&plan, &mut notes).unwrap_err();
        let errors = problems.errors(&parsed.places).0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (1, 11));
        assert!(errors[0].message.contains("`2db`"), "{}", errors[0].message);
        // `Api_v2` is fine: it becomes `api-v2`.
        let names = Names::new(&plan, &mut Problems::default());
        assert_eq!(names.of(ServiceId::from_index(1)), "api-v2");
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("auth-db2"));
        assert!(!is_dns_label("2db"));
        assert!(!is_dns_label("db-"));
        assert!(!is_dns_label(""));
    }
}
