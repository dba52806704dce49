//! Where an export goes: one file each into a directory, or everything on stdout.

use std::io::Write;
use std::path::PathBuf;

/// One exported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Its name inside the output directory.
    pub name: String,
    /// Its content.
    pub text: String,
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
                    std::fs::write(dir.join(&file.name), &file.text)?;
                }
                Ok(())
            }
        }
    }
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
