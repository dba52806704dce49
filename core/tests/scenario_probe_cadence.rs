//! The cadence of readiness probes belongs to the probe kind: cheap probes (tcp, http, log,
//! notify) go out every few milliseconds in the first second; an `exec` probe, which spawns a
//! process each time, starts at 50 ms and doubles.

mod common;

use common::Harness;
use coord_core::ProbePurpose;

const STACK: &str = r#"
[services.pg]
command = "postgres"
port = { range = "development" }
ready = { exec = "pg_isready -p $PORT" }

[services.web]
command = "web"
port = { range = "development" }
ready = { tcp = true }
"#;

/// Readiness probe times (ms after the run start) of `name`.
fn probe_times(h: &Harness, name: &str) -> Vec<u64> {
    let id = h.id(name);
    h.probes
        .iter()
        .filter(|p| p.1 == id && p.3 == ProbePurpose::Readiness)
        .map(|p| p.0)
        .collect()
}

#[test]
fn exec_probes_start_slow_and_double_while_tcp_probes_start_fast() {
    let mut h = Harness::new(STACK);
    h.script("pg").ready_after = None;
    h.script("web").ready_after = None;
    h.start(&[]);
    h.run_until(3_000);
    let exec = probe_times(&h, "pg");
    assert_eq!(&exec[..5], [50, 150, 350, 750, 1550]);
    let tcp = probe_times(&h, "web");
    assert_eq!(&tcp[..4], [1, 3, 6, 10]);
    let tcp_first_second = tcp.iter().filter(|&&t| t < 1_000).count();
    let exec_first_second = exec.iter().filter(|&&t| t < 1_000).count();
    assert_eq!(exec_first_second, 4);
    assert!(tcp_first_second > 100, "{tcp_first_second}");
}

#[test]
fn an_exec_probe_still_sees_a_service_ready_early() {
    let mut h = Harness::new(STACK);
    h.script("pg").ready_after = Some(120);
    h.start(&["pg"]);
    h.run_until(3_000);
    assert_eq!(h.first("pg", "ready"), Some(150));
}
