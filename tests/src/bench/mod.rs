//! The startup benchmark (`bench-startup`, run by `scripts/bench-startup.sh`): coord on the
//! netra graph against a hand-written lower bound in the same run, readiness latency after a port
//! opens, coord's peak RSS, and the ordered stop. Prints a table; nothing here is a test.

pub mod coord_run;
pub mod lower_bound;
pub mod scenario;
pub mod stats;

use coord_run::CoordMeasure;
use stats::{fmt_ms, median, ms};

use crate::harness::testdir::TestDir;

/// Realistic readiness delays: database, redis, auth, backend, frontend.
pub const REALISTIC: [u32; 5] = [400, 100, 300, 500, 200];

/// Runs the benchmark with `runs` repetitions per scenario and prints the table.
pub fn main() {
    let runs: usize = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    println!("coord startup benchmark, {runs} runs per scenario (medians)\n");
    let mut rows = Vec::new();
    let mut netra: Vec<CoordMeasure> = Vec::new();
    let mut bound_http_lat = Vec::new();
    for (label, delays) in [
        ("netra, ready at once", [0; 5]),
        ("netra, realistic delays", REALISTIC),
    ] {
        let svcs = scenario::netra(delays);
        let (mut c, mut b) = (Vec::new(), Vec::new());
        for i in 0..runs {
            // Alternate which goes first so neither always runs on a warmer machine.
            // Separate directories: each run reads its own events file.
            let bound = || lower_bound::run(&TestDir::new("bench-bound"), &svcs);
            let measure = || coord_run::run(&TestDir::new("bench-coord"), &svcs);
            let (m, lb) = if i % 2 == 0 {
                let m = measure();
                (m, bound())
            } else {
                let lb = bound();
                (measure(), lb)
            };
            match m {
                Ok(m) => {
                    c.push(ms(m.all_ready));
                    netra.push(m);
                }
                Err(e) => eprintln!("{label}: coord run failed: {e}"),
            }
            b.push(ms(lb.all_ready));
            bound_http_lat.extend(lb.ready_to_dependent_ms);
        }
        rows.push((label, median(&c), median(&b)));
    }

    // Readiness latency: a chain of services whose ports open after various delays.
    let chain = scenario::chain(9, &[50, 120, 250, 400, 10, 700]);
    let mut lat = Vec::new();
    let mut chains: Vec<CoordMeasure> = Vec::new();
    let mut bound_lat = Vec::new();
    for _ in 0..runs.div_ceil(2) {
        let dir = TestDir::new("bench-chain");
        match coord_run::run(&dir, &chain) {
            Ok(m) => {
                lat.extend(m.ready_to_dependent_ms.iter().copied());
                chains.push(m);
            }
            Err(e) => eprintln!("chain: coord run failed: {e}"),
        }
        bound_lat.extend(
            lower_bound::run(&TestDir::new("bench-chain-bound"), &chain).ready_to_dependent_ms,
        );
    }

    println!("| measure | coord | hand-written bound | target |");
    println!("|---|---|---|---|");
    for (label, c, b) in &rows {
        println!(
            "| {label}: `coord run` -> all ready | {} | {} | coord <= bound |",
            fmt_ms(*c),
            fmt_ms(*b)
        );
    }
    let seen_tcp: Vec<f64> = chains
        .iter()
        .flat_map(|m| m.ready_seen_ms.iter().copied())
        .collect();
    let seen_http: Vec<f64> = netra
        .iter()
        .flat_map(|m| m.ready_seen_ms.iter().copied())
        .collect();
    println!(
        "| port open -> coord logs `ready` (tcp, {} samples) | {} | | <= 10 ms |",
        seen_tcp.len(),
        fmt_ms(median(&seen_tcp))
    );
    println!(
        "| /health turns 200 -> coord logs `ready` (http, {} samples) | {} | | |",
        seen_http.len(),
        fmt_ms(median(&seen_http))
    );
    println!(
        "| port open -> dependent spawned (tcp readiness, {} samples) | {} | {} | |",
        lat.len(),
        fmt_ms(median(&lat)),
        fmt_ms(median(&bound_lat))
    );
    let http_lat: Vec<f64> = netra
        .iter()
        .flat_map(|m| m.ready_to_dependent_ms.iter().copied())
        .collect();
    println!(
        "| /health turns 200 -> dependent spawned (netra runs, {} samples) | {} | {} | |",
        http_lat.len(),
        fmt_ms(median(&http_lat)),
        fmt_ms(median(&bound_http_lat))
    );
    let all: Vec<&CoordMeasure> = netra.iter().chain(&chains).collect();
    let spawn: Vec<f64> = all
        .iter()
        .flat_map(|m| m.spawn_ms.iter().copied())
        .collect();
    println!(
        "| coord logs `starting` -> the service's first output ({} samples) | {} | | |",
        spawn.len(),
        fmt_ms(median(&spawn))
    );
    let peak = all.iter().filter_map(|m| m.peak_rss_kib).max();
    println!(
        "| coord peak RSS (VmHWM, max over runs) | {} | | <= 6 MiB |",
        peak.map_or("n/a".into(), |k| format!("{:.2} MiB", k as f64 / 1024.0))
    );
    let stops: Vec<f64> = netra.iter().map(|m| ms(m.stop)).collect();
    println!(
        "| ordered stop of 5 services (SIGINT -> coord exited) | {} | | <= 50 ms |",
        fmt_ms(median(&stops))
    );
    let bad: Vec<_> = all.iter().filter(|m| m.exit_code != Some(0)).collect();
    if !bad.is_empty() {
        println!("\nwarning: {} runs did not exit 0 after SIGINT", bad.len());
    }
    if let Some(m) = all.first() {
        println!("\nexample summary line: {}", m.summary);
    }
}
