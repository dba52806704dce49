//! The discovery environment handed to a spawn: `PORT`, and per dependency `<NAME>_AVAILABLE`,
//! plus `<NAME>_HOST`, `<NAME>_PORT` and `<NAME>_URL` for one that is up (names and values from
//! [`crate::stack::discovery`], the rule `coord export` uses too).

use super::{Coordinator, ServiceState};
use crate::stack::ServiceId;
use crate::stack::discovery::{dependency_env, service_url};

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
            let d = &self.services[dep.service];
            let available =
                d.selected && matches!(d.state(), ServiceState::Ready | ServiceState::Completed);
            let address = d.port.filter(|_| available).map(|p| (HOST, p));
            env.extend(dependency_env(
                &self.stack.services[dep.service],
                available,
                address,
            ));
        }
        env.sort();
        env
    }
}

impl Coordinator {
    /// The URL of `service` on `port`: its `url` template with `$HOST` and `$PORT` filled in
    /// (the one rule for `<NAME>_URL`, the status and the registry).
    pub(super) fn url_of(&self, service: ServiceId, port: u16) -> String {
        service_url(&self.stack.services[service], HOST, port)
    }
}
