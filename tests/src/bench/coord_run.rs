//! One measured `coord run`: time to the startup summary, readiness latencies from the toys'
//! timestamps, coord's peak RSS, and the ordered stop after SIGINT.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use super::scenario::Svc;
use crate::harness::coord::is_summary;
use crate::harness::events::Event;
use crate::harness::testdir::TestDir;
use crate::harness::{PATIENCE, bins, procs};

/// What one coord run measured.
#[derive(Debug, Clone)]
pub struct CoordMeasure {
    /// From spawning `coord run` to reading its startup summary line.
    pub all_ready: Duration,
    /// The summary line itself.
    pub summary: String,
    /// Per dependent: its dependencies' last readiness (port open for tcp services, the toy's
    /// `ready` for http ones) -> the dependent spawned, in ms.
    pub ready_to_dependent_ms: Vec<f64>,
    /// Per service: its readiness (port open for tcp services, the toy's `ready` for http ones)
    /// -> coord's `NAME: starting -> ready` line read from its output, in ms. An upper bound of
    /// how long coord took to see the service ready.
    pub ready_seen_ms: Vec<f64>,
    /// Per service: coord's `NAME: waiting -> starting` line -> the toy's first event, in ms
    /// (the cost of spawning through coord, supervisor included).
    pub spawn_ms: Vec<f64>,
    /// coord's own peak resident set (VmHWM), in KiB.
    pub peak_rss_kib: Option<u64>,
    /// From SIGINT to coord's exit.
    pub stop: Duration,
    /// coord's exit code.
    pub exit_code: Option<i32>,
}

/// Runs coord on `svcs` in `dir`; Err with coord's output if it never reported startup.
pub fn run(dir: &TestDir, svcs: &[Svc]) -> Result<CoordMeasure, String> {
    let stack = dir.write("coord.toml", &super::scenario::stack_file(dir, svcs));
    let t0 = Instant::now();
    let mut child = Command::new(bins::coord())
        .args(["run", "-f"])
        .arg(&stack)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start coord: {e}"))?;
    let pid = child.id();
    let (tx, rx) = channel();
    for pipe in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = tx.send((Instant::now(), epoch_us(), line));
            }
        });
    }
    drop(tx);
    let mut transcript = Vec::new();
    let (ready_at, summary) = loop {
        match rx.recv_timeout(PATIENCE) {
            Ok((at, _, line)) if is_summary(&line) => break (at, line),
            Ok((_, t_us, line)) => transcript.push((t_us, line)),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let lines: Vec<&str> = transcript.iter().map(|(_, l)| l.as_str()).collect();
                return Err(format!("no startup summary:\n{}", lines.join("\n")));
            }
        }
    };
    let mut peak = vm_hwm_kib(pid);
    let t_int = Instant::now();
    procs::signal(pid, rustix::process::Signal::INT);
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        peak = vm_hwm_kib(pid).or(peak);
        if t_int.elapsed() > PATIENCE {
            let _ = child.kill();
            return Err("coord did not stop".into());
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    let stop = t_int.elapsed();
    let _ = procs::wait_all_gone(&dir.events().pids(), PATIENCE);
    let events = dir.events().read();
    Ok(CoordMeasure {
        all_ready: ready_at - t0,
        summary,
        ready_to_dependent_ms: latencies(&events, svcs),
        ready_seen_ms: ready_seen(&events, svcs, &transcript),
        spawn_ms: spawn_cost(&events, svcs, &transcript),
        peak_rss_kib: peak,
        stop,
        exit_code: status.code(),
    })
}

/// For each service with dependencies: its first `start` minus the latest readiness among its
/// dependencies (`listening` for tcp services, `ready` for http ones), in ms.
pub fn latencies(events: &[Event], svcs: &[Svc]) -> Vec<f64> {
    let when = |name: &str, event: &str| {
        events
            .iter()
            .find(|e| e.name == name && e.event == event)
            .map(Event::t_us)
    };
    svcs.iter()
        .filter(|s| !s.deps.is_empty())
        .filter_map(|s| {
            let start = when(&s.name, "start")?;
            let mut latest = 0;
            for d in &s.deps {
                let dep = svcs.iter().find(|x| &x.name == d)?;
                latest = latest.max(when(d, if dep.http { "ready" } else { "listening" })?);
            }
            Some(start.saturating_sub(latest) as f64 / 1000.0)
        })
        .collect()
}

/// For each service: when coord's `NAME: starting -> ready` line arrived minus when the service
/// became ready (`listening` for tcp services, `ready` for http ones), in ms.
pub fn ready_seen(events: &[Event], svcs: &[Svc], lines: &[(u64, String)]) -> Vec<f64> {
    let re = regex::Regex::new(r"([A-Za-z0-9_-]+): starting -> ready").expect("valid regex");
    svcs.iter()
        .filter_map(|s| {
            let event = if s.http { "ready" } else { "listening" };
            let became = events
                .iter()
                .find(|e| e.name == s.name && e.event == event)?
                .t_us();
            let seen = lines.iter().find_map(|(t, l)| {
                let c = re.captures(l)?;
                (c.get(1)?.as_str() == s.name).then_some(*t)
            })?;
            Some(seen.saturating_sub(became) as f64 / 1000.0)
        })
        .collect()
}

/// For each service: its toy's `start` minus the arrival of coord's `NAME: ... -> starting`
/// line, in ms (negative values, when the line arrived after the toy started, count as 0).
pub fn spawn_cost(events: &[Event], svcs: &[Svc], lines: &[(u64, String)]) -> Vec<f64> {
    let re = regex::Regex::new(r"([A-Za-z0-9_-]+): \w+ -> starting").expect("valid regex");
    svcs.iter()
        .filter_map(|s| {
            let started = events
                .iter()
                .find(|e| e.name == s.name && e.event == "start")?
                .t_us();
            let logged = lines.iter().find_map(|(t, l)| {
                let c = re.captures(l)?;
                (c.get(1)?.as_str() == s.name).then_some(*t)
            })?;
            Some(started.saturating_sub(logged) as f64 / 1000.0)
        })
        .collect()
}

fn epoch_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// `VmHWM` of `pid` in KiB, while it runs.
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
