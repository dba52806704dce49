//! The discovery environment handed to a spawn: `PORT`, and per dependency `<NAME>_AVAILABLE`,
//! plus `<NAME>_HOST`, `<NAME>_PORT` and `<NAME>_URL` for one that is up.

use super::{Coordinator, ServiceState};
use crate::stack::ServiceId;

/// The host every service is reached on.
pub(crate) const HOST: &str = "127.0.0.1";

/// The discovery variable names of one service, built once (from its name) and cloned into each
/// dependent's environment.
#[derive(Debug)]
pub(crate) struct EnvKeys {
    available: String,
    host: String,
    port: String,
    url: String,
}

impl EnvKeys {
    fn new(name: &str) -> EnvKeys {
        let prefix = env_prefix(name);
        EnvKeys {
            available: format!("{prefix}_AVAILABLE"),
            host: format!("{prefix}_HOST"),
            port: format!("{prefix}_PORT"),
            url: format!("{prefix}_URL"),
        }
    }
}

impl Coordinator {
    /// `PORT` and, per dependency, `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL` and
    /// `<NAME>_AVAILABLE`, sorted by name.
    pub(super) fn spawn_env(
        &mut self,
        service: ServiceId,
        port: Option<u16>,
    ) -> Vec<(String, String)> {
        let deps = &self.stack.services[service].depends_on;
        let mut env = Vec::with_capacity(1 + 4 * deps.len());
        if let Some(p) = port {
            env.push(("PORT".to_string(), p.to_string()));
        }
        for dep in deps {
            let keys = self.env_keys[dep.service].get_or_insert_with(|| EnvKeys::new(&dep.name));
            let d = &self.records[dep.service];
            let available =
                d.selected && matches!(d.state, ServiceState::Ready | ServiceState::Completed);
            let flag = if available { "1" } else { "0" };
            env.push((keys.available.clone(), flag.to_string()));
            if let (true, Some(p)) = (available, d.port) {
                let p = p.to_string();
                let url = self.stack.services[dep.service]
                    .url
                    .replace("$HOST", HOST)
                    .replace("$PORT", &p);
                env.push((keys.host.clone(), HOST.to_string()));
                env.push((keys.port.clone(), p));
                env.push((keys.url.clone(), url));
            }
        }
        env.sort();
        env
    }
}

/// `auth-db.v2` -> `AUTH_DB_V2`.
pub(crate) fn env_prefix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn env_prefix_is_upper_snake() {
        assert_eq!(super::env_prefix("auth-db.v2"), "AUTH_DB_V2");
        assert_eq!(super::env_prefix("redis"), "REDIS");
    }

    #[test]
    fn keys_carry_the_prefix() {
        let k = super::EnvKeys::new("auth-db");
        let keys = [&k.available, &k.host, &k.port, &k.url];
        assert_eq!(
            keys,
            [
                "AUTH_DB_AVAILABLE",
                "AUTH_DB_HOST",
                "AUTH_DB_PORT",
                "AUTH_DB_URL"
            ]
        );
    }
}
