//! The discovery environment handed to a spawn: `PORT`, and per dependency `<NAME>_AVAILABLE`,
//! plus `<NAME>_HOST`, `<NAME>_PORT` and `<NAME>_URL` for one that is up.

use super::{Coordinator, ServiceState};
use crate::stack::{ServiceId, env_prefix};

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
            let prefix = env_prefix(&dep.name);
            let key = |suffix: &str| env_key(&prefix, suffix);
            let d = &self.records[dep.service];
            let available =
                d.selected && matches!(d.state, ServiceState::Ready | ServiceState::Completed);
            let flag = if available { "1" } else { "0" };
            env.push((key("_AVAILABLE"), flag.to_string()));
            if let (true, Some(p)) = (available, d.port) {
                let url = self.url_of(dep.service, p);
                env.push((key("_HOST"), HOST.to_string()));
                env.push((key("_PORT"), p.to_string()));
                env.push((key("_URL"), url));
            }
        }
        env.sort();
        env
    }
}

impl Coordinator {
    /// The URL of `service` on `port`: its `url` template with `$HOST` and `$PORT` filled in
    /// (the one rule for `<NAME>_URL`, the status and the registry).
    pub(super) fn url_of(&self, service: ServiceId, port: u16) -> String {
        self.stack.services[service]
            .url
            .replace("$HOST", HOST)
            .replace("$PORT", &port.to_string())
    }
}

/// The variable `<prefix><suffix>` (the prefix from [`env_prefix`]), built in one allocation.
fn env_key(prefix: &str, suffix: &str) -> String {
    let mut key = String::with_capacity(prefix.len() + suffix.len());
    key.push_str(prefix);
    key.push_str(suffix);
    key
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_carry_the_prefix() {
        let key = |name: &str, suffix: &str| super::env_key(&super::env_prefix(name), suffix);
        assert_eq!(key("auth-db", "_PORT"), "AUTH_DB_PORT");
        assert_eq!(key("redis_2", "_URL"), "REDIS_2_URL");
    }
}
