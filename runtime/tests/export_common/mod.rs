//! Shared by the export tests: the fixtures they export, loaded and planned as the CLI does.

#![allow(dead_code)]

use coord::export::{Notes, OutputFile, Plan};
use coord_core::Stack;
use std::path::{Path, PathBuf};

/// The stacks every export test covers, relative to the workspace root.
pub const FIXTURES: &[&str] = &[
    "fixtures/demo.toml",
    "fixtures/netra.toml",
    "fixtures/export/every_kind.toml",
    "fixtures/export/env_files/shop.toml",
];

/// The stack whose variables come partly from env files holding fake secrets.
pub const ENV_FILES: &str = "fixtures/export/env_files/shop.toml";

/// The working directory the systemd goldens pretend the stack file is in.
pub const STACK_DIR: &str = "/srv/stack";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The validated stack of `fixture`, with its env files read and applied, as the CLI loads it.
pub fn stack(fixture: &str) -> Stack {
    coord::load::parse_file(&root().join(fixture))
        .unwrap_or_else(|e| panic!("{fixture}: {}", e.message))
        .stack
}

/// The Kubernetes export of the whole stack: its files and the report.
pub fn kubernetes(stack: &Stack, fixture: &str) -> (Vec<OutputFile>, String) {
    let plan = Plan::new(stack, Path::new(fixture), &[]).expect("plan");
    let mut notes = Notes::default();
    let files = coord::export::kubernetes::export(&plan, &mut notes).expect("exportable");
    let report = notes.render("kubernetes", &plan);
    (files, report)
}

/// The systemd export of the whole stack, as if the stack file were in `dir`.
pub fn systemd(stack: &Stack, fixture: &str, dir: &Path) -> (Vec<OutputFile>, String) {
    let plan = Plan::new(stack, Path::new(fixture), &[]).expect("plan");
    let mut notes = Notes::default();
    let files = coord::export::systemd::export(&plan, dir, &mut notes);
    let report = notes.render("systemd", &plan);
    (files, report)
}

/// A label for snapshot names: `fixtures/export/every_kind.toml` -> `every_kind`.
pub fn label(fixture: &str) -> String {
    Path::new(fixture)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// A fresh, empty directory under the system's temporary directory.
pub fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("coord-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes `files` into `dir`; returns their paths.
pub fn write(dir: &Path, files: &[OutputFile]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|f| {
            let path = dir.join(&f.name);
            std::fs::write(&path, &f.text).expect("write");
            path
        })
        .collect()
}
