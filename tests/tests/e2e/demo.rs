//! The README's demo: `fixtures/demo.toml` comes up on a bare machine (sh + python3) and Ctrl-C
//! stops it cleanly.

use std::path::Path;

use coord_tests::harness::coord::{CoordRun, Pipe, is_summary};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, procs};

/// Every `"pid": N` in a JSON value.
fn pids(v: &serde_json::Value, out: &mut Vec<u32>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x.as_u64()) {
                    ("pid", Some(p)) => out.push(p as u32),
                    _ => pids(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| pids(x, out)),
        _ => {}
    }
}

#[test]
fn the_demo_stack_comes_up_and_stops_cleanly() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo.toml");
    let Ok(text) = std::fs::read_to_string(&fixture) else {
        panic!("{} is missing", fixture.display());
    };
    // A copy, so the run's .coord/ lands in the test's directory, not in fixtures/.
    let dir = TestDir::new("demo");
    let stack = dir.write("demo.toml", &text);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("5/5 ready"), "{summary}");

    let file = stack.to_string_lossy().into_owned();
    let mut status = CoordRun::start(dir.path(), &["status", "--json", "-f", &file]);
    assert_eq!(status.exit_code(PATIENCE), 0, "{}", status.transcript());
    let out = status.lines(Pipe::Out).join("\n");
    let json: serde_json::Value = serde_json::from_str(&out).expect("status --json is JSON");
    let mut running = Vec::new();
    pids(&json, &mut running);
    // database, api, web and worker run; migrate has completed.
    assert_eq!(running.len(), 4, "{out}");
    assert!(running.iter().all(|p| procs::alive(*p)), "{out}");

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    if let Err(left) = procs::wait_all_gone(&running, PATIENCE) {
        let left: Vec<String> = left.into_iter().map(procs::describe).collect();
        panic!("still running after Ctrl-C: {left:?}");
    }
}
