//! The hand-written lower bound: start each service the moment its dependencies are ready (in
//! topological order, no limit on parallel starts), give it the same environment coord would, and
//! poll its readiness every 1 ms. No coordinator can beat this by much on the same machine.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::scenario::Svc;
use crate::harness::testdir::TestDir;
use crate::harness::{bins, procs};

/// What one lower-bound run measured.
#[derive(Debug, Clone)]
pub struct BoundRun {
    /// From the first spawn to the last service seen ready.
    pub all_ready: Duration,
    /// Same measure as [`super::coord_run::CoordMeasure::ready_to_dependent_ms`].
    pub ready_to_dependent_ms: Vec<f64>,
}

#[derive(Default)]
struct State {
    ready: BTreeMap<String, u16>,
    children: Vec<Child>,
}

/// Runs `svcs` by hand on ports 16.. of `dir`'s block and stops them again.
pub fn run(dir: &TestDir, svcs: &[Svc]) -> BoundRun {
    let toy = bins::toy();
    let state = Arc::new((Mutex::new(State::default()), Condvar::new()));
    let t0 = Instant::now();
    let handles: Vec<_> = svcs
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let svc = svc.clone();
            let state = state.clone();
            let port = dir.ports().port(16 + i as u16);
            let mut cmd = Command::new(&toy);
            cmd.args(["--name", &svc.name, "--events"])
                .arg(dir.events().path())
                .args(&svc.args)
                .env("PORT", port.to_string())
                .stdout(Stdio::null());
            std::thread::spawn(move || start_when_ready(&svc, port, cmd, &state))
        })
        .collect();
    for h in handles {
        h.join().expect("a lower-bound thread panicked");
    }
    let all_ready = t0.elapsed();
    let (lock, _) = &*state;
    let mut st = lock.lock().unwrap();
    for c in st.children.iter_mut() {
        procs::signal(c.id(), rustix::process::Signal::KILL);
        let _ = c.wait();
    }
    let events = dir.events().read();
    BoundRun {
        all_ready,
        ready_to_dependent_ms: super::coord_run::latencies(&events, svcs),
    }
}

fn start_when_ready(svc: &Svc, port: u16, mut cmd: Command, state: &(Mutex<State>, Condvar)) {
    let (lock, cvar) = state;
    {
        let mut st = lock.lock().unwrap();
        while !svc.deps.iter().all(|d| st.ready.contains_key(d)) {
            st = cvar.wait(st).unwrap();
        }
        for d in &svc.deps {
            let p = st.ready[d];
            let upper = d.to_uppercase();
            cmd.env(format!("{upper}_HOST"), "127.0.0.1")
                .env(format!("{upper}_PORT"), p.to_string())
                .env(format!("{upper}_URL"), format!("http://127.0.0.1:{p}"));
        }
        st.children.push(cmd.spawn().expect("spawn a toy"));
    }
    while !probe(port, svc.http) {
        std::thread::sleep(Duration::from_millis(1));
    }
    lock.lock().unwrap().ready.insert(svc.name.clone(), port);
    cvar.notify_all();
}

/// One readiness probe: tcp connect, or `GET /health` answered 200.
pub fn probe(port: u16, http: bool) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    if !http {
        return true;
    }
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
