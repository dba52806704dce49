//! Loopback networking: a service listening on `::1` only (what `localhost` is for Node and
//! Vite) becomes ready under tcp and http probes, an outsider on `[::]` makes the port count as
//! taken, and ports in the kernel's ephemeral range are warned about at load.

use std::net::{Ipv6Addr, SocketAddr, TcpListener};

use coord_tests::harness::coord::{CoordRun, Pipe, is_summary};
use coord_tests::harness::events::{has, listening_port, position};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

fn ipv6_available() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

#[test]
fn an_ipv6_only_service_becomes_ready_and_its_dependent_starts() {
    if !ipv6_available() {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    }
    let dir = TestDir::new("ipv6-only");
    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ range = "test" }}
ready = {{ http = "/health" }}

[services.cache]
command = {cache}
port = {{ range = "test" }}

[services.web]
command = {web}
depends_on = {{ api = "required", cache = "required" }}
"#,
        range = dir.ports().range(0, 4),
        api = dir.toy("api", &["--bind6"]),
        cache = dir.toy("cache", &["--bind6"]),
        web = dir.toy("web", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}\n{}", dir.events().dump()));
    assert!(summary.contains("3/3 ready"), "{summary}");
    let events = dir.events().read();
    let log = dir.events().dump();
    for dep in ["api", "cache"] {
        assert!(has(&events, dep, "listening"), "{log}");
        let ready = position(&events, dep, "ready");
        assert!(
            ready.is_some() && ready < position(&events, "web", "start"),
            "web started before {dep} was ready\n{log}"
        );
    }
    assert!(has(&events, "web", "start"), "{log}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    if let Err(left) = procs::wait_all_gone(&dir.events().pids(), PATIENCE) {
        panic!("still running: {left:?}");
    }
}

#[test]
fn an_outsider_on_the_ipv6_wildcard_makes_the_port_taken() {
    if !ipv6_available() {
        eprintln!("skipped: no IPv6 on this machine");
        return;
    }
    let dir = TestDir::new("ipv6-outsider");
    let preferred = dir.ports().port(0);
    // The outsider listens on [::]:preferred, IPv6 only: 127.0.0.1:preferred still binds, so a
    // bind check on 127.0.0.1 alone would hand the port out.
    use rustix::net::{AddressFamily, SocketType, sockopt};
    let outsider = rustix::net::socket(AddressFamily::INET6, SocketType::STREAM, None).unwrap();
    sockopt::set_ipv6_v6only(&outsider, true).unwrap();
    rustix::net::bind(
        &outsider,
        &SocketAddr::from((Ipv6Addr::UNSPECIFIED, preferred)),
    )
    .unwrap();
    rustix::net::listen(&outsider, 8).unwrap();

    let stack = format!(
        r#"[ports.ranges]
test = "{range}"

[services.api]
command = {api}
port = {{ preferred = {preferred}, range = "test" }}
"#,
        range = dir.ports().range(1, 4),
        api = dir.toy("api", &[]),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}\n{}", dir.events().dump()));
    assert!(summary.contains("1/1 ready"), "{summary}");
    let events = dir.events().read();
    let port = listening_port(&events, "api").expect("api listens");
    assert_ne!(
        port,
        preferred,
        "api was given the port an outsider holds on [::]\n{}",
        dir.events().dump()
    );
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    drop(outsider);
}

#[test]
fn a_range_in_the_ephemeral_range_is_warned_about_by_check_and_run() {
    let Some((low, high)) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| {
            let mut it = t.split_whitespace().map(|w| w.parse::<u16>().ok());
            Some((it.next()??, it.next()??))
        })
    else {
        eprintln!("skipped: no /proc/sys/net/ipv4/ip_local_port_range");
        return;
    };
    let reserved =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_reserved_ports").unwrap_or_default();
    if !reserved.trim().is_empty() {
        eprintln!("skipped: this machine reserves ports ({reserved}), which silences the warning");
        return;
    }
    let dir = TestDir::new("ephemeral-warning");
    let (start, end) = (low, low.saturating_add(10).min(high));
    let stack = format!(
        "[ports.ranges]\nhigh = \"{start}-{end}\"\n\n[services.api]\ncommand = {api}\nport = {{ range = \"high\" }}\n",
        api = dir.toy("api", &[]),
    );
    let file = dir.write("coord.toml", &stack);
    let mut check = CoordRun::start(dir.path(), &["check", "-f", &file.to_string_lossy()]);
    assert_eq!(check.exit_code(PATIENCE), 0, "{}", check.transcript());
    let warning = format!(
        "coord.toml:2: warning: port range `high` ({start}-{end}) overlaps the kernel's ephemeral port range {low}-{high}"
    );
    let err = check.lines(Pipe::Err).join("\n");
    assert!(err.contains(&warning), "{err}");
    assert!(err.contains("ip_local_reserved_ports"), "{err}");

    let mut run = CoordRun::run(&file);
    run.wait_line(PATIENCE, |l| l.contains(&warning))
        .unwrap_or_else(|t| panic!("{t}"));
    run.wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    run.interrupt();
    assert_eq!(run.exit_code(PATIENCE), 0, "{}", run.transcript());
}
