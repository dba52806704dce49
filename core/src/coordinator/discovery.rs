//! The discovery environment handed to a spawn: `PORT`, and per dependency `<NAME>_AVAILABLE`,
//! plus `<NAME>_HOST`, `<NAME>_PORT` and `<NAME>_URL` for one that is up.

use super::{Coordinator, ServiceState};
use crate::stack::ServiceId;

/// The host every service is reached on.
pub(crate) const HOST: &str = "127.0.0.1";

impl Coordinator {
    /// `PORT` and, per dependency, `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL` and
    /// `<NAME>_AVAILABLE`, sorted by name.
    pub(super) fn spawn_env(&self, service: ServiceId, port: Option<u16>) -> Vec<(String, String)> {
        let deps = &self.stack.services[service].depends_on;
        let mut env = Vec::with_capacity(1 + 4 * deps.len());
        if let Some(p) = port {
            env.push(("PORT".to_string(), p.to_string()));
        }
        for dep in deps {
            let key = |suffix: &str| env_key(&dep.name, suffix);
            let d = &self.records[dep.service];
            let available =
                d.selected && matches!(d.state, ServiceState::Ready | ServiceState::Completed);
            let flag = if available { "1" } else { "0" };
            env.push((key("_AVAILABLE"), flag.to_string()));
            if let (true, Some(p)) = (available, d.port) {
                let p = p.to_string();
                let url = self.stack.services[dep.service]
                    .url
                    .replace("$HOST", HOST)
                    .replace("$PORT", &p);
                env.push((key("_HOST"), HOST.to_string()));
                env.push((key("_PORT"), p));
                env.push((key("_URL"), url));
            }
        }
        env.sort();
        env
    }
}

/// `auth-db.v2` -> `AUTH_DB_V2`.
#[cfg(test)]
fn env_prefix(name: &str) -> String {
    env_key(name, "")
}

/// The variable `<NAME><suffix>`, NAME in upper snake case, built in one allocation.
fn env_key(name: &str, suffix: &str) -> String {
    let mut key = String::with_capacity(name.len() + suffix.len());
    key.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    key.push_str(suffix);
    key
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
        assert_eq!(super::env_key("auth-db", "_PORT"), "AUTH_DB_PORT");
        assert_eq!(
            super::env_key("é", "_URL"),
            "__URL",
            "one underscore per character"
        );
    }
}
