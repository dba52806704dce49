//! The discovery variables a dependent gets for one dependency: the one rule for their names and
//! values, used by the coordinator when it spawns a service and by `coord export`.

use super::{Service, env_prefix};

/// The URL of `service` reached at `host:port`: its `url` template with `$HOST` and `$PORT`
/// filled in.
pub fn service_url(service: &Service, host: &str, port: u16) -> String {
    service
        .url
        .replace("$HOST", host)
        .replace("$PORT", &port.to_string())
}

/// The variables a dependent gets for `dependency`: `<NAME>_AVAILABLE` (`1` or `0`) and, when
/// `address` is given, `<NAME>_HOST`, `<NAME>_PORT` and `<NAME>_URL`. NAME is the dependency's
/// [`env_prefix`].
pub fn dependency_env(
    dependency: &Service,
    available: bool,
    address: Option<(&str, u16)>,
) -> Vec<(String, String)> {
    let prefix = env_prefix(&dependency.name);
    let key = |suffix: &str| {
        let mut key = String::with_capacity(prefix.len() + suffix.len());
        key.push_str(&prefix);
        key.push_str(suffix);
        key
    };
    let flag = if available { "1" } else { "0" };
    let mut env = vec![(key("_AVAILABLE"), flag.to_string())];
    if let Some((host, port)) = address {
        env.push((key("_HOST"), host.to_string()));
        env.push((key("_PORT"), port.to_string()));
        env.push((key("_URL"), service_url(dependency, host, port)));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, url: &str) -> Service {
        let text = format!("[services.{name}]\ncommand = \"x\"\nurl = \"{url}\"\n");
        crate::Stack::parse("s.toml", &text).unwrap().services[0].clone()
    }

    #[test]
    fn names_carry_the_prefix_and_the_url_fills_the_template() {
        let db = service("auth-db", "postgres://$HOST:$PORT/app");
        assert_eq!(
            dependency_env(&db, true, Some(("db.example", 5432))),
            [
                ("AUTH_DB_AVAILABLE".to_string(), "1".to_string()),
                ("AUTH_DB_HOST".to_string(), "db.example".to_string()),
                ("AUTH_DB_PORT".to_string(), "5432".to_string()),
                (
                    "AUTH_DB_URL".to_string(),
                    "postgres://db.example:5432/app".to_string()
                ),
            ]
        );
    }

    #[test]
    fn an_absent_dependency_has_only_its_flag() {
        let redis = service("redis_2", "http://$HOST:$PORT");
        assert_eq!(
            dependency_env(&redis, false, None),
            [("REDIS_2_AVAILABLE".to_string(), "0".to_string())]
        );
    }
}
