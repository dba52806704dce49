//! Stack files the tests share.

use coord_tests::harness::testdir::TestDir;

/// Options of the netra-shaped stack.
#[derive(Default, Clone, Copy)]
pub struct Netra {
    /// Readiness delays in ms for database, redis, auth, backend, frontend.
    pub delays: [u32; 5],
}

/// The netra stack (database, redis, auth, backend, frontend; the original design's
/// dependencies and required/optional sets) with toy services on the test's ports. Each service
/// is ready on `GET /health` after its delay, prints the variables it was given and, where it has
/// dependencies, refuses to start unless their URLs answer.
pub fn netra(dir: &TestDir, opts: Netra) -> String {
    let range = dir.ports().range(0, 16);
    let d = opts.delays.map(|ms| ms.to_string());
    let env = |vars: &[&str]| -> Vec<String> {
        vars.iter()
            .flat_map(|v| ["--print-env".to_string(), v.to_string()])
            .collect()
    };
    let toy = |name: &str, delay: &str, checks: &[&str], vars: &[&str]| {
        let mut args: Vec<String> = vec!["--ready-after".into(), delay.into()];
        for c in checks {
            args.push("--check-url".into());
            args.push(c.to_string());
        }
        args.extend(env(vars));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        dir.toy(name, &refs)
    };
    format!(
        r#"[coordination]
required_services = ["database", "backend"]
optional_services = ["redis", "auth", "frontend"]

[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}
ready = {{ http = "/health" }}

[services.redis]
command = {redis}
port = {{ range = "test" }}
ready = {{ http = "/health" }}

[services.auth]
command = {auth}
port = {{ range = "test" }}
depends_on = {{ database = {{ kind = "required", timeout = "30s" }}, redis = {{ kind = "optional", timeout = "10s" }} }}
ready = {{ http = "/health" }}

[services.backend]
command = {backend}
port = {{ range = "test" }}
depends_on = {{ database = {{ kind = "required", timeout = "30s" }}, redis = {{ kind = "required", timeout = "15s" }}, auth = {{ kind = "required", timeout = "45s" }} }}
ready = {{ http = "/health" }}

[services.frontend]
command = {frontend}
port = {{ range = "test" }}
depends_on = {{ backend = {{ kind = "required", timeout = "60s" }} }}
ready = {{ http = "/health" }}
"#,
        database = toy("database", &d[0], &[], &["PORT"]),
        redis = toy("redis", &d[1], &[], &["PORT"]),
        auth = toy(
            "auth",
            &d[2],
            &["DATABASE_URL", "REDIS_URL"],
            &[
                "PORT",
                "DATABASE_HOST",
                "DATABASE_PORT",
                "DATABASE_URL",
                "REDIS_PORT",
                "REDIS_URL"
            ]
        ),
        backend = toy(
            "backend",
            &d[3],
            &["DATABASE_URL", "REDIS_URL", "AUTH_URL"],
            &[
                "PORT",
                "DATABASE_PORT",
                "REDIS_PORT",
                "AUTH_PORT",
                "AUTH_URL"
            ]
        ),
        frontend = toy(
            "frontend",
            &d[4],
            &["BACKEND_URL"],
            &["PORT", "BACKEND_PORT", "BACKEND_URL"]
        ),
    )
}

/// The netra dependency edges: (dependent, dependency).
pub const NETRA_EDGES: [(&str, &str); 6] = [
    ("auth", "database"),
    ("auth", "redis"),
    ("backend", "database"),
    ("backend", "redis"),
    ("backend", "auth"),
    ("frontend", "backend"),
];

/// The netra services in file order.
pub const NETRA: [&str; 5] = ["database", "redis", "auth", "backend", "frontend"];

/// A stack of db and api (api requires db and checks `DB_URL` answers before anything else, and
/// is ready when its /health answers), both in a 4-port range; `api_args` go to api's toy.
/// Returns the stack file's path.
pub fn db_and_api(dir: &TestDir, api_args: &[&str]) -> String {
    let mut api: Vec<&str> = vec!["--check-url", "DB_URL"];
    api.extend(api_args);
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.db]
command = {db}
port = {{ range = "test" }}

[services.api]
command = {api}
port = {{ range = "test" }}
depends_on = {{ db = "required" }}
ready = {{ http = "/health" }}
"#,
        range = dir.ports().range(0, 4),
        db = dir.toy("db", &[]),
        api = dir.toy("api", &api),
    );
    dir.write("coord.toml", &stack)
        .to_string_lossy()
        .into_owned()
}
