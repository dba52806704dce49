//! Several process-compose files -> one: the rules process-compose applies to `-f a -f b`, an
//! override file and `extends` (its loader merges each later file onto the earlier ones with
//! `mergo`'s "override, append slices" mode and a few special cases).
//!
//! | what                                   | rule                                               |
//! |----------------------------------------|----------------------------------------------------|
//! | `processes`                            | merged by process name; a new name is added        |
//! | `environment` (top level, per process) | merged by variable name; the later value wins      |
//! | other mappings (`depends_on`, `vars`, `availability`, `shutdown`, probes, `shell`) | merged key by key, recursively |
//! | single values (`command`, `working_dir`, ...) | the later file's value replaces the earlier one |
//! | an empty value, `false` or `0` in a later file | ignored: the earlier value stays (Go's zero values), with a note |
//! | other lists (`env_file`, ...)          | the later file's items are appended                |
//! | `watch`                                | replaced as a whole                                |
//!
//! The merged tree keeps every node's own span: the files' texts are laid end to end
//! ([`Sources`](crate::stack::Sources)) and each file's spans are shifted to its place there, so
//! a message about a value names the file it came from.

use super::super::yaml_tree::{YNode, YValue};
use crate::stack::tree::Spanned;
use std::ops::Range;

/// A note about the merge: span, message, help.
pub(crate) type MergeNote = (Range<usize>, String, String);

/// Shifts every span of `node` by `by` bytes (a file's place in the combined text).
pub(crate) fn shift(node: &mut YNode, by: usize) {
    node.span = node.span.start + by..node.span.end + by;
    match &mut node.value {
        YValue::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                let span = k.span();
                *k = Spanned::new(span.start + by..span.end + by, k.get_ref().clone());
                shift(v, by);
            }
        }
        YValue::Seq(items) => items.iter_mut().for_each(|i| shift(i, by)),
        YValue::Scalar { .. } => {}
    }
}

/// What the entries of a mapping are: the merge rules depend on it.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    /// The file's top-level keys.
    Project,
    /// The processes under `processes:`, by name.
    Processes,
    /// The keys of one process.
    Process,
    /// Anything deeper.
    Other,
}

/// `over` (a later file) merged onto `base` (the earlier ones), as process-compose merges them.
pub(crate) fn merge_project(base: YNode, over: YNode, notes: &mut Vec<MergeNote>) -> YNode {
    merge(base, over, Level::Project, notes)
}

/// `over` merged onto `base`; `level` says what their entries are, when both are mappings.
fn merge(base: YNode, over: YNode, level: Level, notes: &mut Vec<MergeNote>) -> YNode {
    match (base.value, over.value) {
        (YValue::Map(base_entries), YValue::Map(over_entries)) => YNode {
            span: base.span,
            value: YValue::Map(merge_entries(base_entries, over_entries, level, notes)),
        },
        (YValue::Seq(mut items), YValue::Seq(more)) => {
            items.extend(more);
            YNode {
                span: base.span,
                value: YValue::Seq(items),
            }
        }
        (base_value, over_value) => {
            let over = YNode {
                span: over.span,
                value: over_value,
            };
            let base = YNode {
                span: base.span,
                value: base_value,
            };
            if is_zero(&over) && !is_zero(&base) {
                base
            } else {
                over
            }
        }
    }
}

/// The entries of two mappings merged key by key (the base's order, then the new keys).
fn merge_entries(
    mut entries: Vec<(Spanned<String>, YNode)>,
    over: Vec<(Spanned<String>, YNode)>,
    level: Level,
    notes: &mut Vec<MergeNote>,
) -> Vec<(Spanned<String>, YNode)> {
    for (key, value) in over {
        let Some(at) = entries
            .iter()
            .position(|(k, _)| k.get_ref() == key.get_ref())
        else {
            entries.push((key, value));
            continue;
        };
        let base = std::mem::replace(&mut entries[at].1, null(0..0));
        let name = key.get_ref().as_str();
        entries[at].1 = match (level, name) {
            (Level::Project, "processes") => merge(base, value, Level::Processes, notes),
            (Level::Processes, _) => merge(base, value, Level::Process, notes),
            (Level::Project | Level::Process, "environment") => merge_environment(base, value),
            (Level::Process, "watch") => {
                if is_zero(&value) || matches!(&value.value, YValue::Seq(v) if v.is_empty()) {
                    base
                } else {
                    value
                }
            }
            _ => {
                if is_zero(&value) && !is_zero(&base) && !matches!(base.value, YValue::Map(_)) {
                    notes.push(ignored_zero(&key, &value, &base));
                }
                merge(base, value, Level::Other, notes)
            }
        };
    }
    entries
}

/// A null node at `span`.
fn null(span: Range<usize>) -> YNode {
    YNode {
        span,
        value: YValue::Scalar {
            text: String::new(),
            plain: true,
        },
    }
}

/// Whether a later file's value is one process-compose cannot tell from "not written" (Go's
/// zero values: nothing, an empty string, `false`, `0`), so that it does not replace the
/// earlier value.
fn is_zero(node: &YNode) -> bool {
    match &node.value {
        YValue::Scalar { text, plain } => {
            node.is_null()
                || text.is_empty()
                || (*plain && (node.as_bool() == Some(false) || text.trim() == "0"))
        }
        _ => false,
    }
}

/// The note for a later file's zero value that leaves the earlier value in place.
fn ignored_zero(key: &Spanned<String>, value: &YNode, base: &YNode) -> MergeNote {
    let name = key.get_ref();
    let written = value.scalar().unwrap_or("");
    let kept = base.scalar().unwrap_or("its value");
    let help = if name == "disabled" {
        "process-compose cannot tell `disabled: false` from no `disabled` in a later file; write `is_disabled: \"false\"` to enable the process".to_string()
    } else {
        "process-compose keeps the earlier value when a later file writes nothing, an empty string, false or 0; coord does the same".to_string()
    };
    (
        value.span.clone(),
        format!("`{name}: {written}` does not replace `{kept}` from an earlier file"),
        help,
    )
}

/// The `NAME` of an `environment` entry `NAME=value` (`None` for anything else: the
/// translation reports it at its place).
fn env_name(item: &YNode) -> Option<&str> {
    item.scalar()
        .and_then(|t| t.split_once('='))
        .map(|(name, _)| name)
        .filter(|name| !name.is_empty())
}

/// Two `environment` lists merged by variable name: a later value replaces the earlier one in
/// its place, new variables come after. (process-compose also sorts the merged list by name,
/// which does not change the environment a process sees.)
fn merge_environment(base: YNode, over: YNode) -> YNode {
    match (base.value, over.value) {
        (YValue::Seq(mut items), YValue::Seq(more)) => {
            for item in more {
                let existing = env_name(&item)
                    .and_then(|name| items.iter().position(|i| env_name(i) == Some(name)));
                match existing {
                    Some(at) => items[at] = item,
                    None => items.push(item),
                }
            }
            YNode {
                span: base.span,
                value: YValue::Seq(items),
            }
        }
        (base_value, over_value) => {
            let over = YNode {
                span: over.span,
                value: over_value,
            };
            if over.is_null() {
                YNode {
                    span: base.span,
                    value: base_value,
                }
            } else {
                over
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::formats::yaml_tree::parse;

    fn merged(base: &str, over: &str) -> (YNode, Vec<MergeNote>) {
        let mut notes = Vec::new();
        let mut over_node = parse("b.yaml", over).unwrap();
        shift(&mut over_node, base.len() + 1);
        let node = merge_project(parse("a.yaml", base).unwrap(), over_node, &mut notes);
        (node, notes)
    }

    fn texts(node: &YNode) -> Vec<&str> {
        match &node.value {
            YValue::Seq(items) => items.iter().filter_map(YNode::scalar).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn watch_is_replaced_as_a_whole_and_other_lists_appended() {
        let base = "processes:\n  p:\n    watch: [a, b]\n    args: [x]\n";
        let over = "processes:\n  p:\n    watch: [c]\n    args: [y]\n";
        let (node, _) = merged(base, over);
        let p = node.get("processes").and_then(|p| p.get("p")).unwrap();
        assert_eq!(texts(p.get("watch").unwrap()), ["c"]);
        assert_eq!(texts(p.get("args").unwrap()), ["x", "y"]);
        let (node, _) = merged(base, "processes:\n  p:\n    watch: []\n");
        let p = node.get("processes").and_then(|p| p.get("p")).unwrap();
        assert_eq!(texts(p.get("watch").unwrap()), ["a", "b"], "empty: kept");
    }

    #[test]
    fn zero_values_do_not_replace_and_spans_are_shifted_to_the_later_file() {
        let base = "log_level: debug\nprocesses:\n  p: {max: 3, on: true, name: x}\n";
        let over = "log_level: ''\nprocesses:\n  p: {max: 0, on: false, name: \"0\", new: 0}\n";
        let (node, notes) = merged(base, over);
        let p = node.get("processes").and_then(|p| p.get("p")).unwrap();
        assert_eq!(p.get("max").and_then(YNode::scalar), Some("3"));
        assert_eq!(p.get("on").and_then(YNode::scalar), Some("true"));
        assert_eq!(
            p.get("name").and_then(YNode::scalar),
            Some("0"),
            "quoted 0 is text"
        );
        assert_eq!(p.get("new").and_then(YNode::scalar), Some("0"), "added");
        assert_eq!(node.get("log_level").and_then(YNode::scalar), Some("debug"));
        assert_eq!(notes.len(), 3, "{notes:?}");
        let start = base.len() + 1;
        assert!(notes.iter().all(|(span, _, _)| span.start >= start));
        let new = p.get("new").unwrap();
        assert_eq!(&format!("{base}\n{over}")[new.span.clone()], "0");
    }
}
