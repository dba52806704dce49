//! One test's private world: a fresh directory for its stack file, registry and events file, and
//! a block of free ports. On drop, every toy process the test saw that is still alive is killed
//! (hygiene after a failed test) and the directory is removed unless the test failed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::events::EventLog;
use super::ports::PortBlock;
use super::{bins, procs};

/// A test's directory, events file and ports.
#[derive(Debug)]
pub struct TestDir {
    path: PathBuf,
    events: EventLog,
    ports: PortBlock,
}

impl TestDir {
    /// A new, empty directory named after the test, under the system's temp dir.
    pub fn new(test: &str) -> TestDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "coord-e2e-{test}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the test directory");
        let events = EventLog::new(&path.join("events.log"));
        TestDir {
            path,
            events,
            ports: PortBlock::take(),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the directory (for `--ready-when-exists` gates and the like).
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Creates an empty file `name` (opens a gate).
    pub fn touch(&self, name: &str) {
        std::fs::write(self.file(name), b"").expect("create a gate file");
    }

    /// Writes `text` as `name` in the directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.file(name);
        std::fs::write(&p, text).expect("write a file in the test directory");
        p
    }

    /// The toy services' events.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The test's free ports.
    pub fn ports(&self) -> &PortBlock {
        &self.ports
    }

    /// A TOML array running the toy service as `name`, reporting to this test's events file,
    /// with `args` added: `["/…/toy-service", "--name", "db", "--events", "/…/events.log", …]`.
    pub fn toy(&self, name: &str, args: &[&str]) -> String {
        toml_array(&self.toy_argv(name, args))
    }

    /// The same command as one shell command line (each word quoted), for `sh -c` commands.
    pub fn toy_shell(&self, name: &str, args: &[&str]) -> String {
        let words: Vec<String> = self
            .toy_argv(name, args)
            .iter()
            .map(|w| sh_quote(w))
            .collect();
        words.join(" ")
    }

    /// The argv of [`TestDir::toy`].
    pub fn toy_argv(&self, name: &str, args: &[&str]) -> Vec<String> {
        let mut argv = vec![
            bins::toy().to_string_lossy().into_owned(),
            "--name".into(),
            name.into(),
            "--events".into(),
            self.events.path().to_string_lossy().into_owned(),
        ];
        argv.extend(args.iter().map(|a| a.to_string()));
        argv
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        for pid in self.events.pids() {
            if procs::alive(pid) {
                procs::signal(pid, rustix::process::Signal::KILL);
            }
        }
        if std::thread::panicking() || std::env::var_os("COORD_TESTS_KEEP").is_some() {
            eprintln!(
                "test directory kept for inspection: {}",
                self.path.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// `s` as a TOML basic string, quotes included.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` quoted for `sh` (single quotes; a single quote inside becomes `'\''`).
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `items` as a TOML array of strings.
pub fn toml_array<S: AsRef<str>>(items: &[S]) -> String {
    let inner: Vec<String> = items.iter().map(|s| toml_str(s.as_ref())).collect();
    format!("[{}]", inner.join(", "))
}

/// Copies the directory `from` (recursively) into `to`: a fixture directory into a test's own.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a fixture directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a fixture");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_str(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_str("x\ny"), r#""x\ny""#);
        assert_eq!(toml_array(&["a", "b c"]), r#"["a", "b c"]"#);
        assert_eq!(sh_quote("it's"), r#"'it'\''s'"#);
    }
}
