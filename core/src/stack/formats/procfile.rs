//! Procfile text -> raw tree, with the line rules foreman, honcho and overmind share:
//!
//! - one `name: command` entry per line; the first `:` splits, whitespace around both is trimmed;
//! - names are letters, digits, `_` and `-` (`[A-Za-z0-9_-]+`);
//! - blank lines and lines starting with `#` (after leading whitespace) are ignored;
//! - anything else is an error at its line (foreman skips such lines silently; coord does not
//!   drop part of a stack without saying so), and so is a name written twice (foreman and honcho
//!   keep one of them silently): the error names both lines.
//!
//! Each entry becomes a service whose command runs through `sh -c`, with no dependencies, and the
//! `.env` beside the Procfile is loaded when there is one (as foreman and honcho do); commands are
//! left to the shell (no `${...}` resolution at load, `$$` stays the shell's pid). An
//! entry whose command uses `$PORT` or `${PORT}` gets a port, preferring foreman's numbering:
//! 5000 + 100 x its index among all entries (web: 5000, worker: 5100, ...), so familiar URLs
//! stay; coord picks another port from the `development` range when that one is taken.

use crate::stack::ConfigErrors;
use crate::stack::diagnostics::Diagnostics;
use crate::stack::tree::{RawNode, Spanned};
use crate::stack::values::is_plain_name;
use std::collections::BTreeMap;
use std::ops::Range;

/// The port foreman gives the first entry.
pub const FIRST_PORT: i64 = 5000;
/// How much foreman adds per entry.
pub const PORT_STEP: i64 = 100;

/// One `name: command` line.
struct Entry {
    name: Spanned<String>,
    command: Spanned<String>,
}

/// Reads a Procfile into a root table `{ services = { NAME = { command, port? } } }`, or every
/// problem with its line.
pub(crate) fn parse(file: &str, text: &str) -> Result<RawNode, ConfigErrors> {
    let mut d = Diagnostics::new(file, text);
    let entries = entries(&mut d, text);
    if entries.is_empty() && d.is_empty() {
        d.error(
            0..0,
            "the Procfile has no entries",
            "add one line per process, such as `web: ./server --port $PORT`",
        );
    }
    if !d.is_empty() {
        return Err(d.into_errors());
    }
    let services = entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| service(index, entry))
        .collect();
    let key = |name: &str| Spanned::new(0..0, name.to_string());
    // foreman and honcho load the `.env` beside the Procfile when there is one.
    let dot_env = RawNode::table(
        0..0,
        vec![
            (key("path"), RawNode::string(0..0, ".env")),
            (key("required"), RawNode::bool(0..0, false)),
        ],
    );
    Ok(RawNode::table(
        0..text.len(),
        vec![
            (key("env_file"), RawNode::array(0..0, vec![dot_env])),
            (key("services"), RawNode::table(0..text.len(), services)),
        ],
    ))
}

/// The entries in file order; malformed lines and repeated names are recorded in `d`.
fn entries(d: &mut Diagnostics, text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut start = 0;
    for (number, raw_line) in text.split('\n').enumerate() {
        let line_start = start;
        start += raw_line.len() + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let at = line_start + (line.len() - body.len());
        let Some((name, command)) = body.split_once(':') else {
            d.error(
                at..at + body.len(),
                "not a `name: command` line",
                "write each process as `name: command` (such as `web: ./server --port $PORT`), or start the line with `#` to make it a comment",
            );
            continue;
        };
        let name_text = name.trim_end();
        if !is_plain_name(name_text) {
            d.error(
                at..at + name.len(),
                format!("`{name_text}` is not a Procfile process name"),
                "a name is letters, digits, `_` and `-` only, right at the start of the line, followed by `:`",
            );
            continue;
        }
        let after = at + name.len() + 1;
        let command_text = command.trim();
        let command_at = after + (command.len() - command.trim_start().len());
        if command_text.is_empty() {
            d.error(
                command_at..command_at,
                format!("`{name_text}` has no command"),
                format!("write the command after the colon, such as `{name_text}: ./server`"),
            );
            continue;
        }
        if let Some(first) = first_line.get(name_text) {
            d.error(
                at..at + name_text.len(),
                format!("`{name_text}` is defined twice, on lines {first} and {}", number + 1),
                "give each process its own name (foreman and honcho would silently run only one of them)",
            );
            continue;
        }
        first_line.insert(name_text.to_string(), number + 1);
        entries.push(Entry {
            name: Spanned::new(at..at + name_text.len(), name_text.to_string()),
            command: Spanned::new(
                command_at..command_at + command_text.len(),
                command_text.to_string(),
            ),
        });
    }
    entries
}

/// The service table of the entry at `index`.
fn service(index: usize, entry: Entry) -> (Spanned<String>, RawNode) {
    let span = entry.command.span();
    let key = |name: &str| Spanned::new(span.clone(), name.to_string());
    let mut table = vec![(
        key("command"),
        RawNode::string(span.clone(), entry.command.get_ref().clone()),
    )];
    if uses_port(entry.command.get_ref()) {
        let preferred = FIRST_PORT.saturating_add(PORT_STEP.saturating_mul(index as i64));
        table.push((
            key("port"),
            RawNode::table(
                span.clone(),
                vec![(key("preferred"), RawNode::integer(span.clone(), preferred))],
            ),
        ));
    }
    let whole: Range<usize> = entry.name.span().start..span.end;
    (entry.name, RawNode::table(whole, table))
}

/// Whether a shell command reads `$PORT` or `${PORT}` (not `$PORTAL`).
pub(crate) fn uses_port(command: &str) -> bool {
    command.contains("${PORT}")
        || command.match_indices("$PORT").any(|(i, m)| {
            !command[i + m.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::tree::RawValue;

    fn names(node: &RawNode) -> Vec<String> {
        let RawValue::Table(services) = &node.get("services").unwrap().value else {
            panic!("a table");
        };
        services.iter().map(|(k, _)| k.get_ref().clone()).collect()
    }

    fn messages(text: &str) -> Vec<(usize, usize, String)> {
        parse("Procfile", text)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.line, e.column, e.message))
            .collect()
    }

    #[test]
    fn comments_blank_lines_and_whitespace_are_skipped() {
        let text = "# the web\n\n  web:   bundle exec rails s -p $PORT  \r\n\t# indented comment\nworker:sidekiq\n";
        let tree = parse("Procfile", text).unwrap();
        assert_eq!(names(&tree), ["web", "worker"]);
        let web = tree.get("services").unwrap().get("web").unwrap();
        let command = web.get("command").unwrap();
        assert_eq!(command.as_str(), Some("bundle exec rails s -p $PORT"));
        assert_eq!(&text[command.span.clone()], "bundle exec rails s -p $PORT");
        let worker = tree.get("services").unwrap().get("worker").unwrap();
        assert_eq!(worker.get("command").unwrap().as_str(), Some("sidekiq"));
    }

    #[test]
    fn the_first_colon_splits() {
        let tree = parse("Procfile", "web: env A=b:c ./web\n").unwrap();
        let web = tree.get("services").unwrap().get("web").unwrap();
        assert_eq!(
            web.get("command").unwrap().as_str(),
            Some("env A=b:c ./web")
        );
    }

    #[test]
    fn only_entries_using_port_get_one_numbered_like_foreman() {
        let text = "web: ./web --port $PORT\nworker: ./work\napi: ./api -p ${PORT}\nportal: echo $PORTAL\n";
        let tree = parse("Procfile", text).unwrap();
        let services = tree.get("services").unwrap();
        let preferred = |name: &str| {
            services
                .get(name)
                .unwrap()
                .get("port")
                .map(|p| p.get("preferred").unwrap().value.clone())
        };
        assert_eq!(preferred("web"), Some(RawValue::Integer(5000)));
        assert_eq!(preferred("worker"), None);
        assert_eq!(preferred("api"), Some(RawValue::Integer(5200)));
        assert_eq!(preferred("portal"), None);
    }

    #[test]
    fn malformed_lines_bad_names_and_empty_commands_are_located() {
        assert_eq!(
            messages("web: ./web\n  just words\nmy app: x\nworker:\n"),
            [
                (2, 3, "not a `name: command` line".to_string()),
                (3, 1, "`my app` is not a Procfile process name".to_string()),
                (4, 8, "`worker` has no command".to_string()),
            ]
        );
    }

    #[test]
    fn a_repeated_name_is_an_error_naming_both_lines() {
        assert_eq!(
            messages("web: ./a\nworker: ./w\nweb: ./b\n"),
            [(3, 1, "`web` is defined twice, on lines 1 and 3".to_string())]
        );
    }

    #[test]
    fn an_empty_procfile_is_an_error() {
        assert_eq!(
            messages("# nothing\n\n"),
            [(1, 1, "the Procfile has no entries".to_string())]
        );
    }
}
