//! Procfile stacks: found without `-f`, entries using `$PORT` get foreman's ports (5000, 5100 by
//! entry index) unless taken, the others get no port; the `.env` beside the Procfile is loaded;
//! `coord status` finds the Procfile too.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{env_of, listening_port};
use coord_tests::harness::ports::port_is_free;
use coord_tests::harness::testdir::TestDir;

#[test]
fn a_procfile_with_port_comes_up_on_foremans_ports() {
    let dir = TestDir::new("procfile-port");
    let procfile = format!(
        "# web entries read $PORT, the worker does not\nweb: {web} --port $PORT --print-env PORT\nweb2: {web2} --port ${{PORT}} --print-env PORT\n\nworker: {worker} --print-env PORT --print-env GREETING\n",
        web = dir.toy_shell("web", &[]),
        web2 = dir.toy_shell("web2", &[]),
        worker = dir.toy_shell("worker", &[]),
    );
    dir.write("Procfile", &procfile);
    dir.write(".env", "GREETING=from-dotenv\n");
    let free = [port_is_free(5000), port_is_free(5100)];
    let mut coord = CoordRun::start(dir.path(), &["run"]);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("3/3 ready"), "{summary}");
    coord
        .wait_line(PATIENCE, |l| l == "coord: using Procfile")
        .unwrap_or_else(|t| panic!("{t}"));
    let events = dir.events().read();
    for (name, foreman, was_free) in [("web", 5000, free[0]), ("web2", 5100, free[1])] {
        let port = listening_port(&events, name).unwrap_or_else(|| panic!("{name} listens"));
        assert_eq!(
            env_of(&events, name, "PORT"),
            Some(port.to_string()),
            "{name}"
        );
        if was_free {
            // Taken between the check and the run only by a foreign process: then it moved.
            assert!(
                port == foreman || !port_is_free(foreman),
                "{name} on {port}"
            );
        }
    }
    assert_eq!(
        env_of(&events, "worker", "PORT"),
        None,
        "{}",
        dir.events().dump()
    );
    // A client finds the Procfile the same way, without `-f` and without the "using" line.
    let mut status = CoordRun::start(dir.path(), &["status"]);
    assert_eq!(status.exit_code(PATIENCE), 0, "{}", status.transcript());
    let out = status.transcript();
    assert!(out.contains("web2"), "{out}");
    assert!(!out.contains("coord: using"), "{out}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
}

#[test]
fn a_broken_procfile_exits_2_with_its_line() {
    let dir = TestDir::new("procfile-broken");
    let file = dir.write("Procfile.dev", "web: ./web\nweb ./other\n");
    let mut coord = CoordRun::start(dir.path(), &["check", "-f", &file.to_string_lossy()]);
    assert_eq!(coord.exit_code(PATIENCE), 2);
    let out = coord.transcript();
    assert!(
        out.contains("Procfile.dev:2:1: error: not a `name: command` line"),
        "{out}"
    );
}
