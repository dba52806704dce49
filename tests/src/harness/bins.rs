//! Locating (and building, once per test process) the `coord` and `toy-service` binaries.
//!
//! `CARGO_BIN_EXE_coord` only exists inside coord's own package, so the tests find the binaries
//! in the target directory next to the test executable (`target/<profile>/deps/<test>` ->
//! `target/<profile>/`). To never test a stale binary, the first call runs
//! `cargo build -p coord --bin coord -p coord-tests --bin toy-service` for that same profile and
//! target directory (a no-op when they are up to date). Set `COORD_TESTS_NO_BUILD=1` to skip that
//! step (e.g. when the binaries were built by `cargo build --workspace --bins`), or `COORD_BIN` /
//! `TOY_BIN` to point at other binaries.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The directory holding the binaries of the profile the tests were built with.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    let deps = exe
        .parent()
        .expect("the test executable lies in a directory");
    let dir = if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().expect("deps/ has a parent")
    } else {
        deps
    };
    dir.to_path_buf()
}

/// Path of the `coord` binary, built first if needed.
pub fn coord() -> PathBuf {
    binary("COORD_BIN", "coord")
}

/// Path of the `toy-service` binary, built first if needed.
pub fn toy() -> PathBuf {
    binary("TOY_BIN", "toy-service")
}

fn binary(var: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    ensure_built();
    let path = profile_dir().join(name);
    assert!(
        path.is_file(),
        "{} does not exist: build it with `cargo build --workspace --bins`",
        path.display()
    );
    path
}

fn ensure_built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        if std::env::var_os("COORD_TESTS_NO_BUILD").is_some() {
            return;
        }
        let dir = profile_dir();
        build(&dir).unwrap_or_else(|e| panic!("building the binaries failed: {e}"));
    });
}

fn build(profile_dir: &Path) -> Result<(), String> {
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".to_string(),
        Some(other) => other.to_string(),
        None => return Err("unknown target layout".into()),
    };
    let target_dir = profile_dir.parent().ok_or("unknown target layout")?;
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "--profile", &profile])
        .args([
            "-p",
            "coord",
            "--bin",
            "coord",
            "-p",
            "coord-tests",
            "--bin",
            "toy-service",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo build exited with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
