//! The README's "How coord decides" section names, for each rule, the one file that decides it.
//! These tests keep the section and the tree together: every file it names exists, and every
//! rule paragraph names at least one.

use std::path::{Path, PathBuf};

/// The repository's root (the workspace holding this crate).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ lives in the workspace root")
        .to_path_buf()
}

/// The text of the "How coord decides" section, up to the next second-level heading.
fn section() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("## How coord decides")
        .expect("the README has a \"How coord decides\" section");
    let rest = &readme[start + 2..];
    let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
    rest[..end].to_string()
}

/// Every `code span` of `text` that names a path of the repository (`core/src/...`,
/// `runtime/src/...`, ...).
fn pointers(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| {
            ["core/", "runtime/", "sim/", "tests/"]
                .iter()
                .any(|top| span.starts_with(top))
                && !span.contains(' ')
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_file_the_section_names_exists() {
    let named = pointers(&section());
    assert!(
        named.len() >= 30,
        "the section names only {} files: {named:?}",
        named.len()
    );
    let missing: Vec<&String> = named.iter().filter(|p| !root().join(p).exists()).collect();
    assert!(
        missing.is_empty(),
        "README \"How coord decides\" names files that do not exist (moved? update the pointer): {missing:?}"
    );
}

#[test]
fn every_rule_paragraph_names_the_file_that_decides_it() {
    // A rule paragraph starts with a bold title (`**Ports.**`) and runs to the next one.
    let text = section();
    let mut titles = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("**").and_then(|l| l.split("**").next()) {
            titles.push(title.to_string());
            bodies.push(String::new());
        }
        if let Some(body) = bodies.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    assert!(titles.len() >= 10, "rule paragraphs found: {titles:?}");
    let silent: Vec<&String> = titles
        .iter()
        .zip(&bodies)
        .filter(|(_, body)| pointers(body).is_empty())
        .map(|(title, _)| title)
        .collect();
    assert!(
        silent.is_empty(),
        "rule paragraphs that name no deciding file: {silent:?}"
    );
}
