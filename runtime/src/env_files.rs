//! Reading the env files a stack names (dotenv syntax, as the `dotenvy` crate reads it) and
//! coord's own environment, for the core to resolve the stack's environment at load. The core
//! decides what a missing or unreadable file means; this only reports what it found.

use coord_core::stack::{EnvFileContent, EnvInputs, EnvPlan};
use std::path::Path;

/// coord's environment and the content of every env file of `plan`, paths relative to `dir`
/// (the stack file's directory).
pub fn read(plan: &EnvPlan, dir: &Path) -> EnvInputs {
    let process = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let files = plan
        .files()
        .into_iter()
        .map(|f| (f.path.clone(), read_file(&dir.join(&f.path))))
        .collect();
    EnvInputs { process, files }
}

/// One env file's variables, in file order.
pub fn read_file(path: &Path) -> EnvFileContent {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return EnvFileContent::Missing,
        Err(e) => return EnvFileContent::Unreadable(e.to_string()),
        Ok(meta) if meta.is_dir() => {
            return EnvFileContent::Unreadable("it is a directory".to_string());
        }
        Ok(_) => {}
    }
    let iter = match dotenvy::from_path_iter(path) {
        Ok(iter) => iter,
        Err(e) => return EnvFileContent::Unreadable(e.to_string()),
    };
    let mut vars = Vec::new();
    for item in iter {
        match item {
            Ok(pair) => vars.push(pair),
            Err(e) => return EnvFileContent::Unreadable(describe(&e)),
        }
    }
    EnvFileContent::Loaded(vars)
}

/// dotenvy's error in a sentence (its line-parse error holds the offending text and index).
fn describe(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(line, index) => {
            format!("cannot parse `{line}` (at character {})", index + 1)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_syntax_missing_files_and_bad_lines() {
        let dir = std::env::temp_dir().join(format!("coord-env-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join(".env");
        std::fs::write(
            &good,
            "# comment\nexport A=1\nB=\"two words\"\nC='single $A'\n\nD=${A}x\n",
        )
        .unwrap();
        let EnvFileContent::Loaded(vars) = read_file(&good) else {
            panic!("loads");
        };
        let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("two words"));
        assert_eq!(get("C"), Some("single $A"));
        assert_eq!(get("D"), Some("1x"));
        assert_eq!(read_file(&dir.join("nope")), EnvFileContent::Missing);
        let bad = dir.join("bad.env");
        std::fs::write(&bad, "OK=1\nnot a line\n").unwrap();
        assert!(matches!(read_file(&bad), EnvFileContent::Unreadable(_)));
        assert!(matches!(read_file(&dir), EnvFileContent::Unreadable(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
