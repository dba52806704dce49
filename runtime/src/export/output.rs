//! Where an export goes: one file each into a directory, or everything on stdout.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// One exported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Its name inside the output directory.
    pub name: String,
    /// Its content.
    pub text: String,
    /// Whether it holds secrets (values from env files): written with mode 0600 into a
    /// directory.
    pub private: bool,
}

/// The `-o` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `-o -`: every file on stdout, each after a `# NAME` comment line (valid in YAML and in
    /// unit files alike).
    Stdout,
    /// `-o DIR`: one file each (the directory is created if needed).
    Dir(PathBuf),
}

impl Output {
    /// `-` is stdout, anything else a directory.
    pub fn parse(text: &str) -> Output {
        if text == "-" {
            Output::Stdout
        } else {
            Output::Dir(PathBuf::from(text))
        }
    }

    /// Writes the files.
    pub fn write(&self, files: &[OutputFile]) -> std::io::Result<()> {
        match self {
            Output::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(stdout_text(files).as_bytes())?;
                out.flush()
            }
            Output::Dir(dir) => {
                std::fs::create_dir_all(dir)?;
                for file in files {
                    write_file(&dir.join(&file.name), file)?;
                }
                Ok(())
            }
        }
    }
}

/// Writes one file, never through a symbolic link (a link in the output directory could point
/// anywhere, and a private file's secrets must not follow it); a private one is created with mode
/// 0600, and an existing one is narrowed to 0600 before its content is written.
fn write_file(path: &Path, file: &OutputFile) -> std::io::Result<()> {
    let mode = if file.private { 0o600 } else { 0o644 };
    let mut out = crate::safe_fs::create_output(path, mode, true)?;
    if file.private {
        out.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    out.write_all(file.text.as_bytes())?;
    out.flush()
}

/// The files as one text: YAML files become documents of one stream (`---` between them), unit
/// files follow each other; each starts with a `# NAME` comment.
pub fn stdout_text(files: &[OutputFile]) -> String {
    let mut text = String::new();
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            text.push_str(if file.name.ends_with(".yaml") {
                "---\n"
            } else {
                "\n"
            });
        }
        text.push_str(&format!("# {}\n", file.name));
        text.push_str(&file.text);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_written_for_their_owner_only() {
        let dir = std::env::temp_dir().join(format!("coord-output-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // An existing, world-readable file is narrowed too.
        std::fs::write(dir.join("a.env"), "old").unwrap();
        std::fs::set_permissions(dir.join("a.env"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let files = [
            OutputFile {
                name: "a.env".into(),
                text: "TOKEN=t\n".into(),
                private: true,
            },
            OutputFile {
                name: "a.service".into(),
                text: "[Unit]\n".into(),
                private: false,
            },
        ];
        Output::Dir(dir.clone()).write(&files).unwrap();
        let mode = |name: &str| {
            std::fs::metadata(dir.join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("a.env"), 0o600);
        assert_ne!(mode("a.service") & 0o044, 0, "a unit stays readable");
        assert_eq!(
            std::fs::read_to_string(dir.join("a.env")).unwrap(),
            "TOKEN=t\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_link_in_the_output_directory_is_never_written_through() {
        let dir = std::env::temp_dir().join(format!("coord-output-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("elsewhere");
        std::fs::write(&target, "precious").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&target, dir.join("a.env")).unwrap();
        let files = [OutputFile {
            name: "a.env".into(),
            text: "TOKEN=t\n".into(),
            private: true,
        }];
        let err = Output::Dir(dir.clone()).write(&files).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "the link's target keeps its mode");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
