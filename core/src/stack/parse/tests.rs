//! Stack::parse on small inline files: defaults, forms of each key, and errors.

use crate::stack::*;
use std::time::Duration;

fn ok(text: &str) -> Stack {
    Stack::parse("t.toml", text).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> Vec<String> {
    match Stack::parse("t.toml", text) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.0.iter().map(|e| e.message.clone()).collect(),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn minimal_service_gets_every_default() {
    let stack = ok("[services.app]\ncommand = \"./app\"\n");
    assert_eq!(stack.file, "t.toml");
    assert_eq!(stack.coordination, Coordination::default());
    assert_eq!(stack.port_ranges, default_port_ranges());
    let app = &stack.services[0];
    assert_eq!(app.name, "app");
    assert_eq!(app.kind, ServiceKind::Service);
    assert_eq!(app.command, CommandSpec::Shell("./app".into()));
    assert_eq!(app.working_dir, None);
    assert!(app.env.is_empty());
    assert_eq!(app.port, None);
    assert!(!app.socket_activation);
    assert_eq!(app.url, "http://$HOST:$PORT");
    assert!(app.depends_on.is_empty());
    assert_eq!(app.ready, None, "no port: ready after min_uptime");
    assert_eq!(app.live, None);
    assert_eq!(app.min_uptime, Duration::from_millis(500));
    assert_eq!(app.readiness_timeout, secs(90));
    assert_eq!(app.restart, RestartSpec::default());
    assert_eq!(app.stop_signal, StopSignal::Term);
    assert_eq!(app.stop_grace, secs(10));
    assert!(!app.optional);
}

#[test]
fn services_keep_file_order_and_ids_are_indices() {
    let stack = ok(r#"
[services.zeta]
command = "z"
[services.alpha]
command = "a"
depends_on = ["zeta"]
[services.mid]
command = "m"
depends_on = ["alpha", "zeta"]
"#);
    let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["zeta", "alpha", "mid"]);
    let ids: Vec<ServiceId> = stack.services[2]
        .depends_on
        .iter()
        .map(|d| d.service)
        .collect();
    assert_eq!(ids, [1, 0].map(ServiceId::from_index));
    assert_eq!(stack.service_id("mid"), Some(ServiceId::from_index(2)));
}

#[test]
fn dependency_forms_kinds_and_timeouts() {
    let stack = ok(r#"
[coordination]
dependency_timeout = "20s"
[services.a]
command = "a"
[services.b]
command = "b"
[services.c]
command = "c"
[services.d]
command = "d"
depends_on = { c = "soft", a = { timeout = "5s" }, b = { kind = "optional" } }
[services.e]
command = "e"
depends_on = ["a", "b"]
"#);
    let d: Vec<(usize, DependencyKind, Duration)> = stack.services[3]
        .depends_on
        .iter()
        .map(|d| (d.service.index(), d.kind, d.timeout))
        .collect();
    assert_eq!(
        d,
        [
            (2, DependencyKind::Soft, secs(20)),
            (0, DependencyKind::Required, secs(5)),
            (1, DependencyKind::Optional, secs(20)),
        ],
        "file order, default kind required, default timeout from coordination"
    );
    let e: Vec<(usize, DependencyKind)> = stack.services[4]
        .depends_on
        .iter()
        .map(|d| (d.service.index(), d.kind))
        .collect();
    assert_eq!(
        e,
        [(0, DependencyKind::Required), (1, DependencyKind::Required)]
    );
}

#[test]
fn started_is_a_dependency_kind_in_both_forms() {
    let stack = ok(r#"
[services.agent]
command = "agent"
[services.db]
command = "db"
[services.app]
command = "app"
depends_on = { agent = "started", db = { kind = "started", timeout = "7s" } }
"#);
    let deps: Vec<(usize, DependencyKind, Duration)> = stack.services[2]
        .depends_on
        .iter()
        .map(|d| (d.service.index(), d.kind, d.timeout))
        .collect();
    assert_eq!(
        deps,
        [
            (0, DependencyKind::Started, secs(60)),
            (1, DependencyKind::Started, secs(7)),
        ]
    );
}

#[test]
fn port_forms() {
    let stack = ok(r#"
[ports.ranges]
api = "8100-8199"
[services.fixed]
command = "f"
port = 5432
[services.any]
command = "a"
port = {}
[services.outside]
command = "o"
port = { preferred = 5433, range = "api" }
[services.same_as_fixed]
command = "s"
port = { preferred = 5432 }
"#);
    let dev = PortRange {
        start: 8000,
        end: 9999,
    };
    let ports: Vec<Option<PortSpec>> = stack.services.iter().map(|s| s.port.clone()).collect();
    assert_eq!(
        ports,
        [
            Some(PortSpec::Fixed(5432)),
            Some(PortSpec::Allocated {
                preferred: None,
                range_name: "development".into(),
                range: dev
            }),
            Some(PortSpec::Allocated {
                preferred: Some(5433),
                range_name: "api".into(),
                range: PortRange {
                    start: 8100,
                    end: 8199
                },
            }),
            Some(PortSpec::Allocated {
                preferred: Some(5432),
                range_name: "development".into(),
                range: dev
            }),
        ],
        "a preferred port may lie outside its range and equal another's fixed port"
    );
}

#[test]
fn a_port_without_ready_gets_a_tcp_probe_but_tasks_do_not() {
    let stack = ok(r#"
[services.web]
command = "w"
port = 8080
[services.job]
kind = "task"
command = "j"
port = 8081
"#);
    let ready = stack.services[0].ready.as_ref().unwrap();
    assert_eq!(ready.check, ProbeCheck::Tcp);
    assert_eq!((ready.period, ready.timeout), (secs(1), secs(1)));
    assert_eq!((ready.success_threshold, ready.failure_threshold), (1, 3));
    assert_eq!(stack.services[1].ready, None);
}

#[test]
fn probe_checks_and_their_defaults() {
    let stack = ok(r#"
[services.a]
command = "a"
port = 1234
ready = { exec = "true", period = "250ms", timeout = "2s", success_threshold = 2 }
live = { http = "/health", body = "ok" }
[services.b]
command = "b"
ready = { notify = true }
live = { log = "^alive$", failure_threshold = 5 }
"#);
    let a = &stack.services[0];
    let ready = a.ready.as_ref().unwrap();
    assert_eq!(
        ready.check,
        ProbeCheck::Exec {
            command: "true".into()
        }
    );
    assert_eq!(
        (ready.period, ready.timeout, ready.success_threshold),
        (Duration::from_millis(250), secs(2), 2)
    );
    let live = a.live.as_ref().unwrap();
    assert_eq!(
        live.check,
        ProbeCheck::Http {
            path: "/health".into(),
            body: Some("ok".into())
        }
    );
    assert_eq!((live.period, live.failure_threshold), (secs(10), 3));
    let b = &stack.services[1];
    assert_eq!(b.ready.as_ref().unwrap().check, ProbeCheck::Notify);
    let live = b.live.as_ref().unwrap();
    assert_eq!(
        live.check,
        ProbeCheck::Log {
            pattern: "^alive$".into()
        }
    );
    assert_eq!(live.failure_threshold, 5);
}

#[test]
fn every_other_service_key() {
    let stack = ok(r#"
[coordination]
readiness_timeout = "45s"
[services.a]
command = ["./a", "--port", "$PORT"]
working_dir = "backend"
env = { B = "2", A = "1" }
port = 9000
socket_activation = true
url = "postgres://$HOST:$PORT/app"
min_uptime = "1s"
restart = { policy = "always", max_restarts = 2, window = "30s", backoff = "200ms", backoff_max = "5s", backoff_reset = "20s" }
stop_signal = "sigquit"
stop_grace = "3s"
[services.b]
command = "b"
readiness_timeout = "5s"
"#);
    let a = &stack.services[0];
    assert_eq!(
        a.command,
        CommandSpec::Argv(vec!["./a".into(), "--port".into(), "$PORT".into()])
    );
    assert_eq!(a.working_dir.as_deref(), Some("backend"));
    assert_eq!(
        a.env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        ["A=1", "B=2"]
    );
    assert!(a.socket_activation);
    assert_eq!(a.url, "postgres://$HOST:$PORT/app");
    assert_eq!(a.min_uptime, secs(1));
    assert_eq!(a.readiness_timeout, secs(45), "from [coordination]");
    assert_eq!(
        a.restart,
        RestartSpec {
            policy: RestartPolicy::Always,
            max_restarts: 2,
            window: secs(30),
            backoff_initial: Duration::from_millis(200),
            backoff_max: secs(5),
            backoff_reset: secs(20),
        }
    );
    assert_eq!(a.stop_signal, StopSignal::Quit);
    assert_eq!(a.stop_grace, secs(3));
    assert_eq!(stack.services[1].readiness_timeout, secs(5));
}

#[test]
fn optional_comes_from_the_key_or_the_lists() {
    let stack = ok(r#"
[coordination]
required_services = ["a"]
optional_services = ["b"]
[services.a]
command = "a"
optional = false
[services.b]
command = "b"
[services.c]
command = "c"
[services.d]
command = "d"
optional = true
"#);
    let optional: Vec<bool> = stack.services.iter().map(|s| s.optional).collect();
    assert_eq!(optional, [false, true, false, true]);
}

#[test]
fn ranges_can_be_redefined_added_and_nested() {
    let stack = ok(r#"
[ports.ranges]
development = "10000-19999"
inner = "10100-10199"
[services.a]
command = "a"
port = { range = "inner" }
"#);
    assert_eq!(
        stack.port_ranges["development"],
        PortRange {
            start: 10000,
            end: 19999
        }
    );
    assert_eq!(
        stack.port_ranges["backend_services"],
        PortRange {
            start: 8000,
            end: 8010
        }
    );
    assert_eq!(stack.port_ranges.len(), 5);
}

#[test]
fn redefining_a_default_range_can_create_a_partial_overlap() {
    let errs =
        errors("[ports.ranges]\nbackend_services = \"7990-8005\"\n[services.a]\ncommand = \"a\"\n");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0]
            .contains("`backend_services` (7990-8005) partly overlaps default range `development`"),
        "{errs:?}"
    );
}

#[test]
fn names_that_clash_as_variables_are_rejected() {
    let errs = errors(
        "[services.my-db]\ncommand = \"a\"\n[services.my_db]\ncommand = \"b\"\n[services.\"a b\"]\ncommand = \"c\"\n",
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].contains("would both hand dependents `MY_DB_PORT`"));
    assert!(errs[1].contains("service name `a b` has characters"));
}

#[test]
fn dependency_listed_twice_and_duplicates_in_lists() {
    let errs = errors(
        r#"
[coordination]
optional_services = ["a", "a"]
[services.a]
command = "a"
[services.b]
command = "b"
depends_on = ["a", "a"]
"#,
    );
    assert_eq!(
        errs,
        [
            "`optional_services` lists `a` twice",
            "`b` lists dependency `a` twice"
        ]
    );
}

#[test]
fn probe_misuse() {
    let errs = errors(
        r#"
[services.a]
command = "a"
ready = { tcp = false }
live = { exec = "", body = "x" }
[services.b]
command = "b"
ready = { http = "/" }
"#,
    );
    assert_eq!(
        errs,
        [
            "`tcp = false` in `ready` is not a check",
            "a `tcp` check in `ready` needs the service to have a `port`",
            "`exec` in `live` is empty",
            "`body` in `live` only applies to an `http` check",
            "a `http` check in `ready` needs the service to have a `port`",
        ]
    );
}

#[test]
fn zero_thresholds_periods_and_negative_counts() {
    let errs = errors(
        r#"
[coordination]
startup_retry_count = -1
[services.a]
command = "a"
port = 1
ready = { tcp = true, period = "0s", success_threshold = 0 }
restart = { max_restarts = -2 }
"#,
    );
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert!(errs[0].contains("`startup_retry_count` must be at least 0, not -1"));
    assert!(errs[1].contains("`period` must be longer than zero"));
    assert!(errs[2].contains("`success_threshold` must be at least 1, not 0"));
    assert!(errs[3].contains("`max_restarts` must be at least 0, not -2"));
}

#[test]
fn task_with_ready_probe_is_rejected() {
    let errs =
        errors("[services.t]\nkind = \"task\"\ncommand = \"t\"\nready = { exec = \"true\" }\n");
    assert_eq!(errs, ["a task cannot have a `ready` probe"]);
}

#[test]
fn two_cycles_are_both_reported() {
    let errs = errors(
        r#"
[services.a]
command = "a"
depends_on = ["b"]
[services.b]
command = "b"
depends_on = ["a"]
[services.c]
command = "c"
depends_on = { d = "soft" }
[services.d]
command = "d"
depends_on = ["c"]
"#,
    );
    assert_eq!(
        errs,
        [
            "dependency cycle: a -> b -> a",
            "dependency cycle: c -> d -> c"
        ]
    );
}
