//! coord's own files and directories: a link planted in place of `.coord`, the runtime directory
//! or a log file is never followed (refused with a clear message, or replaced for a log file);
//! another user's `.coord` is refused; two stack files in one directory run side by side.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::testdir::TestDir;
use coord_tests::harness::{PATIENCE, bins};

/// How a refused `coord run` ended: its exit code and its stderr.
struct Refused {
    code: Option<i32>,
    stderr: String,
}

/// Runs `coord run -f FILE` with `env` set (and `unset` removed), expecting it to exit on its
/// own; kills it and reports no code if it is still running after [`PATIENCE`].
fn run_to_exit(dir: &TestDir, file: &Path, env: &[(&str, &Path)], unset: &[&str]) -> Refused {
    let err_path = dir.file("coord.stderr");
    let mut cmd = Command::new(bins::coord());
    cmd.args(["run", "-f"])
        .arg(file)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("create the stderr file"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    let mut child = cmd.spawn().expect("start coord");
    let deadline = Instant::now() + PATIENCE;
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for coord") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Refused {
        code,
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

fn one_toy_stack(dir: &TestDir, file: &str, port: u16) -> std::path::PathBuf {
    let stack = format!(
        "[services.api]\ncommand = {}\nport = {port}\n",
        dir.toy("api", &[])
    );
    dir.write(file, &stack)
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// A directory of mode 0755 holding one file, standing for someone else's directory.
fn victim(dir: &TestDir, name: &str) -> std::path::PathBuf {
    let v = dir.file(name);
    std::fs::create_dir(&v).unwrap();
    std::fs::write(v.join("theirs"), "keep").unwrap();
    std::fs::set_permissions(&v, std::fs::Permissions::from_mode(0o755)).unwrap();
    v
}

fn assert_untouched(v: &Path) {
    assert_eq!(mode(v), 0o755, "the link's target was chmod'ed");
    let names: Vec<_> = std::fs::read_dir(v)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["theirs"], "coord wrote into the link's target");
}

#[test]
fn a_coord_dir_that_is_a_symlink_is_refused_and_its_target_untouched() {
    let dir = TestDir::new("coord-dir-symlink");
    let file = one_toy_stack(&dir, "coord.toml", dir.ports().port(0));
    let target = victim(&dir, "victim");
    std::os::unix::fs::symlink(&target, dir.file(".coord")).unwrap();
    let out = run_to_exit(&dir, &file, &[], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains(".coord is a symbolic link"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("help: remove it"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert_untouched(&target);
}

#[test]
fn a_coord_dir_of_another_user_is_refused_by_name() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to give .coord to another user");
        return;
    }
    let dir = TestDir::new("coord-dir-foreign");
    let file = one_toy_stack(&dir, "coord.toml", dir.ports().port(0));
    let coord_dir = dir.file(".coord");
    std::fs::create_dir(&coord_dir).unwrap();
    std::fs::set_permissions(&coord_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::chown(&coord_dir, Some(65534), Some(65534)).unwrap();
    let out = run_to_exit(&dir, &file, &[], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(".coord belongs to another user (uid 65534)"),
        "{}",
        out.stderr
    );
    let meta = std::fs::metadata(&coord_dir).unwrap();
    assert_eq!((meta.uid(), mode(&coord_dir)), (65534, 0o777));
    assert_eq!(std::fs::read_dir(&coord_dir).unwrap().count(), 0);
}

#[test]
fn a_runtime_dir_that_is_a_symlink_is_refused_and_its_target_untouched() {
    let dir = TestDir::new("runtime-dir-symlink");
    let file = one_toy_stack(&dir, "coord.toml", dir.ports().port(0));

    // $XDG_RUNTIME_DIR/coord planted as a link.
    let xdg = dir.file("xdg");
    std::fs::create_dir(&xdg).unwrap();
    let target = victim(&dir, "victim-xdg");
    std::os::unix::fs::symlink(&target, xdg.join("coord")).unwrap();
    let out = run_to_exit(&dir, &file, &[("XDG_RUNTIME_DIR", &xdg)], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("coord is a symbolic link"),
        "{}",
        out.stderr
    );
    assert_untouched(&target);

    // Without XDG_RUNTIME_DIR: <tmp>/coord-<uid> planted as a link.
    let tmp = dir.file("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let target = victim(&dir, "victim-tmp");
    let uid = rustix::process::geteuid().as_raw();
    let link = tmp.join(format!("coord-{uid}"));
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run_to_exit(&dir, &file, &[("TMPDIR", &tmp)], &["XDG_RUNTIME_DIR"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("coord-{uid} is a symbolic link")),
        "{}",
        out.stderr
    );
    assert_untouched(&target);
}

#[test]
fn a_log_file_that_is_a_symlink_is_not_followed() {
    let dir = TestDir::new("log-symlink");
    let file = one_toy_stack(&dir, "coord.toml", dir.ports().port(0));
    let logs = dir.file(".coord/logs");
    std::fs::create_dir_all(&logs).unwrap();
    let secret = dir.file("secret");
    std::fs::write(&secret, "root only\n").unwrap();
    std::os::unix::fs::symlink(&secret, logs.join("api.log")).unwrap();

    let mut coord = CoordRun::run(&file);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("1/1 ready"), "{summary}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());

    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "root only\n");
    let log = logs.join("api.log");
    assert!(
        std::fs::symlink_metadata(&log).unwrap().is_file(),
        "the link was kept"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("event=start"), "{text}");
    assert_eq!(mode(&log), 0o600);
}

#[test]
fn two_stack_files_in_one_directory_run_side_by_side() {
    let dir = TestDir::new("two-stack-files");
    let a = one_toy_stack(&dir, "a.toml", dir.ports().port(0));
    let b = one_toy_stack(&dir, "b.toml", dir.ports().port(1));
    let mut first = CoordRun::run(&a);
    let summary = first
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("1/1 ready"), "{summary}");
    let mut second = CoordRun::run(&b);
    let summary = second
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}\nfirst:\n{}", first.transcript()));
    assert!(summary.contains("1/1 ready"), "{summary}");
    assert!(dir.file(".coord-a/registry.json").is_file());
    assert!(dir.file(".coord-b/registry.json").is_file());
    for coord in [&mut first, &mut second] {
        coord.interrupt();
        assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    }
}
