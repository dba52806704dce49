//! A service's `env` split in two: its own `env` (configuration, written in the clear) and the
//! variables it gets from env files (secrets by convention: `.env` files hold passwords and
//! tokens), which the exports write only where secrets belong (a Kubernetes Secret, a systemd
//! environment file), never into a ConfigMap or a unit file.

use super::{Notes, Plan};
use coord_core::ServiceId;
use coord_core::stack::Service;
use std::collections::BTreeMap;

/// The two parts of a service's environment, each sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvSplit {
    /// The service's own `env` (after `${...}` resolution).
    pub own: BTreeMap<String, String>,
    /// The variables from its env files that its own `env` does not override.
    pub from_files: BTreeMap<String, String>,
}

impl EnvSplit {
    /// Splits `service.env` by the core's record of which keys came from env files.
    pub fn of(service: &Service) -> EnvSplit {
        let mut split = EnvSplit::default();
        for (key, value) in &service.env {
            let part = if service.env_from_files.contains(key) {
                &mut split.from_files
            } else {
                &mut split.own
            };
            part.insert(key.clone(), value.clone());
        }
        split
    }

    /// The split of service `id` as exported: a variable coord sets itself (`PORT`, a
    /// discovery variable) is left out of the env-file part, with a note, since coord's value
    /// wins under `coord run` (and systemd would let an environment file win).
    pub fn for_export(plan: &Plan, id: ServiceId, notes: &mut Notes) -> EnvSplit {
        let service = plan.service(id);
        let mut split = EnvSplit::of(service);
        for (key, _) in plan.discovery_env(id, |_| String::new()) {
            if split.from_files.remove(&key).is_some() {
                notes.service(
                    &service.name,
                    format!(
                        "`{key}` from an env file is left out: coord sets it, as under `coord run`"
                    ),
                );
            }
        }
        split
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_files_are_kept_apart() {
        let text = "[services.api]\ncommand = \"x\"\nenv = { MODE = \"dev\", TOKEN = \"own\" }\n";
        let mut stack = coord_core::Stack::parse("s.toml", text).unwrap();
        let api = &mut stack.services[0];
        api.env.insert("PASSWORD".into(), "hunter2".into());
        api.env_from_files.insert("PASSWORD".into());
        let split = EnvSplit::of(api);
        assert_eq!(
            split.own.keys().collect::<Vec<_>>(),
            ["MODE", "TOKEN"],
            "the service's own env stays configuration"
        );
        assert_eq!(split.from_files["PASSWORD"], "hunter2");
        assert_eq!(split.from_files.len(), 1);
    }
}
