//! `coord logs [--follow] [-n N] [--no-prefix] [NAME...]`: the services' output from their log
//! files (`.coord/logs/<name>.log`, written by the running coord and kept after the run),
//! behind the same aligned `name |` prefix as `coord run` prints.
//!
//! Order: the log files carry no times, so lines already written are shown service by service
//! (the named services in the order given, by default every service in stack file order), each
//! service's lines in the order it wrote them (`-n N`: its last N). `--follow` then prints new
//! lines in the order the running coord received them (through its event stream), until the
//! run ends or Ctrl-C. The stream is joined before the files are read, so no line is lost in
//! between; a line written in that very instant may show twice.

use super::stream::{Follow, Next, print_line, stop_on_signals};
use crate::cli::Failure;
use crate::output::Output;
use crate::paths::StackPaths;
use crate::protocol::StreamEvent;
use coord_core::ServiceId;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// What `coord logs` was asked for.
#[derive(Debug, Clone)]
pub struct LogsRequest {
    /// These services (empty: all, in stack file order).
    pub services: Vec<String>,
    /// Keep following new lines while coord runs.
    pub follow: bool,
    /// Only the last N lines of each service.
    pub lines: Option<usize>,
    /// Raw output of exactly one service, without the prefix.
    pub no_prefix: bool,
}

/// `coord logs`.
pub fn logs(file: &Path, request: LogsRequest) -> Result<i32, Failure> {
    let stack = crate::cli::load_stack(file)?;
    let paths = StackPaths::for_stack_file(file)
        .map_err(|e| Failure::new(2, format!("bad stack file path {}: {e}", file.display())))?;
    let all: Vec<String> = stack.services.iter().map(|s| s.name.clone()).collect();
    for name in &request.services {
        if !all.contains(name) {
            return Err(Failure::new(
                2,
                format!(
                    "no service named `{name}` in {}\n  help: the services are {}",
                    file.display(),
                    all.join(", ")
                ),
            ));
        }
    }
    if request.no_prefix && request.services.len() != 1 {
        return Err(Failure::new(
            2,
            "--no-prefix prints the raw output of exactly one service\n  help: name it, as in \
             `coord logs --no-prefix api`",
        ));
    }
    let shown: Vec<String> = if request.services.is_empty() {
        all.clone()
    } else {
        request.services.clone()
    };
    let output = Output::new(all.clone());
    // False once nobody reads stdout: then there is nothing more to do.
    let print = |name: &str, line: &str| -> bool {
        if request.no_prefix {
            print_line(line)
        } else {
            let id = all.iter().position(|n| n == name).unwrap_or(0);
            let id = ServiceId::from_index(id);
            print_line(&output.format(id, line))
        }
    };
    let stop = request.follow.then(stop_on_signals);
    let follow = if request.follow {
        Follow::subscribe(&paths, &request.services, true)?
    } else {
        None
    };
    for name in &shown {
        let path = paths.log_file(name);
        for line in tail(&path, request.lines)? {
            if !print(name, &line) {
                return Ok(0);
            }
        }
    }
    if !request.follow {
        return Ok(0);
    }
    let Some(mut follow) = follow else {
        crate::errln!(
            "coord: no coord is running the stack {}: no new lines will come",
            file.display()
        );
        return Ok(0);
    };
    loop {
        match follow.next(None, stop.as_deref())? {
            Next::Event(_, StreamEvent::Log { service, line }) => {
                if shown.contains(&service) && !print(&service, &line) {
                    return Ok(0);
                }
            }
            Next::Event(_, StreamEvent::RunEnd { .. }) | Next::Stopped | Next::Closed => {
                return Ok(0);
            }
            Next::Event(_, StreamEvent::Dropped { message }) => {
                return Err(Failure::new(1, message));
            }
            Next::Event(..) | Next::Timeout => {}
        }
    }
}

/// The lines of the log file at `path` (the last `n` if given); none if it does not exist.
pub fn tail(path: &Path, n: Option<usize>) -> Result<Vec<String>, Failure> {
    let file = match crate::safe_fs::open_read(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Failure::new(
                1,
                format!("cannot read {}: {e}", path.display()),
            ));
        }
    };
    let mut kept = VecDeque::new();
    let mut reader = BufReader::new(file);
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(Failure::new(
                    1,
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        }
        if raw.ends_with(b"\n") {
            raw.pop();
        }
        if n == Some(0) {
            continue;
        }
        kept.push_back(String::from_utf8_lossy(&raw).into_owned());
        if n.is_some_and(|n| kept.len() > n) {
            kept.pop_front();
        }
    }
    Ok(kept.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines_in_order() {
        let dir = std::env::temp_dir().join(format!("coord-logs-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("api.log");
        std::fs::write(&path, "one\ntwo\nthree\nfour").unwrap();
        assert_eq!(tail(&path, Some(2)).unwrap(), ["three", "four"]);
        assert_eq!(tail(&path, None).unwrap().len(), 4);
        assert!(tail(&path, Some(0)).unwrap().is_empty());
        assert!(tail(&dir.join("none.log"), None).unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
