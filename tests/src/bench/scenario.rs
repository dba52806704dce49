//! The benchmark's stacks: the netra graph, and a chain of tcp services for readiness latency.

use crate::harness::testdir::{TestDir, toml_array};

/// One service of a benchmark stack.
#[derive(Debug, Clone)]
pub struct Svc {
    /// Its name.
    pub name: String,
    /// Names of the services it requires (all `required` edges).
    pub deps: Vec<String>,
    /// Toy arguments beyond name and events file (delays, URL checks).
    pub args: Vec<String>,
    /// Readiness by `GET /health` (true) or by the port opening (false: tcp).
    pub http: bool,
}

/// The netra graph with readiness delays (ms) for database, redis, auth, backend, frontend.
/// Dependents check their dependencies' URLs before starting, like real services would.
pub fn netra(delays: [u32; 5]) -> Vec<Svc> {
    let deps: [(&str, &[&str]); 5] = [
        ("database", &[]),
        ("redis", &[]),
        ("auth", &["database", "redis"]),
        ("backend", &["database", "redis", "auth"]),
        ("frontend", &["backend"]),
    ];
    deps.iter()
        .zip(delays)
        .map(|((name, deps), delay)| {
            let mut args = vec!["--ready-after".to_string(), delay.to_string()];
            for d in *deps {
                args.push("--check-url".into());
                args.push(format!("{}_URL", d.to_uppercase()));
            }
            Svc {
                name: name.to_string(),
                deps: deps.iter().map(|d| d.to_string()).collect(),
                args,
                http: true,
            }
        })
        .collect()
}

/// A chain `s0 <- s1 <- ...` of `len` services whose ports open after the given delays in turn;
/// readiness is the port opening (tcp probe).
pub fn chain(len: usize, bind_delays: &[u32]) -> Vec<Svc> {
    (0..len)
        .map(|i| Svc {
            name: format!("s{i}"),
            deps: if i == 0 {
                vec![]
            } else {
                vec![format!("s{}", i - 1)]
            },
            args: vec![
                "--bind-after".into(),
                bind_delays[i % bind_delays.len()].to_string(),
            ],
            http: false,
        })
        .collect()
}

/// The stack file running `svcs` as toy services on the first 16 ports of `dir`'s block.
pub fn stack_file(dir: &TestDir, svcs: &[Svc]) -> String {
    let mut text = format!("[ports.ranges]\nbench = \"{}\"\n", dir.ports().range(0, 16));
    for s in svcs {
        let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
        text.push_str(&format!(
            "\n[services.{}]\ncommand = {}\nport = {{ range = \"bench\" }}\n",
            s.name,
            dir.toy(&s.name, &args)
        ));
        if s.http {
            text.push_str("ready = { http = \"/health\" }\n");
        }
        if !s.deps.is_empty() {
            text.push_str(&format!("depends_on = {}\n", toml_array(&s.deps)));
        }
    }
    text
}
