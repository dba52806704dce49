//! Ports within a run: a restarted service keeps its port when it can; when it must move, the
//! dependents holding its old address are restarted (a cascade, in dependency order), saying
//! so. Every reservation has an owner: its release, also on expiry, names it.

mod common;

use common::Harness;
use coord_core::{Action, Coordinator, Input, Options, ServiceId, ServiceState, Stack, Timestamp};

const CHAIN: &str = r#"
[ports.ranges]
mine = "7100-7109"

[services.api]
command = "api"
port = { range = "mine" }

[services.web]
command = "web"
port = { range = "mine" }
depends_on = { api = "required" }

[services.edge]
command = "edge"
depends_on = { web = "required" }
"#;

fn env_port(spawn: &common::SpawnRecord, key: &str) -> Option<String> {
    spawn
        .3
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

#[test]
fn a_restarted_service_keeps_its_port_and_its_dependents_keep_running() {
    let mut h = Harness::new(CHAIN);
    h.start(&[]);
    h.run_until(2_000);
    assert_eq!(h.state("edge"), ServiceState::Ready);
    let api = h.id("api");
    h.input(Input::RestartService { service: api });
    h.run_until(4_000);
    let ports: Vec<Option<u16>> = h.spawns("api").iter().map(|s| s.2).collect();
    assert_eq!(ports, vec![Some(7100), Some(7100)]);
    assert_eq!(
        h.spawns("web").len(),
        1,
        "web still holds the right address"
    );
    assert_eq!(h.state("web"), ServiceState::Ready);
}

#[test]
fn a_service_that_must_move_restarts_the_dependents_holding_its_old_address() {
    let mut h = Harness::new(CHAIN);
    h.start(&[]);
    h.run_until(2_000);
    assert_eq!(
        env_port(&h.spawns("web")[0], "API_PORT").as_deref(),
        Some("7100")
    );
    // Something outside takes api's port while api restarts: api must move.
    h.outsiders.insert(7100);
    let api = h.id("api");
    h.input(Input::RestartService { service: api });
    h.run_until(6_000);
    let api_port = h.spawns("api").last().unwrap().2;
    assert_ne!(api_port, Some(7100));
    let api_port = api_port.unwrap();
    // web was restarted, told why, and now holds api's new address.
    let why = h
        .log
        .iter()
        .find_map(|l| match &l.command {
            Action::Transition(t) if t.name == "web" && t.to == ServiceState::Restarting => {
                Some(t.reason.clone())
            }
            _ => None,
        })
        .expect("web was restarted");
    assert_eq!(
        why,
        format!("dependency api moved from port 7100 to {api_port}")
    );
    let web = h.spawns("web");
    assert_eq!(web.len(), 2);
    assert_eq!(
        env_port(&web[1], "API_PORT"),
        Some(api_port.to_string()),
        "web's new process has api's new address"
    );
    assert!(
        web[1].0 >= h.first("api", "ready").unwrap(),
        "web restarted after api was ready again"
    );
    // The cascade stops where no address changed: web kept its own port, so edge keeps running.
    assert_eq!(web[0].2, web[1].2);
    assert_eq!(h.spawns("edge").len(), 1);
    assert_eq!(h.state("web"), ServiceState::Ready);
    assert_eq!(h.state("edge"), ServiceState::Ready);
}

#[test]
fn an_expired_reservation_is_released_in_its_owners_name() {
    let toml = r#"
[coordination]
readiness_timeout = "2s"

[ports.ranges]
mine = "7100-7109"

[services.api]
command = "api"
port = { range = "mine" }
"#;
    let stack = Stack::parse("test.toml", toml).unwrap();
    let mut c = Coordinator::new(stack, Options::default(), Timestamp(0));
    c.handle_input(Timestamp(0), Input::Start { services: vec![] });
    let mut log = Vec::new();
    // The spawn is never answered (a driver that hangs): only the timers move on.
    for _ in 0..1_000 {
        while let Some(cmd) = c.poll_command() {
            log.push(cmd);
        }
        match c.poll_timeout() {
            Some(t) if t.as_millis() <= 60_000 => c.handle_timeout(t),
            _ => break,
        }
    }
    let spawn = log
        .iter()
        .find_map(|cmd| match cmd {
            Action::Spawn {
                generation, port, ..
            } => Some((*generation, *port)),
            _ => None,
        })
        .expect("api spawned");
    let releases: Vec<&Action> = log
        .iter()
        .filter(|cmd| matches!(cmd, Action::ReleasePort { .. }))
        .collect();
    assert_eq!(
        releases,
        vec![&Action::ReleasePort {
            service: ServiceId::from_index(0),
            generation: spawn.0,
            port: spawn.1.unwrap(),
        }],
        "the ledger's expiry tells the driver, naming the owner"
    );
}

#[test]
fn the_core_fills_in_the_url_and_the_state_recorded_after_the_run() {
    let toml = r#"
[ports.ranges]
mine = "7100-7109"

[services.api]
command = "api"
port = { range = "mine" }
url = "postgres://$HOST:$PORT/app"
"#;
    let mut h = Harness::new(toml);
    h.start(&[]);
    h.run_until(1_000);
    let status = h.c.status(Timestamp(h.now));
    assert_eq!(
        status.services[0].url.as_deref(),
        Some("postgres://127.0.0.1:7100/app")
    );
    assert_eq!(ServiceState::Ready.name_after_run(), "stopped");
    assert_eq!(ServiceState::Failed("x".into()).name_after_run(), "failed");
}
