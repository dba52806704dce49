//! `coord import FILE [-o coord.toml]`: reads a stack file of any format (process-compose.yaml,
//! Procfile, coord.toml) through the same raw tree -> Stack path as `coord run`, and writes the
//! equivalent coord.toml; every field translated approximately or dropped is reported on stderr
//! with its line (and listed in the file's header comment).

mod render;

use crate::cli::Failure;
use crate::load::errors_failure_named;
use crate::stack_files::StackFiles;
use coord_core::Stack;
use coord_core::stack::decode;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use render::render;

/// The files `coord import` reads: the positional FILE, else the `-f` files (merged, as for
/// `run`), else the stack file found here.
pub fn files_to_import(file: Option<PathBuf>, files: Vec<PathBuf>) -> Result<StackFiles, Failure> {
    match file {
        Some(file) => Ok(StackFiles::one(file)),
        None => crate::stack_file::resolve_files(files),
    }
}

/// Runs `coord import`: exit 0 when written, 2 when the file is invalid, 1 when the output
/// cannot be written (it exists and `force` is off, or it is a symbolic link).
pub fn import(files: &StackFiles, output: Option<&Path>, force: bool) -> Result<i32, Failure> {
    let name = files.shown();
    let contents = files.read()?;
    let mut texts = Vec::new();
    for (file, bytes) in &contents {
        let text = decode(file, bytes).map_err(|e| errors_failure_named(&name, &e))?;
        texts.push((file.as_str(), text));
    }
    let failed = |e| errors_failure_named(&name, &e);
    let translation = Stack::read_trees(&texts).map_err(failed)?;
    let parsed = Stack::from_translation(&translation).map_err(failed)?;
    let read: Vec<&str> = texts.iter().map(|(file, _)| *file).collect();
    let beside = files.primary().display().to_string();
    let toml = render(&read.join(" + "), &beside, &translation);
    // The output must load as the same stack: anything else is a bug in the importer.
    let check = Stack::parse("coord.toml", &toml).map_err(|e| {
        Failure::new(
            1,
            format!("coord import wrote a coord.toml that does not load (a bug in coord):\n{e}"),
        )
    })?;
    if check.services.len() != parsed.stack.services.len() {
        return Err(Failure::new(
            1,
            "coord import lost a service on the way (a bug in coord)",
        ));
    }
    let mut stderr = std::io::stderr();
    for note in &translation.notes {
        let _ = writeln!(stderr, "{note}");
    }
    let services = parsed.stack.services.len();
    match output {
        Some(path) => {
            write_output(path, &toml, force)?;
            let _ = writeln!(
                stderr,
                "coord: imported {services} service{} from {name} into {}; {} field{} translated approximately or dropped{}",
                if services == 1 { "" } else { "s" },
                path.display(),
                translation.notes.len(),
                if translation.notes.len() == 1 {
                    ""
                } else {
                    "s"
                },
                if translation.notes.is_empty() {
                    ""
                } else {
                    " (listed above)"
                },
            );
        }
        None => crate::out!("{toml}"),
    }
    Ok(0)
}

/// Writes the imported stack to `path`: a new file, or with `force` a replacement of a regular
/// file. A hand-written coord.toml is never overwritten by surprise, and a symbolic link is never
/// written through (it could point anywhere).
fn write_output(path: &Path, toml: &str, force: bool) -> Result<(), Failure> {
    let shown = path.display();
    let mut file = crate::safe_fs::create_output(path, 0o644, force).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::new(
                1,
                format!(
                    "{shown} already exists: coord import does not overwrite it\n  help: pass --force to replace it, or another -o path"
                ),
            )
        } else {
            Failure::new(1, format!("cannot write the import: {e}"))
        }
    })?;
    file.write_all(toml.as_bytes())
        .map_err(|e| Failure::new(1, format!("cannot write {shown}: {e}")))
}
