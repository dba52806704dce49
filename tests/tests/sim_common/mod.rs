//! Shared by the simulator's snapshot, scenario and sweep tests (included with `mod`).

#![allow(dead_code)]

use coord_core::stack::Stack;
use std::path::{Path, PathBuf};

/// The workspace's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Parses `fixtures/<name>`, labelled as the CLI would print it.
pub fn fixture(name: &str) -> Stack {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    Stack::parse(&format!("fixtures/{name}"), &text).expect("valid fixture")
}

/// Every valid stack file directly under `fixtures/` (the invalid ones live in a subdirectory),
/// by name, sorted.
pub fn valid_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
}
